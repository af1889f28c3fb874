// npm test: the store conformance suite on SQLite files in a temporary directory; under a second.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGateway, StoreUnavailableError, type StoreDegradedEvent } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { sqlBatchingTests } from './sql-batching.js';
import { describeStoreConformance } from './store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => sqliteStore({ path: join(dir, `store-${++n}.db`) });

// A real file per store, as users run it (WAL mode needs one: it is not a :memory: database).
describeStoreConformance('sqlite', fresh);

describe('sqlite store: transactions shared by calls', () => {
  sqlBatchingTests(fresh);

  it('a settlement commits before it returns, and takes along the admissions that waited for it', async () => {
    const path = join(dir, `store-${++n}.db`);
    const store = sqliteStore({ path });
    const other = sqliteStore({ path }); // another process's view of the file
    const c = { key: 'c', limit: 100, expiresAt: null };
    const input = (reservationId: string, amount: number) => ({ reservationId, counters: [c], amounts: [amount], now: 0, ttlMs: 60_000 });
    // A call alone is answered synchronously.
    expect(store.admit(input('a', 10))).toEqual({ admitted: true, totals: [10] });
    // While it is in flight, the next admission waits for a transaction...
    const waiting = store.admit(input('b', 20));
    expect(waiting).toBeInstanceOf(Promise);
    expect(other.read(['c'], 0)).toEqual([{ used: 0, reserved: 10, unsettled: 0 }]);
    // ...which the settlement of the first brings, committed before settle returns.
    const settled = store.settle({ reservationId: 'a', reserved: true, counters: [c], actual: [7], now: 0 });
    expect(settled).toEqual([{ used: 7, reserved: 20, alerted: false, exhausted: false }]);
    expect(other.read(['c'], 0)).toEqual([{ used: 7, reserved: 20, unsettled: 0 }]);
    // It ran first in that transaction: 10 reserved by the first call, 20 by itself.
    expect(await waiting).toEqual({ admitted: true, totals: [30] });
    store.close();
    other.close();
  });

  it('settlements of calls answered together share one commit, each answered only once it is committed', async () => {
    const path = join(dir, `store-${++n}.db`);
    const store = sqliteStore({ path });
    const other = sqliteStore({ path });
    const c = { key: 'c', limit: 100, expiresAt: null };
    const admit = (reservationId: string) => store.admit({ reservationId, counters: [c], amounts: [10], now: 0, ttlMs: 60_000 });
    const settle = (reservationId: string, actual: number) => store.settle({ reservationId, reserved: true, counters: [c], actual: [actual], now: 0 });
    expect(admit('a')).toEqual({ admitted: true, totals: [10] });
    const b = admit('b'); // waits: a is in flight
    // No other call in flight: committed before it returns, b's admission along (first).
    expect(settle('a', 1)).toEqual([{ used: 1, reserved: 10, alerted: false, exhausted: false }]);
    expect(await b).toEqual({ admitted: true, totals: [20] });
    const admittedC = admit('c');
    expect(admittedC).toBeInstanceOf(Promise); // b is in flight: c waits for the next transaction (this turn's end)
    expect(await admittedC).toEqual({ admitted: true, totals: [21] });
    // b and c in flight: b's settlement waits for the rest of this turn, and c's joins it.
    const settledB = settle('b', 2);
    const settledC = settle('c', 3);
    expect(settledB).toBeInstanceOf(Promise);
    expect(settledC).toBeInstanceOf(Promise);
    expect(other.read(['c'], 0)).toEqual([{ used: 1, reserved: 20, unsettled: 0 }]); // neither committed yet
    expect(await settledB).toEqual([{ used: 3, reserved: 10, alerted: false, exhausted: false }]);
    expect(other.read(['c'], 0)).toEqual([{ used: 6, reserved: 0, unsettled: 0 }]); // both, in one transaction
    expect(await settledC).toEqual([{ used: 6, reserved: 0, alerted: false, exhausted: false }]);
    // Alone again: the next call's settlement commits before it returns.
    expect(admit('d')).toEqual({ admitted: true, totals: [16] });
    expect(settle('d', 4)).toEqual([{ used: 10, reserved: 0, alerted: false, exhausted: false }]);
    expect(other.read(['c'], 0)).toEqual([{ used: 10, reserved: 0, unsettled: 0 }]);
    store.close();
    other.close();
  });

  it('a transaction rolled back and run again op by op counts its calls once: a call alone afterwards is answered at once', async () => {
    const store = sqliteStore({ path: join(dir, `store-${++n}.db`) });
    const c = { key: 'c', limit: 100, expiresAt: null };
    const admit = (reservationId: string) => store.admit({ reservationId, counters: [c], amounts: [1], now: 0, ttlMs: 60_000 });
    const settle = (reservationId: string) => store.settle({ reservationId, reserved: true, counters: [c], actual: [1], now: 0 });
    expect(admit('dup')).toEqual({ admitted: true, totals: [1] });
    // In flight with it: 'other' and a second 'dup' (refused by the primary key) share a
    // transaction, which rolls back after 'other' was admitted in it; each is then run alone.
    const results = await Promise.allSettled([admit('other'), admit('dup')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    await Promise.all([settle('dup'), settle('other')]);
    expect(store.read(['c'], 0)).toEqual([{ used: 2, reserved: 0, unsettled: 0 }]);
    // Nothing is in flight now: the next call is answered synchronously, not at the next turn.
    expect(admit('next')).toEqual({ admitted: true, totals: [3] });
    expect(settle('next')).toEqual([{ used: 3, reserved: 0, alerted: false, exhausted: false }]);
    store.close();
  });

  it('closing the store commits the calls still waiting for a transaction first', async () => {
    const path = join(dir, `store-${++n}.db`);
    const store = sqliteStore({ path });
    const c = { key: 'c', limit: 100, expiresAt: null };
    expect(store.admit({ reservationId: 'a', counters: [c], amounts: [10], now: 0, ttlMs: 60_000 })).toEqual({ admitted: true, totals: [10] });
    const b = store.admit({ reservationId: 'b', counters: [c], amounts: [10], now: 0, ttlMs: 60_000 });
    expect(b).toBeInstanceOf(Promise);
    store.close(); // in the same turn: b has not had its transaction yet
    expect(await b).toEqual({ admitted: true, totals: [20] });
    const reopened = sqliteStore({ path });
    expect(reopened.read(['c'], 0)).toEqual([{ used: 0, reserved: 20, unsettled: 0 }]);
    reopened.close();
  });

  it('a settlement waiting for its turn is committed when the store closes in that turn', async () => {
    const path = join(dir, `store-${++n}.db`);
    const store = sqliteStore({ path });
    const c = { key: 'c', limit: 100, expiresAt: null };
    const admit = (reservationId: string) => store.admit({ reservationId, counters: [c], amounts: [10], now: 0, ttlMs: 60_000 });
    expect(admit('a')).toEqual({ admitted: true, totals: [10] });
    expect(await admit('b')).toEqual({ admitted: true, totals: [20] });
    const settled = store.settle({ reservationId: 'a', reserved: true, counters: [c], actual: [4], now: 0 });
    expect(settled).toBeInstanceOf(Promise); // b is in flight
    store.close();
    expect(await settled).toEqual([{ used: 4, reserved: 10, alerted: false, exhausted: false }]);
    const reopened = sqliteStore({ path });
    expect(reopened.read(['c'], 0)).toEqual([{ used: 4, reserved: 10, unsettled: 0 }]);
    reopened.close();
  });
});

describe('sqlite store: opening', () => {
  it('a file it cannot open is a StoreUnavailableError naming the path and the cause', () => {
    const missing = join(dir, 'no-such-dir', 'x.db');
    const notADatabase = join(dir, 'not-a-database.db');
    writeFileSync(notADatabase, 'plain text, not SQLite '.repeat(100));
    for (const [path, cause] of [
      [missing, 'the directory does not exist'],
      [notADatabase, 'SQLITE_NOTADB'],
    ] as const) {
      const error = (() => {
        try {
          sqliteStore({ path });
        } catch (e) {
          return e;
        }
        throw new Error(`${path} opened`);
      })();
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toContain(JSON.stringify(path));
      expect((error as Error).message).toContain(cause);
    }
  });
});

describe('sqlite store: its file removed or replaced', () => {
  for (const what of ['removed', 'replaced'] as const) {
    it(`a file ${what} after it was opened: calls are refused (fail-closed), announced, and nothing counts into the old file`, async () => {
      const path = join(dir, `gone-${what}.db`);
      const gateway = createGateway({
        integrations: [{ slug: 'llm', provider: 'mock', workspaces: { team: { rateLimits: [{ type: 'requests', limit: 100, per: 'day' }] } } }],
        store: sqliteStore({ path }),
      });
      const degraded: StoreDegradedEvent[] = [];
      gateway.on('store.degraded', (e) => degraded.push(e));
      const call = () => gateway.chat({ workspace: 'team', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
      await call();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
      if (what === 'replaced') sqliteStore({ path }).close(); // a new, empty store file in its place
      const refused = await call().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(StoreUnavailableError);
      expect(degraded).toMatchObject([{ store: 'sqlite', operation: 'admit', decision: 'refused' }]);
      expect(String(degraded[0]!.error.message)).toContain(`${JSON.stringify(path)} was ${what === 'removed' ? 'removed' : 'replaced by another file'}`);
      await gateway.close({ timeoutMs: 0 });
    });
  }
});
