import { randomUUID } from 'node:crypto';
import type { Gateway } from '../gateway/gateway.js';
import { createExchange, type Exchange } from './handle-exchange.js';
import { parseHandlerOptions, type FetchHandlerOptions } from './handler-options.js';
import type { HttpAnswer, HttpRequestLike } from './http-exchange.js';
import { readBody } from './read-json-body.js';

/** A standard fetch handler: Node (through `toNodeListener`), Hono, Next.js route handlers, Bun, Deno. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Where `toNodeListener` finds the endpoint behind a handler made here, to serve it without WHATWG objects. */
export const EXCHANGE = Symbol('tollgate.http.exchange');

/**
 * An OpenAI-compatible HTTP endpoint on the gateway: `POST {basePath}/chat/completions` (JSON or
 * Server-Sent Events), `POST {basePath}/embeddings`, `GET {basePath}/models` (and
 * `/models/{id}`), each calling the same `gateway` a library user calls, nothing reimplemented.
 *
 * The caller authenticates with a virtual key, `Authorization: Bearer <token>`; the key (found by
 * the SHA-256 of the token, see `generateKey`) decides the workspace and the integration, and
 * `model` is a bare model of that integration or `@slug/model`. Every answer carries
 * `x-request-id` (the usage event's `requestId`) and, for an authenticated key with rate limits,
 * OpenAI's `x-ratelimit-*` headers. Errors are OpenAI error bodies with the gateway error's
 * status and code, never a stack trace or a credential.
 *
 * @throws ConfigError for bad options
 * @example
 * const handler = createFetchHandler(gateway);
 * export const POST = handler; // a Next.js route handler
 */
export function createFetchHandler(gateway: Gateway, options: FetchHandlerOptions = {}): FetchHandler {
  if (typeof gateway?.chat !== 'function' || typeof gateway?.keys?.authenticate !== 'function') {
    throw new TypeError('createFetchHandler(gateway): gateway must be made by createGateway()');
  }
  const exchange = createExchange(gateway, parseHandlerOptions(options));
  const handler: FetchHandler = async (request) => toResponse(await exchange(fromRequest(request), randomUUID()));
  Object.defineProperty(handler, EXCHANGE, { value: exchange });
  return handler;
}

/** The endpoint behind a handler made by `createFetchHandler`, if it is one. */
export function exchangeOf(handler: FetchHandler): Exchange | null {
  return (handler as { [EXCHANGE]?: Exchange })[EXCHANGE] ?? null;
}

/** A WHATWG Request as the endpoint reads it (the body is read only as far as the endpoint allows). */
export function fromRequest(request: Request): HttpRequestLike {
  return {
    method: request.method,
    path: pathOf(request.url),
    header: (name) => request.headers.get(name),
    body: (maxBytes) => {
      const stream = request.body;
      if (!stream) return Promise.resolve(Buffer.alloc(0));
      const reader = stream.getReader();
      const chunks = { async *[Symbol.asyncIterator]() { for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value; } };
      return readBody(chunks, request.headers.get('content-length'), maxBytes, () => void reader.cancel().catch(() => {}));
    },
    signal: request.signal,
  };
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}

const encoder = new TextEncoder();

/** The endpoint's answer as a WHATWG Response; a streamed body is pulled as the reader reads. */
export function toResponse(answer: HttpAnswer): Response {
  const body = answer.body;
  if (typeof body === 'string') return new Response(body, { status: answer.status, headers: answer.headers });
  // Pulled as the client reads; a cancel (the client went away) returns the events' iterator.
  // A cancel can come while a pull awaits the next event: what that pull gets is then dropped
  // (enqueueing on the closed controller would throw).
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await body.next();
      if (cancelled) return;
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      cancelled = true;
      await body.return?.();
    },
  });
  return new Response(stream, { status: answer.status, headers: answer.headers });
}
