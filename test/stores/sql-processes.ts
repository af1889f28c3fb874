import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { createGateway, StoreUnavailableError, type Store, type StoreDegradedEvent } from '../../src/index.js';
import { estimateInputTokensUpperBound } from '../../src/usage/estimate-tokens.js';
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
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
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
    // The call in flight when it died holds its reservation until it expires (reservationTtlMs:
    // 1.5 s); then its worst case is charged, as unsettled: its caller may have been served.
    const slow = async () => (await gateway.limits.status({ workspace: 'team', integration: 'slow', kind: 'budget' }))[0]!;
    const { reserved } = await slow();
    expect(reserved).toBeGreaterThan(0);
    await expect.poll(async () => (await slow()).reserved, { timeout: 15_000, interval: 100 }).toBe(0);
    expect(await slow()).toMatchObject({ used: reserved, unsettled: reserved });

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

/** What a crash test reads beside the counters: the requests the store has a ledger row of (PostgreSQL). */
export type LedgerRows = (store: Store, requestIds: readonly string[]) => Promise<Map<string, string>>;

/**
 * A call served is a call counted, whatever dies when: 4 processes share a $1 budget, one is
 * killed with SIGKILL mid-run and another started in its place; once the reservations have
 * expired, the store's `used` is at least what the callers were served, and exceeds it by no
 * more than the worst case of the calls the killed process had in flight (8 at a time), which
 * `unsettled` reports, and the 'unsettled' usage events too.
 */
export function servedCallsCountedTest(target: Pick<SqlTarget, 'fresh'>, ledger?: LedgerRows): void {
  it('4 processes on a budget, one killed with SIGKILL mid-run and restarted: once its reservations expire, used is at least what callers were served, and exceeds it by at most its calls in flight (unsettled)', async () => {
    const { env, store } = await target.fresh('served');
    const served = new Map<string, number>();
    /** The dead process's calls, as the gateway that took them from the store reported them (a worker, or the observer). */
    const unsettledReports: Array<{ requestId: string; costMicros: number }> = [];
    const start = () => {
      const w = worker({ ...env, WORKER_MODE: 'serve' });
      let ready = () => {};
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      let count = 0;
      const done = (async () => {
        for (;;) {
          const line = await w.next();
          if (line === 'undefined') return false; // the process ended without finishing: killed
          const message = JSON.parse(line) as { ready?: boolean; served?: string; unsettled?: string; costMicros?: number; done?: boolean };
          if (message.ready) ready();
          else if (message.done) return true;
          else if (message.unsettled) unsettledReports.push({ requestId: message.unsettled, costMicros: message.costMicros! });
          else {
            served.set(message.served!, message.costMicros!);
            if (++count === 20) reachedTwenty(w);
          }
        }
      })();
      return { w, done, ready: isReady, go: () => w.child.stdin!.write('go\n') };
    };
    // The first process to have served 20 calls is the one killed: it is mid-run, with 8 calls in
    // flight, whatever share of the budget a loaded machine let each process take. An event, not a
    // duration: the test's timeout bounds how long processes take to start.
    let reachedTwenty: (w: ReturnType<typeof worker>) => void = () => {};
    const victim = new Promise<ReturnType<typeof worker>>((resolve) => (reachedTwenty = resolve));
    const workers = Array.from({ length: 4 }, start);
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const killed = await victim;
    await kill(killed);
    const restarted = start();
    await restarted.ready;
    restarted.go();
    const finished = await Promise.all([...workers, restarted].map((w) => w.done));
    // Every process but the killed one ran until refused.
    expect(finished.filter((f) => !f)).toHaveLength(1);
    expect(finished[workers.findIndex((w) => w.w === killed)]).toBe(false);

    const observer = workerConfig(store());
    observer.on('usage', (e) => e.status === 'unsettled' && unsettledReports.push({ requestId: e.requestId, costMicros: e.costMicros! }));
    const budget = async () => (await observer.limits.status({ workspace: 'team', integration: 'llm', kind: 'budget' }))[0]!;
    // The killed process's reservations expire (reservationTtlMs: 1.5 s) and are charged.
    await expect.poll(async () => (await budget()).reserved, { timeout: 15_000, interval: 100 }).toBe(0);
    const { used, unsettled } = await budget();
    const usedMicros = Math.round(used * 1e6);
    const unsettledMicros = Math.round(unsettled * 1e6);
    const servedMicros = [...served.values()].reduce((a, b) => a + b, 0);
    // $1 per 1M input tokens, $2 per 1M output: one call's worst case, in micro-dollars.
    const worstCase = estimateInputTokensUpperBound(ask('team').messages) + 2 * ask('team').max_tokens;
    expect(usedMicros).toBeGreaterThanOrEqual(servedMicros);
    expect(usedMicros - servedMicros).toBeLessThanOrEqual(8 * worstCase);
    expect(unsettledMicros).toBeGreaterThan(0);
    expect(unsettledMicros).toBeLessThanOrEqual(8 * worstCase);
    // Every such call reported once, at its worst case, by whichever gateway took it from the store.
    await observer.flush();
    expect(unsettledReports.length).toBeGreaterThan(0);
    expect(new Set(unsettledReports.map((r) => r.requestId)).size).toBe(unsettledReports.length);
    expect(unsettledReports.reduce((n, r) => n + r.costMicros, 0)).toBe(unsettledMicros);
    if (ledger) {
      // A row for every call a caller was served: measured, or its worst case if its process died first.
      const rows = await ledger(store(), [...served.keys()]);
      expect(rows.size).toBe(served.size);
      expect([...new Set(rows.values())].every((status) => status === 'success' || status === 'unsettled')).toBe(true);
    }
    await observer.close();
  }, 60_000);
}
