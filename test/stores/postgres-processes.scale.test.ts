// npm run test:scale: four gateway processes on one PostgreSQL schema, one killed mid-call (about five seconds).
import { afterAll, describe, expect, it } from 'vitest';
import { createGateway, type UsageEvent } from '../../src/index.js';
import type { PostgresStore } from '../../src/postgres.js';
import { postgresAvailable, usePostgres } from '../helpers/postgres.js';
import { lockedStoreTest, servedCallsCountedTest, sqlProcessTests } from './sql-processes.js';

/** Gateways in several processes on one PostgreSQL schema, a process killed mid-call, the ledger, a locked table. */

const available = await postgresAvailable();
const pg = usePostgres();
afterAll(() => pg.cleanup(), 30_000);

describe.skipIf(!available)('postgres store across processes', () => {
  const fresh = async () => {
    const store = await pg.store();
    return { env: { STORE: 'postgres', PG_SCHEMA: store.schema }, store: () => store };
  };
  servedCallsCountedTest({ fresh }, async (store, requestIds) => {
    const { rows } = await pg.pool().query(`SELECT request_id, status FROM "${(store as PostgresStore).schema}".ledger WHERE request_id = ANY ($1)`, [requestIds]);
    return new Map((rows as Array<{ request_id: string; status: string }>).map((r) => [r.request_id, r.status]));
  });
  sqlProcessTests({
    fresh,
    // The ledger agrees: one row per successful call, the same money.
    check: async (store, { ok, spentMicros }) => {
      const schema = (store as PostgresStore).schema;
      const { rows } = await pg.pool().query(`SELECT count(*)::int AS n, sum(cost_micros)::bigint AS cost FROM "${schema}".ledger WHERE status = 'success' AND workspace = 'team'`);
      expect(rows[0]).toEqual({ n: ok, cost: String(spentMicros) });
    },
  });

  it('the ledger has one row per settled call with the usage event\'s money and tokens, limits or not', async () => {
    const store = await pg.store();
    const gateway = createGateway({
      integrations: [{ slug: 'llm', provider: 'mock', workspaces: 'all', pricing: { m: { input: 1, output: 2 } }, mock: { usage: { inputTokens: 100, outputTokens: 20 } } }],
      store,
    });
    const events: UsageEvent[] = [];
    gateway.on('usage', (e) => events.push(e));
    await gateway.chat({ workspace: 'w', model: '@llm/m', user: 'u-1', messages: [{ role: 'user', content: 'hi' }] });
    await gateway.chat({ workspace: 'w', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
    await gateway.flush();
    const { rows } = await pg.pool().query(`SELECT request_id, workspace, integration, provider, model, "user", status, input_tokens, output_tokens, cost_micros FROM "${store.schema}".ledger ORDER BY settled_at, request_id`);
    expect(rows).toHaveLength(2);
    for (const event of events) {
      expect(rows).toContainEqual({
        request_id: event.requestId,
        workspace: 'w',
        integration: 'llm',
        provider: 'mock',
        model: 'm',
        user: event.user,
        status: 'success',
        input_tokens: '100',
        output_tokens: '20',
        cost_micros: String(event.costMicros),
      });
    }
    await gateway.close();
  });

  it('a table locked past the store timeout: the call fails as the failure policy says, announced, and works once the lock is gone', async () => {
    const store = await pg.store();
    await lockedStoreTest(store, async () => {
      const locker = await pg.pool().connect();
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${store.schema}".counters IN ACCESS EXCLUSIVE MODE`);
      return async () => {
        await locker.query('COMMIT');
        locker.release();
      };
    });
  });
});
