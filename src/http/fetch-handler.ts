import { randomUUID } from 'node:crypto';
import type { Gateway } from '../gateway/gateway.js';
import type { KeyIdentity } from '../gateway/key-access.js';
import type { ChatOptions, ChatRequest, EmbeddingsRequest } from '../gateway/types.js';
import { GatewayError } from '../errors/gateway-error.js';
import { parseHandlerOptions, type FetchHandlerOptions, type HandlerSettings } from './handler-options.js';
import { errorAnswer, HttpError } from './openai-error.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { readJsonBody } from './read-json-body.js';
import { sseBody } from './sse-body.js';

/** A standard fetch handler: Node (through `toNodeListener`), Hono, Next.js route handlers, Bun, Deno. */
export type FetchHandler = (request: Request) => Promise<Response>;

type Route = { name: 'chat' | 'embeddings' | 'models'; method: 'POST' | 'GET' } | { name: 'model'; method: 'GET'; id: string };

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
  const settings = parseHandlerOptions(options);
  const base = settings.basePath;

  const route = (path: string): Route | null => {
    if (!path.startsWith(`${base}/`)) return null;
    const rest = path.slice(base.length);
    if (rest === '/chat/completions') return { name: 'chat', method: 'POST' };
    if (rest === '/embeddings') return { name: 'embeddings', method: 'POST' };
    if (rest === '/models') return { name: 'models', method: 'GET' };
    if (rest.startsWith('/models/') && rest.length > '/models/'.length) return { name: 'model', method: 'GET', id: decodeURIComponent(rest.slice('/models/'.length)) };
    return null;
  };

  return async (request) => {
    const requestId = randomUUID();
    let key: KeyIdentity | null = null;
    try {
      const path = pathOf(request.url);
      const target = route(path);
      // The path only: a query string may carry anything, a key included.
      if (!target) throw new HttpError(404, 'not_found', `There is no route ${request.method} ${path}: this endpoint serves ${base}/chat/completions, ${base}/embeddings and ${base}/models.`);
      if (request.method !== target.method) {
        throw new HttpError(405, 'method_not_allowed', `${path} takes ${target.method}, not ${request.method}.`, { allow: target.method });
      }
      key = authenticate(gateway, request);
      const call: ChatOptions = { signal: request.signal, requestId };
      const traceparent = request.headers.get('traceparent');
      if (traceparent !== null) call.traceparent = traceparent;

      switch (target.name) {
        case 'chat': {
          const body = asKeyRequest(await readJsonBody(request, settings.maxBodyBytes), key);
          if (body.stream === true) {
            const stream = await gateway.chat(body as ChatRequest & { stream: true }, call);
            const headers = await limitHeaders(gateway, key, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': requestId });
            return new Response(sseBody(stream, (error) => settings.onError(error, requestId)), { status: 200, headers });
          }
          const { gateway: _info, ...completion } = await gateway.chat(body as ChatRequest & { stream?: false }, call);
          return await json(gateway, key, requestId, 200, completion);
        }
        case 'embeddings': {
          const body = asKeyRequest(await readJsonBody(request, settings.maxBodyBytes), key);
          const { gateway: _info, ...embeddings } = await gateway.embeddings(body as unknown as EmbeddingsRequest, call);
          return await json(gateway, key, requestId, 200, embeddings);
        }
        case 'models': {
          const models = gateway.keys.models(key.id) ?? [];
          return await json(gateway, key, requestId, 200, { object: 'list', data: models.map((id) => modelObject(id, key!)) });
        }
        case 'model': {
          if (!(gateway.keys.models(key.id) ?? []).includes(target.id)) {
            throw new HttpError(404, 'model_not_found', `The model '${target.id}' does not exist or this key may not use it.`);
          }
          return await json(gateway, key, requestId, 200, modelObject(target.id, key));
        }
      }
    } catch (error) {
      return errorResponse(gateway, settings, key, requestId, error);
    }
  };
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const end = url.search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

/** The key a bearer token opens; 401 without one or for a token no key has. */
function authenticate(gateway: Gateway, request: Request): KeyIdentity {
  const header = request.headers.get('authorization');
  const match = header === null ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) throw new HttpError(401, 'missing_api_key', 'No key given: send your tollgate key as `Authorization: Bearer <key>`.');
  const key = gateway.keys.authenticate(match[1]!);
  // Never the token in the message: a wrong one is often a real key of another service.
  if (!key) throw new HttpError(401, 'invalid_api_key', 'The key given is not a valid tollgate key.');
  return key;
}

/** The body as the gateway takes it: the token decided the key, so the body cannot name another. */
function asKeyRequest(body: Record<string, unknown>, key: KeyIdentity): Record<string, unknown> & { key: string } {
  delete body.workspace;
  return Object.assign(body, { key: key.id });
}

function modelObject(id: string, key: KeyIdentity) {
  return { id, object: 'model', created: 0, owned_by: key.integration };
}

/**
 * OpenAI's rate-limit headers for the key, read from the store after the call (so they include
 * it): one more store read per answer, never a reason to fail one.
 */
async function limitHeaders(gateway: Gateway, key: KeyIdentity | null, headers: Record<string, string>): Promise<Record<string, string>> {
  if (key === null) return headers;
  try {
    return Object.assign(headers, rateLimitHeaders(await gateway.limits.status({ key: key.id }), Date.now()));
  } catch {
    return headers;
  }
}

async function json(gateway: Gateway, key: KeyIdentity | null, requestId: string, status: number, body: unknown, extra?: Record<string, string>): Promise<Response> {
  const headers = await limitHeaders(gateway, key, { 'content-type': 'application/json', 'x-request-id': requestId, ...extra });
  return new Response(JSON.stringify(body), { status, headers });
}

async function errorResponse(gateway: Gateway, settings: HandlerSettings, key: KeyIdentity | null, requestId: string, error: unknown): Promise<Response> {
  if (!(error instanceof HttpError) && !GatewayError.isInstance(error)) settings.onError(error, requestId);
  const answer = errorAnswer(error);
  try {
    return await json(gateway, key, requestId, answer.status, answer.body, answer.headers);
  } catch (failure) {
    settings.onError(failure, requestId);
    return new Response('{"error":{"message":"The gateway failed to handle the request.","type":"api_error","param":null,"code":"internal_error"}}', {
      status: 500,
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    });
  }
}
