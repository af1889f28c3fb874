import { expect, it } from 'vitest';
import type { CounterSpec, Store } from '../../src/index.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const counter = (key: string, limit: number): CounterSpec => ({ key, limit, expiresAt: null });
const admitInput = (reservationId: string, counters: CounterSpec[], amount: number) => ({
  reservationId,
  counters,
  amounts: counters.map(() => amount),
  now: T0,
  ttlMs: 60_000,
});

/**
 * The SQL stores put calls that arrive together in one transaction (group commit). These tests
 * hold whatever batches form: the answers are those of the calls one after another.
 */
export function sqlBatchingTests(factory: () => Promise<Store> | Store): void {
  it('calls arriving together are answered as if one after another: exactly the limit is admitted, and settled', async () => {
    const store = await factory();
    const a = counter('together:a', 1_000);
    const b = counter('together:b', 25);
    // Issued in one turn of the event loop, with no wait between them.
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => Promise.resolve().then(() => store.admit(admitInput(`together-${i}`, [a, b], 1)))));
    const admitted = results.flatMap((r, i) => (r.admitted ? [i] : []));
    expect(admitted).toHaveLength(25);
    for (const r of results) if (!r.admitted && !('revoked' in r)) expect(r).toMatchObject({ index: 1 });
    expect(await store.read([a.key, b.key], T0)).toEqual([
      { used: 0, reserved: 25, unsettled: 0 },
      { used: 0, reserved: 25, unsettled: 0 },
    ]);
    await Promise.all(
      admitted.map((i) =>
        Promise.resolve().then(() => store.settle({ reservationId: `together-${i}`, reserved: true, counters: [a, b], amounts: [1, 1], actual: [1, 1], now: T0 })),
      ),
    );
    expect(await store.read([a.key, b.key], T0)).toEqual([
      { used: 25, reserved: 0, unsettled: 0 },
      { used: 25, reserved: 0, unsettled: 0 },
    ]);
  });

  it('a call the database refuses fails alone: the others in its transaction are answered', async () => {
    const store = await factory();
    const c = counter('alone:c', 100);
    // The same reservation id twice (a primary key the database refuses the second time), with another call.
    const results = await Promise.allSettled([
      Promise.resolve().then(() => store.admit(admitInput('alone-dup', [c], 3))),
      Promise.resolve().then(() => store.admit(admitInput('alone-dup', [c], 3))),
      Promise.resolve().then(() => store.admit(admitInput('alone-other', [c], 5))),
    ]);
    const [first, second, other] = results;
    expect(other).toMatchObject({ status: 'fulfilled', value: { admitted: true } });
    // Exactly one of the two with the same id is admitted; the other gets the database's error.
    expect([first!.status, second!.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect(await store.read([c.key], T0)).toEqual([{ used: 0, reserved: 8, unsettled: 0 }]);
  });
}
