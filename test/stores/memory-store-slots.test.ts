// npm test: the memory store reaches a counter through its spec's slot (CounterSpec.held) only
// while that counter is the one it holds; milliseconds.
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import type { CounterSpec } from '../../src/stores/store.js';

/** A spec that offers a slot, as the gateway's do. */
const slotted = (key: string, limit: number, expiresAt: number | null = null): CounterSpec => ({ key, limit, expiresAt, held: null });

let calls = 0;

/** One call through `spec`: `amount` reserved, then `used` settled. */
function call(store: ReturnType<typeof memoryStore>, spec: CounterSpec, amount: number, used: number, now = 0): void {
  const reservationId = `r-${++calls}`;
  const admitted = store.admit({ reservationId, counters: [spec], amounts: [amount], now, ttlMs: 60_000 });
  if (!admitted.admitted) throw new Error(`refused on ${spec.key}`);
  store.settle({ reservationId, handle: admitted.handle, reserved: true, counters: [spec], amounts: [amount], actual: [used], now });
}

describe('memory store: counters held in their specs', () => {
  it('a spec with a slot and one without reach the same counter', () => {
    const store = memoryStore();
    const withSlot = slotted('k', 100);
    call(store, withSlot, 10, 4);
    expect(withSlot.held).not.toBeNull();
    call(store, { key: 'k', limit: 100, expiresAt: null }, 10, 3);
    call(store, withSlot, 10, 2);
    expect(store.read(['k'], 0)).toEqual([{ used: 9, reserved: 0, unsettled: 0 }]);
  });

  it('a counter evicted to stay within maxCounters is not reached through the slot that held it', () => {
    const store = memoryStore({ maxCounters: 1 });
    const first = slotted('first', 100);
    call(store, first, 10, 5);
    call(store, slotted('second', 100), 10, 1); // the first counter, idle, is dropped
    expect(store.counterStats().evicted).toBe(1);
    call(store, first, 10, 7);
    // Usage after the eviction lands in the counter the store holds, not in the dropped one.
    expect(store.read(['first'], 0)[0]).toMatchObject({ used: 7 });
  });

  it('a counter dropped at its expiry is not reached through the slot that held it', () => {
    const store = memoryStore();
    const spec = slotted('window', 100, 60_000);
    call(store, spec, 10, 5, 0);
    call(store, slotted('other', 100), 1, 1, 61_000); // the sweep drops the expired counter
    expect(store.read(['window'], 61_000)[0]).toMatchObject({ used: 0 });
    call(store, spec, 10, 3, 61_000);
    expect(store.read(['window'], 61_000)[0]).toMatchObject({ used: 3 });
  });

  it('a counter is never reached through a slot written by another store', () => {
    const a = memoryStore();
    const b = memoryStore();
    const spec = slotted('shared', 10);
    call(a, spec, 8, 8);
    // On b the same spec starts from zero: a's counter, in the slot, is not b's.
    call(b, spec, 8, 6);
    expect(a.read(['shared'], 0)[0]).toMatchObject({ used: 8 });
    expect(b.read(['shared'], 0)[0]).toMatchObject({ used: 6 });
    expect(b.admit({ reservationId: 'x', counters: [spec], amounts: [5], now: 0, ttlMs: 1_000 })).toMatchObject({ admitted: false });
  });

  it('a spec without a slot gets none written', () => {
    const store = memoryStore();
    const spec = Object.freeze({ key: 'frozen', limit: 10, expiresAt: null });
    call(store, spec, 5, 5);
    expect(store.read(['frozen'], 0)[0]).toMatchObject({ used: 5 });
    expect('held' in spec).toBe(false);
  });
});
