// npm run test:scale: four gateway processes on one Redis (a process start each, about 1.5 s).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { countingIntegration, countingUpstream } from '../helpers/counting-upstream.js';
import { gatewayProcess } from '../helpers/gateway-process.js';
import { useTestRedis } from '../helpers/redis-server.js';

/** Concurrency limits held across processes by a shared store; test/limits/concurrency.test.ts has their behaviour in one process. */
const redis = useTestRedis({ beforeAll, afterAll });
const WORKER = new URL('./concurrency-worker.ts', import.meta.url).pathname;

/** `processes` gateway processes on a fresh prefix, each making one burst of calls at once to an upstream answering in `upstreamMs`. */
async function bursts(setup: { processes: number; limit: number; upstreamMs: number; burst: { calls: number; waitMs?: number } }) {
  const upstream = await countingUpstream(setup.upstreamMs);
  const prefix = `conc-${randomUUID()}`;
  const env = { UPSTREAM: upstream.baseURL, LIMIT: String(setup.limit) };
  const processes = Array.from({ length: setup.processes }, () => gatewayProcess(redis.server.port, prefix, env, WORKER));
  try {
    const answers = await Promise.all(processes.map((p) => p.ask({ op: 'burst', ...setup.burst })));
    return { upstream, prefix, results: answers.map((a) => a.result as { served: number; refused: number; other: string[] }) };
  } finally {
    await Promise.all(processes.map((p) => p.end()));
  }
}

describe.skipIf(!redis.available)('concurrency limits across processes (Redis)', () => {
  it('4 processes, 12 calls at once each, a limit of 3: never more than 3 at the upstream', async () => {
    const { upstream, prefix, results } = await bursts({ processes: 4, limit: 3, upstreamMs: 150, burst: { calls: 12 } });
    expect(results.flatMap((r) => r.other)).toEqual([]);
    const served = results.reduce((n, r) => n + r.served, 0);
    expect(served + results.reduce((n, r) => n + r.refused, 0)).toBe(48);
    expect(served).toBeGreaterThanOrEqual(3);
    expect(upstream.counts.max).toBeLessThanOrEqual(3);
    expect(upstream.counts.served).toBe(served);
    const observer = createGateway({ integrations: [countingIntegration(upstream.baseURL, 3)], store: redisStore({ client: redis.client, prefix }) });
    expect((await observer.limits.status({ workspace: 'team-a', integration: 'up' }))[0]).toMatchObject({ type: 'concurrency', used: 0 });
    await observer.close();
  });

  it('2 processes, 5 calls each waiting for capacity, a limit of 2: all 10 served, never more than 2 at the upstream (slots given back in one process wake waiters in the other)', async () => {
    // A generous wait: only an implementation that misses a release reaches it.
    const { upstream, results } = await bursts({ processes: 2, limit: 2, upstreamMs: 100, burst: { calls: 5, waitMs: 60_000 } });
    expect(results).toEqual([
      { served: 5, refused: 0, other: [] },
      { served: 5, refused: 0, other: [] },
    ]);
    expect(upstream.counts.max).toBeLessThanOrEqual(2);
    expect(upstream.counts.served).toBe(10);
  });
});
