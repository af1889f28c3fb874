/**
 * Benchmarks, never run as tests: `npm run bench`. Prints a table and writes bench/results.json.
 * The script is bundled with the package's own build settings (tsup) and run with plain node, so
 * it measures the code as shipped (tsx would add its keep-names wrappers to every closure).
 *
 * Governance overhead = a call through the gateway with the full policy minus the same call on
 * the mock adapter directly: validation, target resolution, provisioning, admission and
 * settlement of 9 counters on the memory store, the middleware chain, the retry wrapper,
 * credentials, the usage event with a listener and a sink.
 *
 * HTTP added latency = a chat call through `toNodeListener(createFetchHandler(gateway))` on
 * node:http minus the same mock reply from a bare node:http server, both on loopback (bench/http.ts).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench, type Task } from 'tinybench';
import { directAdapter, fullPolicyGateway, gatewayCall, gatewayStream } from './full-policy.js';
import { benchHttp } from './http.js';
import { benchKeys, listen } from './keys.js';
import { benchRedis } from './redis.js';
import { benchAiSdk } from './ai-sdk.js';
import { benchInProcess } from './in-process.js';
import { benchSql } from './sql.js';
import { benchEndUsers } from './end-users.js';
import { callsPerSecond } from './throughput.js';
import { runRole } from './role-main.js';
import { benchUpstream } from './upstream.js';
import { benchHttpUpstream } from './http-upstream.js';
import { benchScale } from './scale.js';
import { benchSharding } from './shard-simulation.js';

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 5_000);

// This bundle is also the other processes of the bench: the key propagation listener (see
// bench/keys.ts), and the upstream, servers and scale runs (see bench/roles.ts).
if (process.env.TOLLGATE_BENCH_LISTENER) {
  await listen();
  process.exit(0);
}
if (process.env.TOLLGATE_BENCH_ROLE) {
  await runRole(process.env.TOLLGATE_BENCH_ROLE);
  process.exit(0);
}

const { gateway, events } = fullPolicyGateway();
const direct = directAdapter();
const viaGateway = gatewayCall(gateway);
const streamGateway = gatewayStream(gateway);

async function firstChunk(open: () => Promise<AsyncIterable<unknown>>): Promise<void> {
  const stream = await open();
  for await (const _ of stream) break;
}

/** One tinybench run of the given tasks; latencies in microseconds. */
async function measure(tasks: Record<string, () => unknown>, timeMs: number) {
  const bench = new Bench({ time: timeMs, warmupTime: 500, timestampProvider: 'hrtimeNow' });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out: Record<string, { p50: number; p99: number; mean: number; samples: number }> = {};
  for (const task of bench.tasks as Task[]) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
    // tinybench reports milliseconds.
    out[task.name] = { p50: r.latency.p50! * 1000, p99: r.latency.p99! * 1000, mean: r.latency.mean * 1000, samples: r.latency.samplesCount };
  }
  return out;
}

const throughput = (concurrency: number, ms: number) => callsPerSecond(viaGateway, concurrency, ms);

const median = <T>(items: T[], by: (t: T) => number): T => [...items].sort((a, b) => by(a) - by(b))[Math.floor(items.length / 2)]!;

// Rounds alternate the two sides, so that drift of the machine (other load, CPU frequency) hits
// both; the median round is reported.
const ROUNDS = 5;
const rounds = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = await measure(
    {
      direct: direct.chat,
      gateway: viaGateway,
      'direct first chunk': () => firstChunk(direct.stream),
      'gateway first chunk': () => firstChunk(streamGateway),
    },
    TIME_MS / ROUNDS,
  );
  rounds.push({ d: r.direct!, g: r.gateway!, ds: r['direct first chunk']!, gs: r['gateway first chunk']!, overhead: r.gateway!.p50 - r.direct!.p50 });
}
const { d, g, ds, gs } = median(rounds, (r) => r.overhead);
await throughput(64, 1_000); // warm-up
const sequentialRuns: number[] = [];
const concurrentRuns: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  sequentialRuns.push(await throughput(1, TIME_MS / ROUNDS));
  concurrentRuns.push(await throughput(64, TIME_MS / ROUNDS));
}
const sequential = median(sequentialRuns, (n) => n);
const concurrent = median(concurrentRuns, (n) => n);
await gateway.flush();
const sink = gateway.stats().sinks[0]!;
const redis = process.env.BENCH_REDIS === '0' ? null : await benchRedis(TIME_MS);
const http = process.env.BENCH_HTTP === '0' ? null : await benchHttp(TIME_MS);
const keys = process.env.BENCH_KEYS === '0' ? null : await benchKeys([1_000, 100_000]);
const sql = process.env.BENCH_SQL === '0' ? null : await benchSql(TIME_MS);
const inProcess = process.env.BENCH_IN_PROCESS === '0' ? null : await benchInProcess(TIME_MS);
const aiSdk = process.env.BENCH_IN_PROCESS === '0' ? null : await benchAiSdk(TIME_MS);
const endUsers = process.env.BENCH_END_USERS === '0' ? null : await benchEndUsers(TIME_MS);
const upstream = process.env.BENCH_UPSTREAM === '0' ? null : await benchUpstream(TIME_MS);
const httpUpstream = process.env.BENCH_UPSTREAM === '0' ? null : await benchHttpUpstream(TIME_MS);
const scale = process.env.BENCH_SCALE === '0' ? null : await benchScale([10, 1_000, 10_000, 100_000], TIME_MS / 2);
const sharding = process.env.BENCH_SHARDING === '0' ? null : benchSharding();

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
  store: 'memory',
  policy: 'allowlist (integration, grant, key) + 3 scopes x (budget + 2 rate limits) + usage event (listener + sink)',
  latencyMicros: { direct: d, gateway: g },
  overheadMicros: { p50: g.p50 - d.p50, p99: g.p99 - d.p99 },
  firstChunkMicros: { direct: ds.p50, gateway: gs.p50, added: gs.p50 - ds.p50 },
  throughput: { sequential, concurrent64: concurrent, runs: { sequential: sequentialRuns, concurrent64: concurrentRuns } },
  rounds: rounds.map((r) => ({ overheadP50: r.overhead, overheadP99: r.g.p99 - r.d.p99 })),
  events: { published: events(), delivered: sink.delivered, dropped: sink.dropped },
  redis: redis && {
    ...redis,
    overheadMicros: { p50: redis.latencyMicros.p50 - d.p50, p99: redis.latencyMicros.p99 - d.p99 },
  },
  http: http && {
    ...http,
    /** What HTTP adds beyond the gateway's own work measured in process above. */
    beyondGovernanceMicros: { p50: http.addedMicros.p50 - (g.p50 - d.p50) },
  },
  keys,
  sql: sql && sql.map((f) => ({ ...f, overheadMicros: { p50: f.latencyMicros.p50 - d.p50, p99: f.latencyMicros.p99 - d.p99 } })),
  inProcess,
  aiSdk,
  endUsers,
  upstream,
  httpUpstream,
  scale,
  sharding,
  // Issue 33's targets (the headline table); the rest are issue 18's, still shown in the sections.
  targets: {
    httpUpstreamOverProxy: 0.9,
    httpUpstreamAddedP50Micros: 300,
    httpUpstreamOverPortkey: 3,
    upstreamRatio: 1.1,
    upstreamRedisRatio: 1.3,
    upstreamFirstChunkAddedMicros: 100,
    scaleCallsRatio: 0.8,
    scaleCreateMsAt100k: 500,
    scaleHeapPerKeyBytes: 2_048,
    redisCallsPerSecond: 25_000,
    sqliteLatencyP50Micros: 60,
    sqliteCallsPerSecond64: 15_000,
    postgresCallsPerSecond64: 5_000,
    keysCreateP50Ms: 5,
    keysAuthenticateP50Micros: 20,
    keysReadyMs: 1_000,
    overheadP50: 10,
    overheadP99: 100,
    callsPerSecond: 100_000,
    firstChunkAddedMicros: 500,
    redisOverheadP50: 150,
    httpAddedP50Micros: 500,
    httpFirstChunkAddedMicros: 500,
    millionUsersEndOverStart: 0.8,
    redisDeferred64: 0,
    scaleChangeMsAt100k: 5,
  },
};
writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
console.log('written: bench/results.json (its tables: node bench/report.mjs --print; npm run bench prints them and writes them into README.md and docs/benchmarks.md)');
await gateway.close();
