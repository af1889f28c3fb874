import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Gateway } from '../gateway/gateway.js';
import { ConfigError } from '../errors/config-error.js';
import { toConfigIssues } from '../errors/format-issues.js';
import { fromRequest, toResponse } from './fetch-handler.js';
import { bearerCaller, createExchange, type Identify } from './handle-exchange.js';
import { parseHandlerOptions, type FetchHandlerOptions } from './handler-options.js';
import type { HttpRequestLike } from './http-exchange.js';
import { HttpError } from './openai-error.js';
import { bodyTooLarge } from './read-json-body.js';

/** Options of `createFetch(gateway, options)`: those of `createFetchHandler`, and who calls. */
export interface CreateFetchOptions extends FetchHandlerOptions {
  /**
   * Every request is made as this key (its id), whatever key the client sends: the application
   * chose it in code. OpenAI's client insists on an `apiKey`: give it any placeholder.
   */
  key?: string;
  /** Every request is made as this workspace (models as `@slug/model`, or bare with `integration`). */
  workspace?: string;
  /** With `workspace`: the integration of bare model ids (`gpt-4o-mini` means `@integration/gpt-4o-mini`). */
  integration?: string;
}

/** The `fetch` of `createFetch`: WHATWG `fetch`'s signature, served in process. */
export type InProcessFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const identity = z
  .object({ key: z.string().min(1).optional(), workspace: z.string().min(1).optional(), integration: z.string().min(1).optional() })
  .refine((o) => !(o.key !== undefined && o.workspace !== undefined), { message: 'give key or workspace, not both' })
  .refine((o) => o.integration === undefined || o.workspace !== undefined, { message: 'integration goes with workspace', path: ['integration'] });

/**
 * A WHATWG `fetch` that serves tollgate's OpenAI-compatible API (`createFetchHandler`'s routes:
 * chat completions, streaming, embeddings, models) in this process, with no socket: the `fetch`
 * option of the `openai` client, LangChain's `ChatOpenAI` (`configuration: { fetch }`) or the AI
 * SDK's `createOpenAICompatible`. Any host works in their `baseURL`; the path decides the route.
 * Answers and errors are those of the HTTP endpoint (401, 403, 412, 429 with `retry-after`...).
 *
 * Without `key` or `workspace`, each request authenticates with its `Authorization: Bearer`
 * key token, as over HTTP. With one, every request is made as it.
 *
 * @throws ConfigError for bad options
 * @example
 * const openai = new OpenAI({ apiKey: token, baseURL: 'http://tollgate/v1', fetch: createFetch(gateway) });
 */
export function createFetch(gateway: Gateway, options: CreateFetchOptions = {}): InProcessFetch {
  if (typeof gateway?.chat !== 'function' || typeof gateway?.keys?.authenticate !== 'function') {
    throw new TypeError('createFetch(gateway): gateway must be made by createGateway()');
  }
  const { key, workspace, integration, ...handler } = options ?? {};
  const parsed = identity.safeParse({ key, workspace, integration });
  if (!parsed.success) throw new ConfigError(toConfigIssues(parsed.error), 'Invalid createFetch options');
  const exchange = createExchange(gateway, parseHandlerOptions(handler), callerOf(gateway, parsed.data));
  return async (input, init) => {
    const request = direct(input, init) ?? fromRequest(input instanceof Request && init === undefined ? input : new Request(input, init));
    return toResponse(await exchange(request, randomUUID()));
  };
}

/** A signal that never aborts, for requests made without one. */
const NEVER = new AbortController().signal;

/**
 * The request as the endpoint reads it, without building a WHATWG `Request` (which costs more than
 * the gateway's own work), when it is the common shape: a URL and a string body or none (what the
 * `openai` client, LangChain and the AI SDK send). Null otherwise.
 */
function direct(input: string | URL | Request, init: RequestInit | undefined): HttpRequestLike | null {
  if (input instanceof Request) return null;
  const body = init?.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return null;
  const url = typeof input === 'string' ? new URL(input) : input;
  const headers = new Headers(init?.headers);
  return {
    method: (init?.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    header: (name) => headers.get(name),
    body: async (maxBytes) => {
      const bytes = Buffer.from(body ?? '', 'utf8');
      if (bytes.length > maxBytes) throw bodyTooLarge(maxBytes);
      return bytes;
    },
    signal: init?.signal ?? NEVER,
  };
}

function callerOf(gateway: Gateway, o: { key?: string; workspace?: string; integration?: string }): Identify {
  if (o.workspace !== undefined) {
    const caller = { workspace: o.workspace, integration: o.integration ?? null };
    return () => caller;
  }
  if (o.key === undefined) return bearerCaller(gateway);
  const id = o.key;
  return async () => {
    // Looked up at each request: the key may be made, changed or revoked at runtime.
    const info = await gateway.keys.get(id);
    if (!info) throw new HttpError(401, 'invalid_api_key', `The key '${id}' that createFetch was given does not exist or was revoked.`);
    return { key: { id, workspace: info.workspace, integration: info.integration } };
  };
}
