import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError, createGateway } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { ask, workerConfig } from './sql-worker.js';

/** Gateways in several processes on one SQLite file, and a process killed mid-call (sql-worker.ts). */

const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WORKER = new URL('./sql-worker.ts', import.meta.url).pathname;

function worker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, STORE: 'sqlite', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, next: async () => String((await lines.next()).value) };
}

describe('sqlite store across processes', () => {
  it('4 processes share a $1 budget on one file: no overshoot, and the spend recorded is the sum of the successful calls', async () => {
    const path = join(dir, 'shared.db');
    const results = await Promise.all(Array.from({ length: 4 }, () => worker({ DB_PATH: path, WORKER_MODE: 'spend' }).next()));
    const figures = results.map((line) => JSON.parse(line) as { ok: number; refused: number; spentMicros: number });
    const spent = figures.reduce((sum, f) => sum + f.spentMicros, 0);
    // Every worker ran until refused (one started late may have found the budget spent already).
    expect(figures.map((f) => f.refused)).toEqual([8, 8, 8, 8]);
    expect(figures.reduce((sum, f) => sum + f.ok, 0)).toBeGreaterThan(100);
    const store = sqliteStore({ path });
    const gateway = workerConfig(store);
    const [budget] = await gateway.limits.status({ workspace: 'team', integration: 'llm', kind: 'budget' });
    expect(budget).toMatchObject({ limit: 1, reserved: 0 });
    expect(Math.round(budget!.used * 1e6)).toBe(spent);
    expect(budget!.used).toBeLessThanOrEqual(1);
    // Full: another call costs more than what is left.
    expect(budget!.remaining * 1e6).toBeLessThan(2_000 + 2 * 1_100);
    await gateway.close();
    store.close();
  }, 60_000);

  it('SIGKILL: what was settled is still there, the dead process\'s reservation expires, an exhausted budget stays exhausted', async () => {
    const path = join(dir, 'killed.db');
    const a = worker({ DB_PATH: path, WORKER_MODE: 'kill', CALLS: '10' });
    const { spentMicros } = JSON.parse(await a.next()) as { spentMicros: number };
    expect(await a.next()).toBe('inflight');
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));

    const store = sqliteStore({ path });
    const gateway = workerConfig(store);
    const [budget] = await gateway.limits.status({ workspace: 'team', integration: 'llm', kind: 'budget' });
    expect(spentMicros).toBeGreaterThan(0);
    expect(Math.round(budget!.used * 1e6)).toBe(spentMicros);
    // The call in flight when it died holds its reservation until it expires (reservationTtlMs: 1.5 s).
    const slow = async () => (await gateway.limits.status({ workspace: 'team', integration: 'slow', kind: 'budget' }))[0]!;
    expect((await slow()).reserved).toBeGreaterThan(0);
    await expect.poll(async () => (await slow()).reserved, { timeout: 5_000, interval: 100 }).toBe(0);
    expect((await slow()).used).toBe(0);

    // About $0.2 a call: $1 is spent by the eighth; the process is killed after it, and the next one refuses.
    const b = worker({ DB_PATH: path, WORKER_MODE: 'kill', CALLS: '8', WORKSPACE: 'other', MODEL: '@llm/big' });
    const spentBefore = (JSON.parse(await b.next()) as { spentMicros: number }).spentMicros;
    b.child.kill('SIGKILL');
    await new Promise((resolve) => b.child.once('exit', resolve));
    const [other] = await gateway.limits.status({ workspace: 'other', integration: 'llm', kind: 'budget' });
    expect(Math.round(other!.used * 1e6)).toBe(spentBefore);
    await expect(gateway.chat(ask('other', '@llm/big'))).rejects.toMatchObject({ code: 'budget_exceeded' });
    await gateway.close();
    store.close();
  }, 60_000);

  it('a database locked past the busy timeout: the call fails as the failure policy says, announced, and works once the lock is gone', async () => {
    const path = join(dir, 'locked.db');
    const store = sqliteStore({ path }, { busyTimeoutMs: 50 });
    const gateway = createGateway({
      integrations: [{ slug: 'llm', provider: 'mock', workspaces: { team: { rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }] } } }],
      store,
    });
    const degraded: unknown[] = [];
    gateway.on('store.degraded', (e) => degraded.push(e));
    const call = () => gateway.chat({ workspace: 'team', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
    await call();
    const other = new Database(path);
    other.prepare('BEGIN IMMEDIATE').run();
    await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(degraded).toMatchObject([{ store: 'sqlite', operation: 'admit', decision: 'refused' }]);
    other.prepare('COMMIT').run();
    other.close();
    await expect(call()).resolves.toBeDefined();
    const [limit] = await gateway.limits.status({ workspace: 'team', integration: 'llm' });
    expect(limit).toMatchObject({ used: 2, reserved: 0 });
    await gateway.close();
    store.close();
  });
});
