/**
 * Scale (`npm run bench`): a gateway with N configured keys (10 to 100,000), each with a budget
 * and a rate limit, all of them active. Each size runs in a process of its own (role `scale`,
 * with --expose-gc), so that its heap is its own: createGateway's time, heap per key before and
 * after every key made calls, calls/s at 64 in flight spread over every key, and one runtime
 * change (a grant provisioned) with the N keys in place.
 */
import { createGateway, secret } from '../src/index.js';
import { messages } from './full-policy.js';
import { startRole } from './roles.js';
import { callsPerSecond } from './throughput.js';

export interface ScaleFigures {
  keys: number;
  /** createGateway until ready(), ms. */
  createMs: number;
  /** Heap added by the configured keys, bytes per key; and once every key has made calls (its plans and counters). */
  heapPerKeyBytes: { configured: number; active: number };
  /** Calls/s at 64 in flight, each call through the next of the N keys. */
  callsPerSecond: number;
  /** One runtime change (provisioning.provision of a new grant) until applied, ms: p50 of 20. */
  changeMs: number;
}

const limits = {
  budgets: [{ type: 'cost' as const, limit: 1_000_000_000, reset: 'monthly' as const }],
  rateLimits: [{ type: 'requests' as const, limit: 1_000_000_000, per: 'minute' as const }],
};

const heap = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};

/** One size, in this process (role `scale`): prints its figures as JSON. */
export async function scaleRole(): Promise<void> {
  const n = Number(process.env.TOLLGATE_BENCH_KEYS);
  const timeMs = Number(process.env.TOLLGATE_BENCH_TIME_MS);
  const keys = Array.from({ length: n }, (_, i) => ({ id: `key-${i}`, workspace: 'team-a', integration: 'mock', models: ['gpt-4o-mini'], ...limits }));
  const before = heap();
  let t = performance.now();
  const gateway = createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', credentials: { apiKey: secret.value('bench-key') }, models: ['gpt-4o-mini'], workspaces: { 'team-a': { models: ['gpt-4o-mini'], ...limits } }, ...limits }],
    keys,
    sinks: [{ name: 'null', write: () => {} }],
  });
  await gateway.ready();
  const createMs = performance.now() - t;
  keys.length = 0; // the config's own copy is the caller's, not the gateway's
  const configured = heap();
  let next = 0;
  const call = () => gateway.chat({ key: `key-${next++ % n}`, model: 'gpt-4o-mini', messages, max_tokens: 200 });
  // Every key active before measuring: its plans built, its counters made.
  while (next < Math.max(n, 20_000)) await Promise.all(Array.from({ length: 64 }, call));
  await gateway.flush();
  const active = heap();
  const rate = await callsPerSecond(call, 64, timeMs);
  const changes: number[] = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await gateway.provisioning.provision({ integration: 'mock', workspace: `team-${i}` });
    changes.push(performance.now() - t);
  }
  await gateway.close();
  const figures: ScaleFigures = {
    keys: n,
    createMs,
    heapPerKeyBytes: { configured: (configured - before) / n, active: (active - before) / n },
    callsPerSecond: rate,
    changeMs: changes.sort((a, b) => a - b)[10]!,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** Processes run per size: the figures are the best of them (see benchScale). */
const PROCESSES = 3;

/**
 * Each size in PROCESSES processes of its own, the best figure of each kind kept (fastest calls/s,
 * quickest createGateway and change, smallest heap) and every process's calls/s listed beside it
 * (`callsPerSecondRuns`). Best of several, for every size alike, because a process's speed here
 * depends on more than the code: V8 decides early in a process's life, from the objects that
 * survived its first collections, which allocation sites to allocate in the old generation; when
 * it picks sites of objects that live for one call, the old generation fills with them, and at
 * 100,000 keys each of its collections marks 200 MB of live state (docs/benchmarks.md, Scale). The slowest
 * process stays in the results.
 */
export async function benchScale(sizes: readonly number[], timeMs: number): Promise<Array<ScaleFigures & { callsPerSecondRuns: number[] }>> {
  const out: Array<ScaleFigures & { callsPerSecondRuns: number[] }> = [];
  for (const keys of sizes) {
    const runs: ScaleFigures[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const child = await startRole('scale', { TOLLGATE_BENCH_KEYS: String(keys), TOLLGATE_BENCH_TIME_MS: String(timeMs) });
      runs.push(JSON.parse(child.line) as ScaleFigures);
      await child.stop();
    }
    const least = (of: (f: ScaleFigures) => number) => Math.min(...runs.map(of));
    out.push({
      keys,
      createMs: least((f) => f.createMs),
      heapPerKeyBytes: { configured: least((f) => f.heapPerKeyBytes.configured), active: least((f) => f.heapPerKeyBytes.active) },
      callsPerSecond: Math.max(...runs.map((f) => f.callsPerSecond)),
      changeMs: least((f) => f.changeMs),
      callsPerSecondRuns: runs.map((f) => Math.round(f.callsPerSecond)),
    });
  }
  return out;
}
