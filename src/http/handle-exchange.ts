import type { Gateway } from '../gateway/gateway.js';
import type { KeyIdentity } from '../gateway/key-access.js';
import type { ChatOptions, ChatRequest, EmbeddingsRequest, ResponsesRequest } from '../gateway/types.js';
import { GatewayError } from '../errors/gateway-error.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import type { HandlerSettings } from './handler-options.js';
import { reportedWhenDone, type AnswerFacts } from './answered-request.js';
import type { HttpAnswer, HttpRequestLike } from './http-exchange.js';
import { errorAnswer, HttpError } from './openai-error.js';
import { headroomHeaders, rateLimitHeaders } from './rate-limit-headers.js';
import type { RateLimits } from '../limits/rate-limit-headroom.js';
import { parseJsonObject } from './read-json-body.js';
import { responsesSse, sseEvents } from './sse-body.js';

/** The path of each route under the base path (`/models/{id}` apart). */
const ROUTE_PATHS = { chat: '/chat/completions', responses: '/responses', embeddings: '/embeddings', models: '/models' } as const;

type Route = { name: 'chat' | 'responses' | 'embeddings' | 'models'; method: 'POST' | 'GET' } | { name: 'model'; method: 'GET'; id: string };

/** The endpoint, whatever serves it: routes, authenticates, calls the gateway, answers. Never throws. */
export type Exchange = (request: HttpRequestLike, requestId: string) => Promise<HttpAnswer>;

/**
 * Who a request is made as: a key (its bearer token over HTTP, or the key `createFetch` was
 * given), or a workspace (`createFetch`'s, in process: the application chose it in code).
 */
export type Caller = { key: KeyIdentity } | { workspace: string; integration: string | null };

/** Decides the caller of a request, or throws the HTTP error (401) that refuses it. */
export type Identify = (request: HttpRequestLike) => Caller | Promise<Caller>;

/** Over HTTP: the key a bearer token opens; 401 without one or for a token no key has. */
export const bearerCaller =
  (gateway: Gateway): Identify =>
  (request) => ({ key: authenticate(gateway, request.header('authorization')) });

export function createExchange(gateway: Gateway, settings: HandlerSettings, identify: Identify = bearerCaller(gateway)): Exchange {
  const base = settings.basePath;

  const route = (path: string): Route | null => {
    if (!path.startsWith(`${base}/`)) return null;
    const rest = path.slice(base.length);
    if (rest === '/chat/completions') return { name: 'chat', method: 'POST' };
    if (rest === '/responses') return { name: 'responses', method: 'POST' };
    if (rest === '/embeddings') return { name: 'embeddings', method: 'POST' };
    if (rest === '/models') return { name: 'models', method: 'GET' };
    if (rest.startsWith('/models/') && rest.length > '/models/'.length) {
      const id = decodeSegment(rest.slice('/models/'.length));
      // A malformed escape (`%E0%A4%A`) names no model: a 404, not a URIError answered as a 500.
      return id === null ? null : { name: 'model', method: 'GET', id };
    }
    return null;
  };

  /**
   * OpenAI's rate-limit headers: from the call's admission when the gateway has them (no store
   * read), else for the key (or the workspace) read from the store (an answer without a call,
   * an error, a store that does not report them): never a reason to fail an answer.
   */
  const limitHeaders = async (caller: Caller | null, headers: Record<string, string>, admitted?: RateLimits | null): Promise<Record<string, string>> => {
    if (admitted) return Object.assign(headers, headroomHeaders(admitted));
    if (caller === null) return headers;
    try {
      const query = 'key' in caller ? { key: caller.key.id } : { workspace: caller.workspace, ...(caller.integration ? { integration: caller.integration } : {}) };
      return Object.assign(headers, rateLimitHeaders(await gateway.limits.status({ ...query, kind: 'rateLimit' }), Date.now()));
    } catch {
      return headers;
    }
  };

  const json = async (caller: Caller | null, requestId: string, status: number, body: unknown, extra?: Record<string, string>, admitted?: RateLimits | null): Promise<HttpAnswer> => {
    const headers = await limitHeaders(caller, { 'content-type': 'application/json', 'x-request-id': requestId, ...extra }, admitted);
    return { status, headers, body: JSON.stringify(body) };
  };

  /** A stream of Server-Sent Events, with the caller's rate-limit headers. */
  const sse = async (caller: Caller, requestId: string, events: AsyncIterableIterator<string>, admitted: RateLimits | null): Promise<HttpAnswer> => {
    const headers = await limitHeaders(caller, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': requestId }, admitted);
    return { status: 200, headers, body: events };
  };

  /** The models the caller may call; a workspace without an integration sees `@slug/model` ids. */
  const modelsOf = (caller: Caller): Array<{ id: string; owner: string }> => {
    if ('key' in caller) return (gateway.keys.models(caller.key.id) ?? []).map((id) => ({ id, owner: caller.key.integration }));
    const { workspace, integration } = caller;
    if (integration) return gateway.provisioning.models({ workspace, integration }).map((id) => ({ id, owner: integration }));
    return gateway.provisioning.models({ workspace }).map((id) => ({ id, owner: id.slice(1, id.indexOf('/')) }));
  };

  const answer = async (request: HttpRequestLike, requestId: string, facts: AnswerFacts & { caller: Caller | null }): Promise<HttpAnswer> => {
    const path = request.path;
    const target = route(path);
    if (target) facts.route = target.name === 'model' ? `${base}/models/{id}` : `${base}${ROUTE_PATHS[target.name]}`;
    // The path only: a query string may carry anything, a key included.
    if (!target) throw new HttpError(404, 'not_found', `There is no route ${request.method} ${path}: this endpoint serves ${base}/chat/completions, ${base}/responses, ${base}/embeddings and ${base}/models.`);
    if (request.method !== target.method) {
      throw new HttpError(405, 'method_not_allowed', `${path} takes ${target.method}, not ${request.method}.`, { allow: target.method });
    }
    // A server just started authenticates against the keys made elsewhere too.
    await gateway.ready();
    const key = await identify(request);
    facts.caller = key;
    if ('key' in key) {
      facts.key = key.key.id;
      facts.workspace = key.key.workspace;
    } else facts.workspace = key.workspace;
    /** The request's body, its model noted for the answer's report. */
    const readBody = async () => {
      const body = asCallerRequest(parseJsonObject(await request.body(settings.maxBodyBytes)), key);
      if (typeof body.model === 'string') facts.model = body.model;
      return body;
    };
    const call: ChatOptions = { signal: request.signal, requestId };
    const traceparent = request.header('traceparent');
    if (traceparent !== null) call.traceparent = traceparent;
    // How long the caller lets the call wait for capacity (ChatOptions.wait), instead of a 429.
    const waitMs = request.header(WAIT_HEADER);
    if (waitMs !== null) call.wait = { maxMs: waitHeaderMs(waitMs) };

    if (target.method === 'POST') requireJson(request.header('content-type'));
    switch (target.name) {
      case 'chat': {
        const body = await readBody();
        if (body.stream === true) {
          const stream = await gateway.chat(body as ChatRequest & { stream: true }, call);
          return sse(key, requestId, sseEvents(stream, (error) => settings.onError(error, requestId)), stream.gateway.rateLimits);
        }
        const { gateway: info, ...completion } = await gateway.chat(body as ChatRequest & { stream?: false }, call);
        return json(key, requestId, 200, completion, undefined, info.rateLimits);
      }
      case 'responses': {
        // Passed through to OpenAI and Azure, translated to and from chat elsewhere: every provider serves it.
        const body = (await readBody()) as unknown as ResponsesRequest;
        if (body.stream === true) {
          const stream = await gateway.responses(body as ResponsesRequest & { stream: true }, call);
          return sse(key, requestId, responsesSse(stream, (error) => settings.onError(error, requestId)), stream.gateway.rateLimits);
        }
        const { gateway: info, ...response } = await gateway.responses(body as ResponsesRequest & { stream?: false }, call);
        return json(key, requestId, 200, response, undefined, info.rateLimits);
      }
      case 'embeddings': {
        const body = await readBody();
        const { gateway: info, ...embeddings } = await gateway.embeddings(body as unknown as EmbeddingsRequest, call);
        return json(key, requestId, 200, embeddings, undefined, info.rateLimits);
      }
      case 'models':
        return json(key, requestId, 200, { object: 'list', data: modelsOf(key).map(modelObject) });
      case 'model': {
        const model = modelsOf(key).find((m) => m.id === target.id);
        if (!model) throw new HttpError(404, 'model_not_found', `The model '${target.id}' does not exist or this key may not use it.`);
        return json(key, requestId, 200, modelObject(model));
      }
    }
  };

  const respond = async (request: HttpRequestLike, requestId: string, facts: AnswerFacts & { caller: Caller | null }): Promise<HttpAnswer> => {
    try {
      return await answer(request, requestId, facts);
    } catch (error) {
      if (!(error instanceof HttpError) && !GatewayError.isInstance(error)) settings.onError(error, requestId);
      const { status, body, headers } = errorAnswer(error);
      try {
        return await json(facts.caller, requestId, status, body, headers);
      } catch (failure) {
        settings.onError(failure, requestId);
        return internalError(requestId);
      }
    }
  };

  const onAnswered = settings.onAnswered;
  return async (request, requestId) => {
    const facts: AnswerFacts & { caller: Caller | null } = { route: null, key: null, workspace: null, model: null, caller: null };
    if (!onAnswered) return respond(request, requestId, facts);
    const start = performance.now();
    return reportedWhenDone(await respond(request, requestId, facts), (status, aborted) => {
      try {
        onAnswered({ requestId, method: request.method, route: facts.route, status, durationMs: performance.now() - start, key: facts.key, workspace: facts.workspace, model: facts.model, aborted });
      } catch (error) {
        settings.onError(error, requestId);
      }
    });
  };
}

/** The answer when even answering failed: fixed text, nothing of the failure. */
export function internalError(requestId: string): HttpAnswer {
  return {
    status: 500,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: '{"error":{"message":"The gateway failed to handle the request.","type":"api_error","param":null,"code":"internal_error"}}',
  };
}

/** `decodeURIComponent`, or null for a malformed escape (where it throws). */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The key a bearer token opens; 401 without one or for a token no key has. */
function authenticate(gateway: Gateway, header: string | null): KeyIdentity {
  const match = header === null ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) throw new HttpError(401, 'missing_api_key', 'No key given: send your tollgate key as `Authorization: Bearer <key>`.');
  const key = gateway.keys.authenticate(match[1]!);
  // Never the token in the message: a wrong one is often a real key of another service.
  if (!key) throw new HttpError(401, 'invalid_api_key', 'The key given is not a valid tollgate key.');
  return key;
}

/**
 * JSON routes take JSON: `application/json` or a `+json` type, any parameters. A request without
 * a Content-Type is read as JSON (no browser sends one without it); any other type is a 415, which
 * also keeps a cross-site HTML form (`text/plain`, `application/x-www-form-urlencoded`, which a
 * browser posts without a CORS preflight) from reaching the gateway.
 */
function requireJson(contentType: string | null): void {
  if (contentType === null) return;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return;
  throw new HttpError(415, 'unsupported_media_type', 'The request body must be JSON: send it with `Content-Type: application/json`.');
}

/**
 * The body as the gateway takes it: the caller was decided (by the token, or in code), so the
 * body cannot name another key or workspace. A workspace bound to one integration takes bare
 * model ids, as a key does.
 */
function asCallerRequest(body: Record<string, unknown>, caller: Caller): Record<string, unknown> {
  delete body.workspace;
  delete body.key;
  if ('key' in caller) return Object.assign(body, { key: caller.key.id });
  if (caller.integration && typeof body.model === 'string' && !body.model.startsWith('@')) body.model = `@${caller.integration}/${body.model}`;
  return Object.assign(body, { workspace: caller.workspace });
}

function modelObject(model: { id: string; owner: string }) {
  return { id: model.id, object: 'model', created: 0, owned_by: model.owner };
}

/** The request header that lets a call wait for capacity: milliseconds (`ChatOptions.wait.maxMs`). */
export const WAIT_HEADER = 'tollgate-wait-ms';

/** At most ten minutes: a longer wait is a queue, not a request. */
const MAX_WAIT_MS = 600_000;

function waitHeaderMs(value: string): number {
  const ms = /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(ms <= MAX_WAIT_MS)) throw new RequestValidationError([{ path: `header ${WAIT_HEADER}`, message: `must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS} (got '${value.slice(0, 40)}')` }]);
  return ms;
}
