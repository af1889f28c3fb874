/**
 * What a user pays against a real upstream (`npm run bench`): `gateway.chat` through the OpenAI
 * adapter, full policy, against an OpenAI-shaped node:http server in another process (keep-alive,
 * loopback), side by side with a plain `fetch` of the same server, as an app without tollgate
 * would call it, and a plain call of undici's `request` (the client tollgate uses) for reference.
 * Calls of the sides alternate one by one, so drift of the machine hits all of
 * them alike. Memory and Redis stores; streaming time to first chunk and cost per chunk; Redis at
 * 64 in flight with the count of settlements that passed the store timeout.
 */
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import type { Gateway } from '../src/index.js';
import { redisStore } from '../src/redis.js';
import { TestRedis } from '../test/helpers/redis-server.js';
import { fullPolicyGateway, messages } from './full-policy.js';
import { startRole } from './roles.js';
import { callsPerSecond } from './throughput.js';

export interface Percentiles {
  p50: number;
  p99: number;
}

export interface UpstreamFigures {
  /** µs per non-streaming call, 1 in flight. */
  latencyMicros: { fetch: Percentiles; undici: Percentiles; memory: Percentiles; fetchBesideRedis: Percentiles; redis: Percentiles };
  /** gateway p50 / fetch p50. */
  ratio: { memory: number; redis: number };
  addedMicros: { memory: number; redis: number };
  /** A stream of `chunks` chunks: time to the first, and the rest per chunk (µs, p50). */
  streaming: { chunks: number; firstChunk: { fetch: number; gateway: number; added: number }; perChunk: { fetch: number; gateway: number; added: number } };
  /** Calls/s at 64 in flight. */
  throughput64: { fetch: number; memory: number; redis: number };
  /** Settlements that passed the store timeout (250 ms) during the Redis run at 64 in flight. */
  redisDeferred: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const stats = (xs: number[]): Percentiles => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
const now = () => process.hrtime.bigint();
const micros = (since: bigint) => Number(now() - since) / 1_000;

/** The calls `fn` measures for each of `sides`, one of each in turn (the first side rotating), for `ms`. */
async function interleaved<S, T>(sides: Array<() => Promise<S>>, ms: number, measure: (side: () => Promise<S>) => Promise<T>): Promise<T[][]> {
  const out: T[][] = sides.map(() => []);
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) {
    for (let j = 0; j < sides.length; j++) {
      const k = (i + j) % sides.length;
      out[k]!.push(await measure(sides[k]!));
    }
  }
  return out;
}

/** Plain fetch, as an app calls the provider itself: the JSON answer parsed. */
function plainFetch(base: string) {
  const url = `${base}/chat/completions`;
  const headers = { authorization: 'Bearer bench-key', 'content-type': 'application/json' };
  const call = async () => {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: 200 }) });
    if (!res.ok) throw new Error(`upstream: ${res.status}`);
    return res.json();
  };
  /** A stream read as an app reads SSE: events split, each chunk's JSON parsed. Times to the first chunk and to the end. */
  const stream = async (chunks: number): Promise<[number, number]> => {
    const start = now();
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: chunks, stream: true, stream_options: { include_usage: true } }) });
    const decoder = new TextDecoder();
    let buffered = '';
    let first = -1;
    for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(bytes, { stream: true });
      let cut: number;
      while ((cut = buffered.indexOf('\n\n')) >= 0) {
        const event = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 2);
        if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
        JSON.parse(event.slice(6));
        if (first < 0) first = micros(start);
      }
    }
    return [first, micros(start)];
  };
  return { call, stream };
}

// undici is CommonJS: loaded with require(), as tollgate itself loads it (bench/http.ts says why).
const { Agent, request } = createRequire(import.meta.url)('undici') as typeof import('undici');

/**
 * The client tollgate calls providers with (undici's `request`), called plainly: for reference,
 * so that the gateway's own cost can be read apart from its client's.
 */
function plainUndici(base: string) {
  const url = `${base}/chat/completions`;
  const headers = { authorization: 'Bearer bench-key', 'content-type': 'application/json' };
  const dispatcher = new Agent();
  return async () => {
    const res = await request(url, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: 200 }), dispatcher });
    if (res.statusCode !== 200) throw new Error(`upstream: ${res.statusCode}`);
    return JSON.parse(await res.body.text()) as unknown;
  };
}

const gatewayCall = (gateway: Gateway) => () => gateway.chat({ key: 'app-1', model: 'gpt-4o-mini', messages, max_tokens: 200 });

async function gatewayStream(gateway: Gateway, chunks: number): Promise<[number, number]> {
  const start = now();
  const stream = await gateway.chat({ key: 'app-1', model: 'gpt-4o-mini', messages, max_tokens: chunks, stream: true });
  let first = -1;
  for await (const _ of stream) if (first < 0) first = micros(start);
  return [first, micros(start)];
}

export async function benchUpstream(timeMs: number): Promise<UpstreamFigures> {
  const upstream = await startRole('upstream');
  const base = `${upstream.line}/v1`;
  const redisServer = await new TestRedis().start();
  const client = new Redis({ port: redisServer.port, host: '127.0.0.1' });
  const memory = fullPolicyGateway({ upstream: base }).gateway;
  // A stall of the machine is not what this measures: at the default 250 ms a store timeout ends the whole run.
  const redis = fullPolicyGateway({ upstream: base, store: redisStore({ client, prefix: 'bench-upstream' }), storeTimeoutMs: 5_000 }).gateway;
  const plain = plainFetch(base);
  const undici = plainUndici(base);
  try {
    const sides = { memory: gatewayCall(memory), redis: gatewayCall(redis) };
    // Warm-up: connections open, scripts loaded, the JIT settled on every path.
    for (const side of [plain.call, undici, sides.memory, sides.redis]) await callsPerSecond(side, 4, 0.2 * timeMs);
    // Each store against fetch on its own: a Redis call's settlement, which its caller does not
    // wait for, would otherwise land in the next call of another side.
    const timed = async (side: () => Promise<unknown>): Promise<number> => {
      const t = now();
      await side();
      return micros(t);
    };
    const [fm, um, m] = await interleaved([plain.call, undici, sides.memory], timeMs, timed);
    const [fr, r] = await interleaved([plain.call, sides.redis], timeMs, timed);
    const latency = { fetch: stats(fm!), undici: stats(um!), memory: stats(m!), fetchBesideRedis: stats(fr!), redis: stats(r!) };

    const CHUNKS = 100;
    const streams = [() => plain.stream(CHUNKS), () => gatewayStream(memory, CHUNKS)];
    await interleaved(streams, 0.2 * timeMs, (side) => side());
    const [fs, gs] = await interleaved(streams, timeMs, (side) => side());
    const first = (xs: Array<[number, number]>) => stats(xs.map((x) => x[0])).p50;
    const perChunk = (xs: Array<[number, number]>) => stats(xs.map((x) => (x[1] - x[0]) / (CHUNKS - 1))).p50;

    const throughput64 = { fetch: 0, memory: 0, redis: 0 };
    for (let i = 0; i < 3; i++) {
      // Alternating, the best of three runs each: a run at 64 in flight is long enough for one hiccup of the machine to show.
      throughput64.fetch = Math.max(throughput64.fetch, await callsPerSecond(plain.call, 64, timeMs / 3));
      throughput64.memory = Math.max(throughput64.memory, await callsPerSecond(sides.memory, 64, timeMs / 3));
      throughput64.redis = Math.max(throughput64.redis, await callsPerSecond(sides.redis, 64, timeMs / 3));
    }
    await redis.flush();
    return {
      latencyMicros: latency,
      ratio: { memory: latency.memory.p50 / latency.fetch.p50, redis: latency.redis.p50 / latency.fetchBesideRedis.p50 },
      addedMicros: { memory: latency.memory.p50 - latency.fetch.p50, redis: latency.redis.p50 - latency.fetchBesideRedis.p50 },
      streaming: {
        chunks: CHUNKS,
        firstChunk: { fetch: first(fs!), gateway: first(gs!), added: first(gs!) - first(fs!) },
        perChunk: { fetch: perChunk(fs!), gateway: perChunk(gs!), added: perChunk(gs!) - perChunk(fs!) },
      },
      throughput64,
      redisDeferred: redis.stats().store.degraded.deferred,
    };
  } finally {
    await Promise.all([memory.close(), redis.close()]);
    client.disconnect();
    await Promise.all([redisServer.stop(), upstream.stop()]);
  }
}
