import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { exchangeOf, type FetchHandler } from './fetch-handler.js';
import type { Exchange } from './handle-exchange.js';
import type { HttpAnswer, HttpRequestLike } from './http-exchange.js';
import { bodyTooLarge, readBody } from './read-json-body.js';

/** A `node:http` request listener, also an Express / Connect middleware (`app.use(listener)`). */
export type NodeListener = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Serves a fetch handler from `node:http` (or Express). The request's `signal` aborts when the
 * client goes away before the answer is complete (which aborts the gateway call, or stops a
 * stream, and settles its reservation); the answer is written with backpressure respected. A body
 * already parsed by an Express body parser (`req.body`) is used as is.
 *
 * A handler made by `createFetchHandler` is served directly from `IncomingMessage` to
 * `ServerResponse`: on Node, WHATWG `Request`, `Response` and web streams cost more than the
 * gateway. Any other fetch handler goes through them.
 *
 * @example createServer(toNodeListener(createFetchHandler(gateway))).listen(8787)
 */
export function toNodeListener(handler: FetchHandler): NodeListener {
  const exchange = exchangeOf(handler);
  return (req, res, next) => {
    const controller = new AbortController();
    // 'close' before the answer is finished: the client went away (or the socket failed).
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
    });
    const served = exchange ? serveExchange(exchange, req, res, controller.signal) : serveFetch(handler, req, res, controller.signal);
    served.catch((error: unknown) => {
      if (next) return next(error);
      // The handler answers every error itself; this is the socket failing under the answer.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end();
    });
  };
}

async function serveExchange(exchange: Exchange, req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const request: HttpRequestLike = {
    method: req.method ?? 'GET',
    path: pathOf(req.url ?? '/'),
    header: (name) => {
      const value = req.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    body: (maxBytes) => {
      const parsed = parsedBody(req);
      if (parsed !== undefined) return parsed.length > maxBytes ? Promise.reject(bodyTooLarge(maxBytes)) : Promise.resolve(parsed);
      return readBody(req, req.headers['content-length'] ?? null, maxBytes, () => req.resume());
    },
    signal,
  };
  await write(await exchange(request, randomUUID()), res, signal);
}

/** Writes an answer; a streamed one stops (its iterator returned) when the client goes away. */
async function write(answer: HttpAnswer, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const body = answer.body;
  if (typeof body === 'string') {
    // A known length: no chunked encoding, and the client knows when the answer is complete.
    answer.headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(answer.status, answer.headers).end(body);
    return;
  }
  res.writeHead(answer.status, answer.headers);
  // Headers go out now: a client waits for them before the first event.
  res.flushHeaders();
  const stop = () => void body.return?.(undefined);
  if (signal.aborted) return stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const next = await body.next();
      if (next.done || signal.aborted) break;
      if (!res.write(next.value)) await writable(res);
    }
    if (!signal.aborted) res.end();
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

async function serveFetch(handler: FetchHandler, req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
  let request: Request;
  try {
    request = toRequest(req, signal);
  } catch {
    // A request line or header the WHATWG Request refuses: the client's error, not a crash.
    res.writeHead(400, { 'content-type': 'application/json', 'x-request-id': randomUUID() }).end('{"error":{"message":"The request is malformed.","type":"invalid_request_error","param":null,"code":"bad_request"}}');
    return;
  }
  const response = await handler(request);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (!response.body) {
    res.writeHead(response.status, headers).end();
    return;
  }
  const reader = response.body.getReader();
  res.writeHead(response.status, headers);
  const stop = () => void reader.cancel().catch(() => {});
  if (signal.aborted) return stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      if (signal.aborted) return;
      if (!res.write(r.value)) await writable(res);
    }
    res.end();
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/**
 * Resolves when the response can take more (`drain`) or is gone (`close`), and leaves no listener
 * behind: with `Promise.race` of two `once`s, the loser's listeners stayed, one more on every
 * stall of a slow reader, without bound on a long stream.
 */
function writable(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The path of a request target, origin-form (`/v1/models?x`) or absolute-form (`http://h/v1/models`); never the Host header. */
function pathOf(target: string): string {
  let path = target;
  if (!path.startsWith('/')) {
    try {
      path = new URL(path).pathname;
    } catch {
      return '/';
    }
  }
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}

/** A body an Express body parser already read (`req.body`), as bytes; undefined when the stream is still to read. */
function parsedBody(req: IncomingMessage): Buffer | undefined {
  const parsed = (req as { body?: unknown }).body;
  if (parsed === undefined || !req.readableEnded) return undefined;
  if (typeof parsed === 'string') return Buffer.from(parsed, 'utf8');
  if (parsed instanceof Uint8Array) return Buffer.from(parsed);
  return Buffer.from(JSON.stringify(parsed), 'utf8');
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  // The path from the request target alone, and a Host header only if it is a host: one such as
  // `x/v1/models?` would otherwise change the path the handler routes on.
  const host = req.headers.host;
  const url = new URL(pathOfTarget(req.url ?? '/'), `http://${host !== undefined && HOST.test(host) ? host : 'localhost'}`);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers, signal });
  const parsed = parsedBody(req);
  if (parsed !== undefined) {
    headers.delete('content-length');
    return new Request(url, { method, headers, signal, body: parsed.toString('utf8') });
  }
  return new Request(url, { method, headers, signal, body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } as RequestInit);
}

/** A host name or address with an optional port: no path, query, user info or spaces. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** An absolute-form target reduced to its path and query. */
function pathOfTarget(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return '/';
  }
}
