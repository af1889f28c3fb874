/**
 * A gateway process on a shared store, for the multi-process and crash tests: run with
 * `node --import tsx`. STORE=sqlite (DB_PATH), postgres (PG_SCHEMA) or redis (REDIS_PORT, PREFIX). WORKER_MODE:
 * - `serve`: prints { ready: true } and waits for a line on stdin; then 8 calls at a time against
 *   team's $1 budget until refused; prints a line { served, costMicros } the moment each call is answered (its caller was served),
 *   a line { unsettled, costMicros } for each call of a dead process it reports, then
 *   { done: true };
 * - `spend`: 8 calls at a time against team's $1 budget until refused; prints
 *   { ok, refused, spentMicros } (the cost of its successful calls, from their usage events);
 * - `kill`: CALLS calls (in WORKSPACE, to MODEL), prints { spentMicros }, then starts a call that never ends and prints
 *   `inflight` (the test kills the process with SIGKILL there).
 */
import { createGateway, type Store } from '../../src/index.js';

export const workerConfig = (store: Store) =>
  createGateway({
    integrations: [
      {
        slug: 'llm',
        provider: 'mock',
        workspaces: { team: { budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] }, other: { budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] } },
        pricing: { m: { input: 1, output: 2 }, big: { input: 100, output: 200 } },
        mock: { usage: { outputTokens: 500 } },
      },
      { slug: 'slow', provider: 'mock', workspaces: { team: { budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] } }, pricing: { m: { input: 1, output: 2 } }, mock: { latencyMs: 600_000 } },
    ],
    store,
    limits: { reservationTtlMs: 1_500 },
    // 32 calls at once on one budget row, from 4 processes on a loaded CI machine: the point is
    // correctness under contention, not latency.
    storeTimeoutMs: 5_000,
  });

/** About 1,000 input tokens and 500 output: about $0.002 a call to `m`, $0.2 to `big`. */
export const ask = (workspace: string, model = '@llm/m') => ({ workspace, model, max_tokens: 500, messages: [{ role: 'user' as const, content: 'x'.repeat(4_000) }] });

async function storeFromEnv(): Promise<Store> {
  if (process.env.STORE === 'sqlite') {
    const { sqliteStore } = await import('../../src/sqlite.js');
    return sqliteStore({ path: process.env.DB_PATH! }, { busyTimeoutMs: 2_000 });
  }
  if (process.env.STORE === 'redis') {
    const [{ redisStore }, { Redis }] = await Promise.all([import('../../src/redis.js'), import('ioredis')]);
    return redisStore({ client: new Redis({ port: Number(process.env.REDIS_PORT), host: '127.0.0.1' }), prefix: process.env.PREFIX! });
  }
  if (process.env.STORE === 'postgres') {
    const [{ postgresStore }, { PG_CONFIG }, pg] = await Promise.all([import('../../src/postgres.js'), import('../helpers/postgres.js'), import('pg')]);
    return postgresStore({ pool: new pg.default.Pool({ ...PG_CONFIG, max: 8 }), schema: process.env.PG_SCHEMA! });
  }
  throw new Error(`unknown STORE ${process.env.STORE}`);
}

if (process.env.WORKER_MODE) {
  // Never outlive the test that started it, even one that failed without killing it.
  setTimeout(() => process.exit(3), 120_000).unref();
  const gateway = workerConfig(await storeFromEnv());
  let spentMicros = 0;
  gateway.on('usage', (event) => {
    if (event.status === 'success') spentMicros += event.costMicros ?? 0;
  });
  if (process.env.WORKER_MODE === 'serve') {
    // A dead process's calls, taken from the store by whichever gateway gets there first (this
    // one, when it flushes on close): said, so the test counts each of them once.
    gateway.on('usage', (event) => {
      if (event.status === 'unsettled') process.stdout.write(`${JSON.stringify({ unsettled: event.requestId, costMicros: event.costMicros })}\n`);
    });
    // Ready, then wait for the test's go on stdin: every process starts calling at once, whatever
    // each took to start on a loaded machine.
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    await new Promise((resolve) => process.stdin.once('data', resolve));
    const worker = async () => {
      for (;;) {
        try {
          const answer = await gateway.chat(ask('team'));
          // Written at once (a pipe is synchronous on Linux): a SIGKILL after this line still leaves it.
          process.stdout.write(`${JSON.stringify({ served: answer.gateway.requestId, costMicros: Math.round(answer.gateway.cost! * 1e6) })}\n`);
        } catch (error) {
          if ((error as { code?: string }).code !== 'budget_exceeded') throw error;
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await gateway.close();
    process.stdout.write(`${JSON.stringify({ done: true })}\n`);
    process.exit(0);
  } else if (process.env.WORKER_MODE === 'spend') {
    let ok = 0;
    let refused = 0;
    const worker = async () => {
      for (;;) {
        try {
          await gateway.chat(ask('team'));
          ok++;
        } catch (error) {
          if ((error as { code?: string }).code !== 'budget_exceeded') throw error;
          refused++;
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await gateway.close(); // every usage event delivered
    process.stdout.write(`${JSON.stringify({ ok, refused, spentMicros })}\n`);
  } else {
    for (let i = 0; i < Number(process.env.CALLS); i++) await gateway.chat(ask(process.env.WORKSPACE ?? 'team', process.env.MODEL)).catch((error: { code?: string }) => {
        if (error.code !== 'budget_exceeded') throw error;
      });
    await gateway.flush(); // every usage event delivered (a remote store settles after the call returns)
    process.stdout.write(`${JSON.stringify({ spentMicros })}\n`);
    void gateway.chat(ask('team', '@slow/m'));
    setTimeout(() => process.stdout.write('inflight\n'), 200);
  }
}
