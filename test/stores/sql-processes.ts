import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { createGateway, StoreUnavailableError, type Store, type StoreDegradedEvent } from '../../src/index.js';
import { ask, workerConfig } from './sql-worker.js';

const WORKER = new URL('./sql-worker.ts', import.meta.url).pathname;

/** How a SQL store is reached from this process and from a worker process (sql-worker.ts). */
export interface SqlTarget {
  /** A new namespace (a file, a schema): its worker environment and a store on it in this process. */
  fresh(name: string): Promise<{ env: Record<string, string>; store: () => Store }>;
  /** Reads the total settled cost of successful calls in `team`, where the store keeps it (the ledger), to compare. */
  check?(store: Store, expected: { ok: number; spentMicros: number }): Promise<void>;
}

/** Workers still running: a failed test must not leave one loading the database for the next tests. */
const running = new Set<ReturnType<typeof spawn>>();

function worker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, next: async () => String((await lines.next()).value) };
}

async function kill(w: ReturnType<typeof worker>): Promise<void> {
  w.child.kill('SIGKILL');
  await new Promise((resolve) => w.child.once('exit', resolve));
}

/** The multi-process and crash tests every durable store passes. */
export function sqlProcessTests(target: SqlTarget): void {
  afterEach(() => {
    for (const child of running) child.kill('SIGKILL');
  });

  it('4 processes share a $1 budget: no overshoot, and the spend recorded is the sum of the successful calls', async () => {
    const { env, store } = await target.fresh('shared');
    const results = await Promise.all(Array.from({ length: 4 }, () => worker({ ...env, WORKER_MODE: 'spend' }).next()));
    const figures = results.map((line) => JSON.parse(line) as { ok: number; refused: number; spentMicros: number });
    const spent = figures.reduce((sum, f) => sum + f.spentMicros, 0);
    // Every worker ran until refused (one started late may have found the budget spent already).
    expect(figures.map((f) => f.refused)).toEqual([8, 8, 8, 8]);
    expect(figures.reduce((sum, f) => sum + f.ok, 0)).toBeGreaterThan(100);
    const here = store();
    const gateway = workerConfig(here);
    const [budget] = await gateway.limits.status({ workspace: 'team', integration: 'llm', kind: 'budget' });
    expect(budget).toMatchObject({ limit: 1, reserved: 0 });
    expect(Math.round(budget!.used * 1e6)).toBe(spent);
    expect(budget!.used).toBeLessThanOrEqual(1);
    await target.check?.(here, { ok: figures.reduce((sum, f) => sum + f.ok, 0), spentMicros: spent });
    await gateway.close();
  }, 60_000);

  it("SIGKILL: what was settled is still there, the dead process's reservation expires, an exhausted budget stays exhausted", async () => {
    const { env, store } = await target.fresh('killed');
    const a = worker({ ...env, WORKER_MODE: 'kill', CALLS: '10' });
    const { spentMicros } = JSON.parse(await a.next()) as { spentMicros: number };
    expect(await a.next()).toBe('inflight');
    await kill(a);

    const gateway = workerConfig(store());
    const [budget] = await gateway.limits.status({ workspace: 'team', integration: 'llm', kind: 'budget' });
    expect(spentMicros).toBeGreaterThan(0);
    expect(Math.round(budget!.used * 1e6)).toBe(spentMicros);
    // The call in flight when it died holds its reservation until it expires (reservationTtlMs: 1.5 s).
    const slow = async () => (await gateway.limits.status({ workspace: 'team', integration: 'slow', kind: 'budget' }))[0]!;
    expect((await slow()).reserved).toBeGreaterThan(0);
    await expect.poll(async () => (await slow()).reserved, { timeout: 15_000, interval: 100 }).toBe(0);
    expect((await slow()).used).toBe(0);

    // About $0.2 a call: $1 is spent by the eighth; the process is killed after it, and the next one refuses.
    const b = worker({ ...env, WORKER_MODE: 'kill', CALLS: '8', WORKSPACE: 'other', MODEL: '@llm/big' });
    const spentBefore = (JSON.parse(await b.next()) as { spentMicros: number }).spentMicros;
    await kill(b);
    const [other] = await gateway.limits.status({ workspace: 'other', integration: 'llm', kind: 'budget' });
    expect(Math.round(other!.used * 1e6)).toBe(spentBefore);
    await expect(gateway.chat(ask('other', '@llm/big'))).rejects.toMatchObject({ code: 'budget_exceeded' });
    await gateway.close();
  }, 60_000);
}

/**
 * A store whose counters are locked by someone else past the timeout: the call fails as the
 * failure policy says, announced, and works once the lock is gone, without a restart.
 */
export async function lockedStoreTest(store: Store, lock: () => Promise<() => Promise<void>>, storeTimeoutMs?: number): Promise<void> {
  const gateway = createGateway({
    integrations: [{ slug: 'llm', provider: 'mock', workspaces: { team: { rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }] } } }],
    store,
    ...(storeTimeoutMs ? { storeTimeoutMs } : {}),
  });
  const degraded: StoreDegradedEvent[] = [];
  gateway.on('store.degraded', (e) => degraded.push(e));
  const call = () => gateway.chat({ workspace: 'team', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
  await call();
  const unlock = await lock();
  // The store's timeout ends the wait for the lock: refused, not hung.
  await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
  expect(degraded).toMatchObject([{ store: store.name, operation: 'admit', decision: 'refused' }]);
  await unlock();
  await expect.poll(() => call().then(() => 'ok', (e: Error) => e.message), { timeout: 15_000, interval: 100 }).toBe('ok');
  await gateway.close();
}
