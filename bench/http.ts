/**
 * The HTTP part of `npm run bench`: `toNodeListener(createFetchHandler(gateway))` on node:http,
 * called on loopback by undici (keep-alive connections), against a bare node:http server that
 * serves the same mock reply without the gateway. Both servers and the client share this process.
 *
 * The bare server does what any server must (read and parse the JSON body, call the adapter, write
 * the JSON or the SSE events), so the difference is the handler and the gateway: routing, the
 * bearer token's hash, the WHATWG Request/Response round trip, the full policy, the rate-limit
 * headers and `x-request-id`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createFetchHandler, generateKey, toNodeListener } from '../src/http.js';
import type { ChatRequestBody } from '../src/usage/chat-types.js';
import { directAdapter, fullPolicyGateway, messages } from './full-policy.js';
import { callsPerSecond } from './throughput.js';

export interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

export interface HttpFigures {
  client: string;
  /** One non-streaming chat call, request sent to body read, concurrency 1: the median round. */
  latencyMicros: { bare: Latency; handler: Latency };
  addedMicros: { p50: number; p99: number };
  /** Request sent to the first SSE `data:` bytes received, p50 of the median round. */
  firstChunkMicros: { bare: number; handler: number; added: number };
  throughput: { bare16: number; handler16: number; runs: { bare16: number[]; handler16: number[] } };
  rounds: Array<{ addedP50: number; addedP99: number; firstChunkAdded: number }>;
}

// Loaded at run time with require(), not bundled by tsup: undici is CommonJS, whose require()
// calls of node: modules an ESM bundle cannot make.
const load = createRequire(import.meta.url);
const { Pool } = load('undici') as typeof import('undici');
const undiciVersion = (load('undici/package.json') as { version: string }).version;

const ROUNDS = 5;
const CONCURRENCY = 16;
const PATH = '/v1/chat/completions';
const body = { model: 'gpt-4o-mini', messages, max_tokens: 200 };
const payload = JSON.stringify(body);
const streamPayload = JSON.stringify({ ...body, stream: true });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const median = <T>(items: T[], by: (t: T) => number): T => [...items].sort((a, b) => by(a) - by(b))[Math.floor(items.length / 2)]!;
const micros = (since: bigint) => Number(process.hrtime.bigint() - since) / 1_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The same mock adapter behind a plain node:http listener: the baseline. */
function bareListener() {
  const direct = directAdapter();
  return (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const request = JSON.parse(await readBody(req)) as ChatRequestBody;
      if (request.stream === true) {
        const stream = await direct.streamBody(request);
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        for await (const part of stream) if (part.type === 'chunk') res.write(`data: ${JSON.stringify(part.chunk)}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      const result = await direct.chatBody(request);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result.completion));
    })().catch((error: unknown) => {
      console.error('bare server:', error);
      res.destroy();
    });
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A client of one server: a non-streaming call, and a streaming one that returns the time to its first `data:` bytes. */
function client(origin: string, token: string) {
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const call = async (): Promise<string> => {
    const res = await pool.request({ path: PATH, method: 'POST', headers, body: payload });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${origin}: ${res.statusCode} ${text}`);
    return text;
  };
  const firstChunk = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const res = await pool.request({ path: PATH, method: 'POST', headers, body: streamPayload });
    if (res.statusCode !== 200) throw new Error(`${origin}: ${res.statusCode} ${await res.body.text()}`);
    let first = -1;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (first < 0 && chunk.includes('data:')) first = micros(start);
    }
    if (first < 0) throw new Error(`${origin}: a stream without a data: event`);
    return first;
  };
  return { pool, call, firstChunk };
}

/** Calls `fn` one at a time for `ms`; its own timings when it returns a number, else the time of each call. */
async function sample(fn: () => Promise<unknown>, ms: number): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const start = process.hrtime.bigint();
    const r = await fn();
    out.push(typeof r === 'number' ? r : micros(start));
  }
  return out.sort((a, b) => a - b);
}

/** About 8 x `timeMs` in all (40 s by default), split into alternating rounds. */
export async function benchHttp(timeMs: number): Promise<HttpFigures> {
  const { token, hash } = generateKey();
  const { gateway } = fullPolicyGateway({ hash });
  const handlerServer = createServer(toNodeListener(createFetchHandler(gateway)));
  const bareServer = createServer(bareListener());
  const handler = client(await listen(handlerServer), token);
  const bare = client(await listen(bareServer), token);
  try {
    // Both serve the same reply (the ids and timestamps aside).
    const strip = (text: string) => {
      const { choices } = JSON.parse(text) as { choices: unknown };
      return JSON.stringify(choices);
    };
    if (strip(await handler.call()) !== strip(await bare.call())) throw new Error('the two servers answer differently');

    // Warm-up: the pool's connections opened, and the JIT, which takes thousands of calls to
    // settle on the handler's path (node:http, web streams, Request and Response, the gateway).
    for (const side of [bare, handler]) {
      await callsPerSecond(side.call, CONCURRENCY, 0.4 * timeMs);
      await sample(side.call, 0.05 * timeMs);
      await sample(side.firstChunk, 0.05 * timeMs);
    }

    // Per side: 1.5 x timeMs of single calls, timeMs of streams, timeMs at 16 in flight.
    const slice = timeMs / ROUNDS;
    const rounds: Array<{ bare: Latency; handler: Latency; bareFirst: number; handlerFirst: number }> = [];
    const lat = (sorted: number[]): Latency => ({ p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: sorted.length });
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which side goes first, so that drift of the machine hits both.
      const order = i % 2 === 0 ? ([bare, handler] as const) : ([handler, bare] as const);
      const calls = new Map<object, number[]>();
      const firsts = new Map<object, number[]>();
      for (const side of order) calls.set(side, await sample(side.call, 1.5 * slice));
      for (const side of order) firsts.set(side, await sample(side.firstChunk, slice));
      rounds.push({
        bare: lat(calls.get(bare)!),
        handler: lat(calls.get(handler)!),
        bareFirst: percentile(firsts.get(bare)!, 50),
        handlerFirst: percentile(firsts.get(handler)!, 50),
      });
    }
    const runs = { bare16: [] as number[], handler16: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? (['bare16', 'handler16'] as const) : (['handler16', 'bare16'] as const);
      for (const name of order) runs[name].push(await callsPerSecond((name === 'bare16' ? bare : handler).call, CONCURRENCY, slice));
    }

    const m = median(rounds, (r) => r.handler.p50 - r.bare.p50);
    const f = median(rounds, (r) => r.handlerFirst - r.bareFirst);
    return {
      client: `undici ${undiciVersion} Pool, ${CONCURRENCY} keep-alive connections`,
      latencyMicros: { bare: m.bare, handler: m.handler },
      addedMicros: { p50: m.handler.p50 - m.bare.p50, p99: m.handler.p99 - m.bare.p99 },
      firstChunkMicros: { bare: f.bareFirst, handler: f.handlerFirst, added: f.handlerFirst - f.bareFirst },
      throughput: { bare16: median(runs.bare16, (n) => n), handler16: median(runs.handler16, (n) => n), runs },
      rounds: rounds.map((r) => ({ addedP50: r.handler.p50 - r.bare.p50, addedP99: r.handler.p99 - r.bare.p99, firstChunkAdded: r.handlerFirst - r.bareFirst })),
    };
  } finally {
    await Promise.all([handler.pool.close(), bare.pool.close()]);
    await Promise.all([new Promise((resolve) => handlerServer.close(resolve)), new Promise((resolve) => bareServer.close(resolve))]);
    await gateway.close();
  }
}
