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

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 5_000);

// This bundle is also the other process of the key propagation bench (see bench/keys.ts).
if (process.env.TOLLGATE_BENCH_LISTENER) {
  await listen();
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

const us = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(1)} µs`);
const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} calls/s`;
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
  targets: {
    keysCreateP50Ms: 5,
    keysAuthenticateP50Micros: 20,
    keysReadyMs: 1_000,
    sqliteOverheadP50Micros: 50,
    sqliteCallsPerSecond: 10_000,
    postgresLatencyP50Micros: 1_000,
    postgresCallsPerSecond64: 2_000,
    overheadP50: 10,
    overheadP99: 100,
    callsPerSecond: 100_000,
    firstChunkAddedMicros: 500,
    redisOverheadP50: 150,
    redisCallsPerSecond: 10_000,
    httpAddedP50Micros: 500,
    httpFirstChunkAddedMicros: 500,
    millionUsersEndOverStart: 0.8,
  },
};
writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);

console.log(`tollgate bench: node ${results.node}, ${results.cpu}, memory store`);
console.log(`policy: ${results.policy}`);
console.log(`median of ${ROUNDS} alternating rounds (overhead p50 per round: ${rounds.map((r) => r.overhead.toFixed(1)).join(', ')} µs)\n`);
console.log('| what | p50 | p99 | target |');
console.log('|---|---|---|---|');
console.log(`| mock adapter called directly | ${us(d.p50)} | ${us(d.p99)} | |`);
console.log(`| through the gateway, full policy | ${us(g.p50)} | ${us(g.p99)} | |`);
console.log(`| **governance overhead** | **${us(g.p50 - d.p50)}** | **${us(g.p99 - d.p99)}** | p50 <= 10 µs, p99 <= 100 µs |`);
console.log(`| streaming: added time to first chunk | ${us(gs.p50 - ds.p50)} | | <= 0.5 ms |`);
console.log(`| throughput, 1 in flight | ${rate(sequential)} | | |`);
console.log(`| throughput, 64 in flight | ${rate(concurrent)} | | >= 100,000 calls/s |`);
if (redis) {
  console.log(`\nRedis store on loopback (redis-server ${redis.server} started by the bench; 1 round trip to admit, 1 to settle, which the caller does not wait for):\n`);
  console.log('| what | p50 | p99 | target |');
  console.log('|---|---|---|---|');
  console.log(`| one Redis round trip (PING), for reference | ${us(redis.roundTripMicros.p50)} | | |`);
  console.log(`| through the gateway, full policy, Redis store | ${us(redis.latencyMicros.p50)} | ${us(redis.latencyMicros.p99)} | |`);
  console.log(`| **governance overhead, Redis store** | **${us(redis.latencyMicros.p50 - d.p50)}** | **${us(redis.latencyMicros.p99 - d.p99)}** | p50 <= 150 µs |`);
  console.log(`| overhead beyond the one round trip the caller waits for | ${us(redis.latencyMicros.p50 - d.p50 - redis.roundTripMicros.p50)} | | |`);
  console.log(`| throughput, 1 in flight | ${rate(redis.throughput.sequential)} | | |`);
  console.log(`| throughput, 64 in flight | ${rate(redis.throughput.concurrent64)} | | >= 10,000 calls/s |`);
  console.log(`| throughput, 64 in flight, ioredis enableAutoPipelining | ${rate(redis.throughput.concurrent64AutoPipelining)} | | |`);
}
if (http) {
  console.log(
    `\nHTTP endpoint on loopback: toNodeListener(createFetchHandler(gateway)) on node:http, key by hash, full policy, against a bare node:http server calling the mock adapter; ${http.client}, servers and client in this process; median of ${http.rounds.length} alternating rounds (added p50 per round: ${http.rounds.map((r) => r.addedP50.toFixed(0)).join(', ')} µs):\n`,
  );
  console.log('| what | p50 | p99 | target |');
  console.log('|---|---|---|---|');
  console.log(`| bare node:http server, mock adapter, for reference | ${us(http.latencyMicros.bare.p50)} | ${us(http.latencyMicros.bare.p99)} | |`);
  console.log(`| through the HTTP handler, full policy | ${us(http.latencyMicros.handler.p50)} | ${us(http.latencyMicros.handler.p99)} | |`);
  console.log(`| **added by the handler and the gateway** | **${us(http.addedMicros.p50)}** | **${us(http.addedMicros.p99)}** | p50 <= 0.5 ms |`);
  console.log(`| of which beyond the governance overhead measured in process | ${us(http.addedMicros.p50 - (g.p50 - d.p50))} | | |`);
  console.log(`| streaming: time to first chunk, bare server | ${us(http.firstChunkMicros.bare)} | | |`);
  console.log(`| **streaming: added time to first chunk** | **${us(http.firstChunkMicros.added)}** | | <= 0.5 ms |`);
  console.log(`| throughput, 16 in flight, bare server | ${rate(http.throughput.bare16)} | | |`);
  console.log(`| throughput, 16 in flight, through the HTTP handler | ${rate(http.throughput.handler16)} | | |`);
}
console.log(`\nusage events: ${events().toLocaleString('en-US')} published, ${sink.delivered.toLocaleString('en-US')} delivered to the sink, ${sink.dropped} dropped`);
console.log('written: bench/results.json');
await gateway.close();
if (keys) {
  console.log('\nRuntime keys (gateway.keys), with N keys made before:\n');
  console.log('| store | keys | create p50 / p99 | revoke p50 / p99 | authenticate p50 | new gateway ready | target at 100k |');
  console.log('|---|---|---|---|---|---|---|');
  for (const f of keys.figures) {
    console.log(
      `| ${f.store} | ${f.keys.toLocaleString('en-US')} | ${f.createMs.p50.toFixed(2)} / ${f.createMs.p99.toFixed(2)} ms | ${f.revokeMs.p50.toFixed(2)} / ${f.revokeMs.p99.toFixed(2)} ms | ${f.authenticateMicros.p50.toFixed(1)} µs | ${f.readyMs.toFixed(0)} ms | create, revoke <= 5 ms; authenticate <= 20 µs; ready <= 1 s |`,
    );
  }
  console.log(`\nA key made in one process, applied by a gateway in another process on the same Redis (pushed): p50 ${keys.propagationMs.p50.toFixed(2)} ms, p99 ${keys.propagationMs.p99.toFixed(2)} ms`);
}
if (sql) {
  console.log('\nSQL stores, full policy (9 counters a call); SQLite on a WAL file, PostgreSQL on loopback (admission and settlement are one statement each, and the calls issued together share one: a call\'s settlement usually travels with the next call\'s admission):\n');
  console.log('| store | p50 | p99 | overhead p50 | 1 in flight | 64 in flight | round trips / call | target |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const f of sql) {
    const target = f.store === 'sqlite' ? 'overhead p50 <= 50 µs, >= 10,000 calls/s' : 'p50 <= 1 ms, >= 2,000 calls/s at 64 in flight';
    console.log(
      `| ${f.store} | ${us(f.latencyMicros.p50)} | ${us(f.latencyMicros.p99)} | ${us(f.latencyMicros.p50 - d.p50)} | ${rate(f.throughput.sequential)} | ${rate(f.throughput.concurrent64)} | ${f.roundTripsPerCall?.toFixed(2) ?? ''} | ${target} |`,
    );
  }
}
if (inProcess) {
  const p = inProcess.p50Micros;
  console.log('\nIn process (createFetch, no socket), full policy, a key by its token, p50 (median of interleaved rounds):\n');
  console.log('| way in | p50 | added |');
  console.log('|---|---|---|');
  console.log(`| gateway.chat | ${us(p.gatewayChat)} | |`);
  console.log(`| createFetch, called as a client calls fetch, Response.json() read | ${us(p.createFetch)} | ${us(inProcess.addedMicros.createFetch)} over gateway.chat |`);
  console.log(`| the openai client on createFetch | ${us(p.openaiClient)} | ${us(inProcess.addedMicros.openaiClient)} over the same client on a fetch that answers at once (${us(p.openaiClientBare)}) |`);
}
if (aiSdk) {
  console.log(`\nAI SDK (${aiSdk.sdk}) generateText on a model that answers at once, p50: bare ${us(aiSdk.p50Micros.bare)}, with tollgateMiddleware (full policy) ${us(aiSdk.p50Micros.middleware)}: ${us(aiSdk.p50Micros.added)} added`);
}
if (endUsers) {
  const p = endUsers.p50Micros;
  console.log('\nLimits for each end user (a budget and a rate limit per user, templated on the key) and a concurrency limit, full policy, memory store, p50:\n');
  console.log('| call | p50 | added |');
  console.log('|---|---|---|');
  console.log(`| full policy | ${us(p.base)} | |`);
  console.log(`| + per-user limits and a concurrency limit, one user | ${us(p.sameUser)} | ${us(endUsers.addedMicros.sameUser)} |`);
  console.log(`| + the same, a new user each call | ${us(p.newUser)} | ${us(endUsers.addedMicros.newUser)} |`);
  console.log('\nOne call for each of 1,000,000 distinct users, 64 in flight: calls/s over the first and the last 100,000 (target: end >= 0.8 x start):\n');
  console.log('| store | analytics by user | start | end | end / start | counters held at the end |');
  console.log('|---|---|---|---|---|---|');
  for (const f of endUsers.millionUsers) console.log(`| ${f.store} | ${f.analyticsByUser ? 'yes' : 'no'} | ${rate(f.startCallsPerSecond)} | ${rate(f.endCallsPerSecond)} | ${f.endOverStart.toFixed(2)} | ${f.counters === null ? 'expire by TTL' : f.counters.toLocaleString('en-US')} |`);
}
