// npm test: a schema of its own on the local PostgreSQL, dropped after; a few seconds (its property test).
import { Pool as PgPool, type Pool } from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createGateway } from '../../src/index.js';
import { postgresStore } from '../../src/postgres.js';
import { PG_CONFIG, postgresAvailable, usePostgres } from '../helpers/postgres.js';
import { sqlBatchingTests } from './sql-batching.js';
import { describeStoreConformance } from './store-conformance.js';

const available = await postgresAvailable();
const pg = usePostgres();
afterAll(() => pg.cleanup(), 30_000);

// A real server, a fresh schema per store (dropped after the file).
if (available) {
  const pool = pg.pool();
  describeStoreConformance('postgres', () => pg.store(pool));

  describe('postgres store: transactions shared by calls', () => {
    sqlBatchingTests(() => pg.store(pool));

    it('calls issued together share round trips', async () => {
      const schema = pg.schema();
      let queries = 0;
      const counted = {
        query: ((...args: Parameters<Pool['query']>) => (queries++, (pool.query as (...a: unknown[]) => unknown)(...args))) as Pool['query'],
        connect: pool.connect.bind(pool),
      };
      const store = postgresStore({ pool: counted, schema });
      await store.migrate();
      const c = { key: 'c', limit: 1_000, expiresAt: null };
      await store.read(['c'], 0); // the first call of a clock also releases expired reservations
      queries = 0;
      const results = await Promise.all(Array.from({ length: 32 }, (_, i) => store.admit({ reservationId: `r${i}`, counters: [c], amounts: [1], now: 0, ttlMs: 60_000 })));
      expect(results.every((r) => r.admitted)).toBe(true);
      expect(queries).toBeLessThanOrEqual(2);
      expect(await store.read(['c'], 0)).toEqual([{ used: 0, reserved: 32, unsettled: 0 }]);
    });

    it('an admission the database lost in a crash is still charged when its call settles', async () => {
      const schema = pg.schema();
      const store = postgresStore({ pool, schema });
      await store.migrate();
      const c = { key: 'c', limit: 1_000, expiresAt: null };
      await store.admit({ reservationId: 'lost', counters: [c], amounts: [50], now: 0, ttlMs: 60_000 });
      // What a crash before the asynchronous commit of the admission leaves: neither the row nor the reservation.
      await pool.query(`DELETE FROM "${schema}".reservations WHERE id = 'lost'`);
      await pool.query(`UPDATE "${schema}".counters SET reserved = 0 WHERE key = 'c'`);
      const settled = await store.settle({ reservationId: 'lost', reserved: true, counters: [c], actual: [30], now: 0 });
      expect(settled).toEqual([{ used: 30, reserved: 0, alerted: false, exhausted: false }]);
      // Settled once: a retry changes nothing.
      await store.settle({ reservationId: 'lost', reserved: true, counters: [c], actual: [30], now: 0 });
      expect(await store.read(['c'], 0)).toEqual([{ used: 30, reserved: 0, unsettled: 0 }]);
    });

    it('the server ends every connection of the pool: the process lives on, and calls go on once it reconnects', async () => {
      // The pool as docs/stores.md makes it: no 'error' listener of the application's own.
      const name = `tollgate-${pg.schema()}`;
      const raw = new PgPool({ ...PG_CONFIG, application_name: name });
      const store = postgresStore({ pool: raw, schema: name.slice('tollgate-'.length) });
      await store.migrate();
      expect(raw.listenerCount('error')).toBe(1);
      const gateway = createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: { team: { budgets: [{ type: 'tokens', limit: 1_000_000 }] } } }], store, policyPollMs: 3_600_000, analytics: false });
      const call = () => gateway.chat({ workspace: 'team', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
      await Promise.all([call(), call(), call()]);
      // Settlements written and no background work (policyPollMs, no analytics): the connections stay idle
      // until they are ended, so each is an 'error' event of the pool, not of a query.
      await gateway.flush();
      expect(raw.idleCount).toBeGreaterThan(0);
      let poolErrors = 0;
      const emit = raw.emit.bind(raw);
      vi.spyOn(raw, 'emit').mockImplementation((event: string | symbol, ...args: unknown[]) => {
        if (event === 'error') poolErrors++;
        return emit(event, ...args);
      });
      const admin = new PgPool(PG_CONFIG);
      const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
      await admin.end();
      expect(rowCount).toBeGreaterThan(0);
      // Each idle connection the server ended is an 'error' event of the pool, taken by the store's listener
      // alone (counted here by watching emit, which adds no listener). The pool may open new connections
      // meanwhile (the gateway's background reads), so its idle count proves nothing.
      await expect.poll(() => poolErrors, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(raw.listenerCount('error')).toBe(1);
      await expect.poll(() => call().then(() => 'ok', (e: Error) => e.message), { timeout: 15_000 }).toBe('ok');
      await gateway.close();
      await raw.end();
    });
  });
} else {
  describe.skip('store conformance: postgres (PostgreSQL unreachable: see the warning above)', () => {
    it('runs against a real server', () => {});
  });
}
