/**
 * The HTTP handler against a real upstream (`npm run bench`): the OpenAI-shaped upstream, and in
 * front of it, each in its own process, tollgate's handler (full policy), a bare fetch proxy, and
 * Portkey's open-source gateway when it can be installed. One undici client in this process calls
 * them: single calls alternating between the servers one by one, time to the first streamed
 * chunk, and calls/s at 16 in flight (alternating runs, the best of three each).
 */
import { createRequire } from 'node:module';
import { generateKey } from '../src/http.js';
import { messages } from './full-policy.js';
import { startPortkey, PORTKEY_VERSION } from './portkey.js';
import { startRole } from './roles.js';
import { callsPerSecond } from './throughput.js';

const load = createRequire(import.meta.url);
const { Pool } = load('undici') as typeof import('undici');

export interface HttpUpstreamFigures {
  client: string;
  portkey: string | null;
  /** µs, one call at a time, alternating between the servers: the upstream called directly, and each server in front of it. */
  latencyMicros: Record<string, { p50: number; p99: number }>;
  /** p50 added over calling the upstream directly, µs. */
  addedMicros: Record<string, number>;
  /** p50 time to the first `data:` event, µs, and added over the upstream. */
  firstChunkMicros: Record<string, number>;
  /** Calls/s at 16 in flight. */
  throughput16: Record<string, number>;
  /** tollgate's calls/s over the bare proxy's, and over Portkey's. */
  throughputRatio: { overProxy: number; overPortkey: number | null };
}

const CONCURRENCY = 16;
const body = JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: 200 });
const streamBody = JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: 20, stream: true });
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const micros = (since: bigint) => Number(process.hrtime.bigint() - since) / 1_000;

function client(origin: string, path: string, headers: Record<string, string>) {
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1 });
  const call = async () => {
    const res = await pool.request({ path, method: 'POST', headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${origin}: ${res.statusCode} ${text}`);
  };
  const firstChunk = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const res = await pool.request({ path, method: 'POST', headers, body: streamBody });
    if (res.statusCode !== 200) throw new Error(`${origin}: ${res.statusCode} ${await res.body.text()}`);
    let first = -1;
    for await (const chunk of res.body as AsyncIterable<Buffer>) if (first < 0 && chunk.includes('data:')) first = micros(start);
    if (first < 0) throw new Error(`${origin}: a stream without a data: event`);
    return first;
  };
  return { pool, call, firstChunk };
}

type Client = ReturnType<typeof client>;

/** For `ms`, one call of each side in turn (the first side rotating); each side's sorted samples. */
async function alternate(sides: Array<() => Promise<number>>, ms: number): Promise<number[][]> {
  const out: number[][] = sides.map(() => []);
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) {
    for (let j = 0; j < sides.length; j++) {
      const k = (i + j) % sides.length;
      out[k]!.push(await sides[k]!());
    }
  }
  return out.map((xs) => xs.sort((a, b) => a - b));
}

const timed = (call: () => Promise<void>) => async () => {
  const t = process.hrtime.bigint();
  await call();
  return micros(t);
};

export async function benchHttpUpstream(timeMs: number): Promise<HttpUpstreamFigures> {
  const upstream = await startRole('upstream');
  const base = `${upstream.line}/v1`;
  const { token, hash } = generateKey();
  const handler = await startRole('handler', { TOLLGATE_BENCH_UPSTREAM: base, TOLLGATE_BENCH_HASH: hash });
  const proxy = await startRole('proxy', { TOLLGATE_BENCH_UPSTREAM: base });
  const portkey = await startPortkey(base);
  const json = { 'content-type': 'application/json' };
  const clients: Record<string, Client> = {
    upstream: client(upstream.line, '/v1/chat/completions', { ...json, authorization: 'Bearer bench-key' }),
    tollgate: client(handler.line, '/v1/chat/completions', { ...json, authorization: `Bearer ${token}` }),
    proxy: client(proxy.line, '/v1/chat/completions', json),
    ...(portkey ? { portkey: client(portkey.origin, '/v1/chat/completions', portkey.headers) } : {}),
  };
  const names = Object.keys(clients);
  try {
    for (const name of names) await callsPerSecond(clients[name]!.call, CONCURRENCY, 0.2 * timeMs); // warm-up
    const calls = await alternate(names.map((n) => timed(clients[n]!.call)), 1.5 * timeMs);
    // Portkey's streaming fails on this upstream in some versions: its first chunk is measured when it works.
    const streaming = names.filter((n) => n !== 'portkey');
    const firsts = await alternate(streaming.map((n) => clients[n]!.firstChunk), 0.5 * timeMs);
    const throughput16: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    for (let round = 0; round < 3; round++) {
      for (const name of names) throughput16[name] = Math.max(throughput16[name]!, await callsPerSecond(clients[name]!.call, CONCURRENCY, timeMs / 3));
    }
    const latencyMicros = Object.fromEntries(names.map((n, i) => [n, { p50: percentile(calls[i]!, 50), p99: percentile(calls[i]!, 99) }]));
    const firstChunkMicros = Object.fromEntries(streaming.map((n, i) => [n, percentile(firsts[i]!, 50)]));
    return {
      client: `undici ${(load('undici/package.json') as { version: string }).version} Pool, ${CONCURRENCY} keep-alive connections per server`,
      portkey: portkey ? `@portkey-ai/gateway ${PORTKEY_VERSION}` : null,
      latencyMicros,
      addedMicros: Object.fromEntries(names.filter((n) => n !== 'upstream').map((n) => [n, latencyMicros[n]!.p50 - latencyMicros.upstream!.p50])),
      firstChunkMicros,
      throughput16,
      throughputRatio: {
        overProxy: throughput16.tollgate! / throughput16.proxy!,
        overPortkey: portkey ? throughput16.tollgate! / throughput16.portkey! : null,
      },
    };
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.pool.close()));
    portkey?.stop();
    await Promise.all([handler.stop(), proxy.stop()]);
    await upstream.stop();
  }
}
