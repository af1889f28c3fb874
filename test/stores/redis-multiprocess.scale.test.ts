// npm run test:scale: gateway processes on one Redis, killed mid-call and mid-run (about five seconds).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { estimateInputTokensUpperBound } from '../../src/usage/estimate-tokens.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { servedCallsCountedTest } from './sql-processes.js';

const redis = useTestRedis({ beforeAll, afterAll });
const server = redis.server;
const WORKER = new URL('./redis-worker.ts', import.meta.url).pathname;
const NOW = Date.parse('2026-11-18T12:00:10Z');
// Each call reserves exactly 100 tokens = USD 0.10 at USD 0.001 a token, and uses 70 (USD 0.07).
const MAX_TOKENS = 100 - estimateInputTokensUpperBound([{ role: 'user', content: 'Hello' }]);

interface WorkerResult {
  ok: number;
  costMicros: number;
  refused: string[];
  alerts: number;
}

/** A gateway process (see redis-worker.ts); its stdout lines are JSON. */
function worker(env: Record<string, string | number>) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, REDIS_PORT: String(server.port), NOW: String(NOW), MAX_TOKENS: String(MAX_TOKENS), ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { lines: createInterface({ input: child.stdout! }), kill: () => child.kill('SIGKILL') };
}

async function results(lines: AsyncIterable<string>): Promise<WorkerResult[]> {
  const out: WorkerResult[] = [];
  for await (const line of lines) out.push(JSON.parse(line) as WorkerResult);
  return out;
}

describe.skipIf(!redis.available)('redis store across processes', () => {
  it('4 processes share a cost budget that fits exactly K calls: K succeed in total, one alert', async () => {
    const K = 37;
    const prefix = `mp-${randomUUID()}`;
    const grant = { budgets: [{ type: 'cost', limit: K * 0.1, alertThreshold: 1 }] };
    // Each call uses exactly what it reserves (21 + 79 tokens = USD 0.10), so K fit whatever the timing.
    const workers = Array.from({ length: 4 }, () =>
      worker({ MODE: 'burst', PREFIX: prefix, GRANT: JSON.stringify(grant), CALLS: 50, INPUT_TOKENS: 100 - MAX_TOKENS, OUTPUT_TOKENS: MAX_TOKENS }),
    );
    const all = (await Promise.all(workers.map((w) => results(w.lines)))).flat();
    expect(all).toHaveLength(4);
    expect(all.reduce((n, r) => n + r.ok, 0)).toBe(K);
    expect(all.flatMap((r) => r.refused)).toEqual(Array(200 - K).fill('budget_exceeded'));
    // Crossed by many processes at once, the alert fires exactly once.
    expect(all.reduce((n, r) => n + r.alerts, 0)).toBe(1);

    // The recorded spend is the sum of the successes.
    const gateway = createGateway({
      integrations: [{ slug: 'mock', provider: 'mock', customModels: [{ id: 'm', pricing: { input: 1_000, output: 1_000 } }], workspaces: { 'team-a': grant as never } }],
      store: redisStore({ client: redis.client, prefix }),
      clock: () => NOW,
    });
    const [budget] = await gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    const spend = all.reduce((n, r) => n + r.costMicros, 0) / 1e6;
    expect(budget).toMatchObject({ used: spend, reserved: 0 });
    expect(spend).toBeCloseTo(K * 0.1, 9);
  });

  it('4 processes share a rate limit of R requests a minute: exactly R admitted', async () => {
    const R = 25;
    const prefix = `rl-${randomUUID()}`;
    const grant = { rateLimits: [{ type: 'requests', limit: R, per: 'minute' }] };
    const workers = Array.from({ length: 4 }, () => worker({ MODE: 'burst', PREFIX: prefix, GRANT: JSON.stringify(grant), CALLS: 20, LATENCY_MS: 5 }));
    const all = (await Promise.all(workers.map((w) => results(w.lines)))).flat();
    expect(all.reduce((n, r) => n + r.ok, 0)).toBe(R);
    expect(all.flatMap((r) => r.refused)).toEqual(Array(80 - R).fill('rate_limit_exceeded'));
  });

  servedCallsCountedTest({
    fresh: async (name) => {
      const prefix = `${name}-${randomUUID()}`;
      return { env: { STORE: 'redis', REDIS_PORT: String(server.port), PREFIX: prefix }, store: () => redisStore({ client: redis.client, prefix }) };
    },
  });

  it('a process killed with SIGKILL mid-call: its reservation is charged after the reservation time, as unsettled', async () => {
    const prefix = `kill-${randomUUID()}`;
    const grant = { budgets: [{ type: 'tokens', limit: 1_000 }] };
    const w = worker({ MODE: 'hang', PREFIX: prefix, GRANT: JSON.stringify(grant), LATENCY_MS: 600_000, TTL_MS: 10_000 });
    for await (const line of w.lines) {
      expect(JSON.parse(line)).toEqual({ admitted: true });
      break;
    }
    w.kill();

    let now = NOW + 5_000;
    const gateway = createGateway({
      integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': grant as never } }],
      store: redisStore({ client: redis.client, prefix }),
      clock: () => now,
    });
    const status = () => gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    expect((await status())[0]).toMatchObject({ reserved: 100 });
    now = NOW + 10_001;
    expect((await status())[0]).toMatchObject({ used: 100, reserved: 0, unsettled: 100 });
  });
});
