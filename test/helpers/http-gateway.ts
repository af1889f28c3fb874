import { createServer, request as httpRequest, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createGateway, type Gateway, type GatewayConfig, type KeyConfig, type UsageEvent } from '../../src/index.js';
import { createFetchHandler, generateKey, toNodeListener, type FetchHandlerOptions } from '../../src/http.js';
import { afterTest } from './after-test.js';

/**
 * The HTTP endpoint's tests: a gateway whose keys get fresh tokens, served by `node:http` through
 * `toNodeListener` on 127.0.0.1 (a free port), and OpenAI clients pointed at it. Every server
 * started in a test is closed after it.
 */

export interface Listening {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  server: Server;
}

/** Serves `listener` on a free local port until the end of the test. */
export async function listen(listener: RequestListener): Promise<Listening> {
  const server = createServer(listener);
  afterTest(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, port, server };
}

/** A key of the config, without its hash: `httpGateway` makes a token for it. */
export type TokenKey = Omit<KeyConfig, 'hash'>;

export interface HttpGatewaySetup extends Omit<GatewayConfig, 'keys'> {
  keys: TokenKey[];
}

/**
 * A gateway whose keys each get a token from `generateKey()` (only the hash is configured),
 * recording its usage events, served over HTTP.
 */
export async function httpGateway(setup: HttpGatewaySetup, options: FetchHandlerOptions & { listener?: (tollgate: RequestListener) => RequestListener } = {}) {
  const tokens: Record<string, string> = {};
  const keys: KeyConfig[] = setup.keys.map((key) => {
    const { token, hash } = generateKey();
    tokens[key.id] = token;
    return { ...key, hash };
  });
  const gateway = createGateway({ ...setup, keys });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  const { listener: wrap, ...handlerOptions } = options;
  const tollgate = toNodeListener(createFetchHandler(gateway, handlerOptions)) as RequestListener;
  const served = await listen(wrap ? wrap(tollgate) : tollgate);
  const baseURL = `${served.origin}${handlerOptions.basePath ?? '/v1'}`;
  /** An OpenAI client with the key's token (or any string), never retrying unless told. */
  const client = (keyOrToken: string, init: ConstructorParameters<typeof OpenAI>[0] = {}) =>
    new OpenAI({ baseURL, apiKey: tokens[keyOrToken] ?? keyOrToken, maxRetries: 0, ...init });
  return { gateway, events, tokens, baseURL, client, ...served };
}

/** The one mock integration most tests use: models 'm' (priced) and 'e' (embeddings). */
export function mockIntegration(extra: Record<string, unknown> = {}): GatewayConfig['integrations'][number] {
  return {
    slug: 'mock',
    provider: 'mock',
    customModels: [
      { id: 'm', pricing: { input: 1_000, output: 1_000 } },
      { id: 'm2', pricing: { input: 1_000, output: 1_000 } },
      { id: 'e', pricing: { input: 1_000, output: 0 } },
    ],
    workspaces: 'all',
    ...extra,
  } as GatewayConfig['integrations'][number];
}

/** The usage event of one request, by the `x-request-id` the answer carried. */
export function eventOf(events: readonly UsageEvent[], requestId: string | null | undefined): UsageEvent | undefined {
  return events.find((e) => e.requestId === requestId);
}

/** A `Headers` as a plain record (what `expectNoSecret` and `toMatchObject` take). */
export function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request by `node:http` itself (no client library): `chunks` are written one by one, with no
 * Content-Length unless `headers` set one (so as a chunked body). Resolves with the answer, or
 * rejects with the socket's error.
 */
export function rawRequest(
  origin: string,
  init: { method?: string; path: string; headers?: Record<string, string>; chunks?: Array<string | Uint8Array> },
): Promise<RawAnswer> {
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = httpRequest(`${origin}${init.path}`, { method: init.method ?? 'POST', headers: init.headers }, (res: IncomingMessage) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const chunk of init.chunks ?? []) req.write(chunk);
    req.end();
  });
}

/**
 * Wraps a listener the way Express's `express.json()` precedes it: reads the whole body, parses
 * it and sets `req.body`, then calls the listener with the request stream already consumed.
 */
export function withParsedBody(listener: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      (req as IncomingMessage & { body?: unknown }).body = text === '' ? {} : JSON.parse(text);
      listener(req, res);
    });
  };
}

/**
 * `until` for an asynchronous condition (a store read): checks it, then lets the event loop turn
 * (sockets included), at most `maxTurns` times. Never a timer, so it says nothing of timing.
 */
export async function eventually(condition: () => Promise<boolean> | boolean, maxTurns = 200_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (await condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

/** What the key has reserved on all its limits (in-flight requests, tokens, cost). */
export async function reservedOf(gateway: Gateway, key: string): Promise<number> {
  const status = await gateway.limits.status({ key });
  return status.reduce((sum, limit) => sum + limit.reserved, 0);
}

export type { Gateway };
