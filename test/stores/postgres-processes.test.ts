import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError, createGateway, type UsageEvent } from '../../src/index.js';
import { postgresAvailable, usePostgres } from '../helpers/postgres.js';
import { ask, workerConfig } from './sql-worker.js';

/** Gateways in several processes on one PostgreSQL schema, a process killed mid-call, the ledger, a locked table. */

const available = await postgresAvailable();
const pg = usePostgres();
afterAll(() => pg.cleanup(), 30_000);
const WORKER = new URL('./sql-worker.ts', import.meta.url).pathname;

function worker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, STORE: 'postgres', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, next: async () => String((await lines.next()).value) };
}

describe.skipIf(!available)('postgres store across processes', () => {
  it('4 processes share a $1 budget: no overshoot; the spend recorded, and the ledger, are the sum of the successful calls', async () => {
    const store = await pg.store();
    const results = await Promise.all(Array.from({ length: 4 }, () => worker({ PG_SCHEMA: store.schema, WORKER_MODE: 'spend' }).next()));
    const figures = results.map((line) => JSON.parse(line) as { ok: number; refused: number; spentMicros: number });
    const spent = figures.reduce((sum, f) => sum + f.spentMicros, 0);
    // Every worker ran until refused (one started late may have found the budget spent already).
    expect(figures.map((f) => f.refused)).toEqual([8, 8, 8, 8]);
    expect(figures.reduce((sum, f) => sum + f.ok, 0)).toBeGreaterThan(100);
    const gateway = workerConfig(store);
    const [budget] = await gateway.limits.status({ workspace: 'team', integration: 'llm', kind: 'budget' });
    expect(budget).toMatchObject({ limit: 1, reserved: 0 });
    expect(Math.round(budget!.used * 1e6)).toBe(spent);
    expect(budget!.used).toBeLessThanOrEqual(1);
    const client = pg.pool();
    const { rows } = await client.query(`SELECT count(*)::int AS n, sum(cost_micros)::bigint AS cost FROM "${store.schema}".ledger WHERE status = 'success' AND workspace = 'team'`);
    expect(rows[0]).toEqual({ n: figures.reduce((sum, f) => sum + f.ok, 0), cost: String(spent) });
    await gateway.close();
  }, 60_000);

  it("SIGKILL: what was settled is still there, the dead process's reservation expires, an exhausted budget stays exhausted", async () => {
    const store = await pg.store();
    const a = worker({ PG_SCHEMA: store.schema, WORKER_MODE: 'kill', CALLS: '10' });
    const { spentMicros } = JSON.parse(await a.next()) as { spentMicros: number };
    expect(await a.next()).toBe('inflight');
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));

    const gateway = workerConfig(store);
    const [budget] = await gateway.limits.status({ workspace: 'team', integration: 'llm', kind: 'budget' });
    expect(spentMicros).toBeGreaterThan(0);
    expect(Math.round(budget!.used * 1e6)).toBe(spentMicros);
    const slow = async () => (await gateway.limits.status({ workspace: 'team', integration: 'slow', kind: 'budget' }))[0]!;
    expect((await slow()).reserved).toBeGreaterThan(0);
    await expect.poll(async () => (await slow()).reserved, { timeout: 5_000, interval: 100 }).toBe(0);

    const b = worker({ PG_SCHEMA: store.schema, WORKER_MODE: 'kill', CALLS: '8', WORKSPACE: 'other', MODEL: '@llm/big' });
    const spentBefore = (JSON.parse(await b.next()) as { spentMicros: number }).spentMicros;
    b.child.kill('SIGKILL');
    await new Promise((resolve) => b.child.once('exit', resolve));
    const [other] = await gateway.limits.status({ workspace: 'other', integration: 'llm', kind: 'budget' });
    expect(Math.round(other!.used * 1e6)).toBe(spentBefore);
    await expect(gateway.chat(ask('other', '@llm/big'))).rejects.toMatchObject({ code: 'budget_exceeded' });
    await gateway.close();
  }, 60_000);

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
    const gateway = createGateway({
      integrations: [{ slug: 'llm', provider: 'mock', workspaces: { team: { rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }] } } }],
      store,
    });
    const degraded: unknown[] = [];
    gateway.on('store.degraded', (e) => degraded.push(e));
    const call = () => gateway.chat({ workspace: 'team', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
    await call();
    const locker = await pg.pool().connect();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE "${store.schema}".counters IN ACCESS EXCLUSIVE MODE`);
    const started = Date.now();
    await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(degraded).toMatchObject([{ store: 'postgres', operation: 'admit', decision: 'refused' }]);
    await locker.query('COMMIT');
    locker.release();
    await expect.poll(() => call().then(() => 'ok', (e: Error) => e.message), { timeout: 5_000, interval: 100 }).toBe('ok');
    await gateway.close();
  });
});
