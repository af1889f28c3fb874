import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody, EmbeddingRequestBody, EmbeddingResponse } from '../usage/chat-types.js';
import type { ProviderResult, StreamPart } from '../providers/spec.js';
import type { ResponseObject, ResponsesEvent, ResponsesRequestBody } from '../usage/responses-types.js';
import type { Usage } from '../usage/usage.js';
import type { RateLimits } from '../limits/rate-limit-headroom.js';

/** A chat request: the OpenAI body plus the gateway's fields. */
export interface ChatRequest extends ChatRequestBody {
  /** `@integration/model`, or a bare model id when `key` is given. */
  model: string;
  /** The workspace the call is made for. Required unless `key` is given. */
  workspace?: string;
  /** A virtual key id: fixes the workspace and the integration. */
  key?: string;
  /** Labels recorded on the usage event (e.g. `{ user: 'u-42' }`); never sent to the provider. */
  metadata?: Record<string, string>;
  /**
   * Models to try in order (`@integration/model`, or bare with a key) when `model` fails with a
   * retryable error after its retries; each is governed by its own provisioning and limits.
   */
  fallbacks?: string[];
  /**
   * Refusals by the gateway's own limits that also send the call to `fallbacks` (each admitted by
   * its own limits): a budget spent on a big model falls back to a cheaper one. Without it, such a
   * refusal of `model` is the answer. With `wait`, a target is left once its wait is over.
   * @example { model: '@openai/gpt-4o', fallbacks: ['@openai/gpt-4o-mini'], fallbackOn: ['budget_exceeded'] }
   */
  fallbackOn?: Array<'budget_exceeded' | 'rate_limit_exceeded'>;
}

export interface ChatOptions {
  /** Aborts the call (and the upstream request); the usage event records `aborted`. */
  signal?: AbortSignal;
  /**
   * The caller's W3C trace context (a `traceparent` header value): the usage event carries its
   * trace id and parent span id, so that sinks (OpenTelemetry) attach the call to the caller's trace.
   * @example propagation.inject(context.active(), carrier); gateway.chat(req, { traceparent: carrier.traceparent })
   */
  traceparent?: string;
  /**
   * The call's id, for a caller that must know it before the call (an HTTP server answering
   * `x-request-id`): a random UUID, lowercase (`crypto.randomUUID()`). Default: a new one.
   */
  requestId?: string;
  /**
   * Wait for capacity instead of being refused: a call refused by a rate limit (requests or
   * tokens) or a concurrency limit, whose capacity comes back within what is left of `maxMs`,
   * waits and is admitted then (its usage event says `waitedMs`); otherwise it is refused as
   * without it, the refusal saying how long it waited. Budgets never wait. Waiters are admitted
   * highest `priority` first (default 0), then in arrival order. Default: the gateway's `wait`.
   * @example gateway.chat(request, { wait: { maxMs: 30_000, priority: 1 } })
   */
  wait?: WaitOptions;
}

/** How long a call may wait for capacity, and its rank among the calls waiting (see ChatOptions.wait). */
export interface WaitOptions {
  /** At most this long, in milliseconds; 0: never wait. */
  maxMs: number;
  /** Higher first; default 0. */
  priority?: number;
}

/** Where the gateway sent the call, as middleware and results see it. */
export interface TargetInfo {
  integration: string;
  provider: string;
  workspace: string;
  key: string | null;
  /** The provider's model id (without `@slug/`). */
  model: string;
}

/** The state of one call as it passes through the middleware chain. */
export interface ChatContext {
  readonly requestId: string;
  /** The body sent to the provider (model without `@slug/`, gateway fields removed). Middleware may change it. */
  request: ChatRequestBody;
  readonly target: TargetInfo;
  readonly metadata: Readonly<Record<string, string>>;
  readonly signal: AbortSignal | undefined;
  /** Epoch ms (from the gateway's clock) when the call entered the gateway. */
  readonly startedAt: number;
  /** Retries made so far by the provider step, for this call (every target tried). */
  readonly retries: number;
  /** Records a warning on the call's usage event (an adapter's unsupported parameter, say). */
  warn(message: string): void;
  /** The warnings recorded so far. */
  readonly warnings: readonly string[];
  /** Free space for middleware to pass data along the chain. */
  readonly state: Map<string | symbol, unknown>;
}

/** What the chain produces: a whole completion, or a stream of parts ending with a `finish`. */
export type ChatOutcome =
  | { type: 'completion'; result: ProviderResult }
  | { type: 'stream'; parts: AsyncIterable<StreamPart>; providerRequestId: string | null };

/**
 * Middleware: runs after admission and before the provider call; `next()` runs the rest of the
 * chain. It may change `ctx.request`, short-circuit (return an outcome without calling `next`),
 * or wrap a stream's parts.
 */
export type ChatMiddleware = (ctx: ChatContext, next: () => Promise<ChatOutcome>) => Promise<ChatOutcome>;

/** What the gateway adds to every result. */
export interface GatewayInfo extends TargetInfo {
  requestId: string;
  /**
   * For requests and for tokens, the rate limit closest to refusing as it stood when the call
   * was admitted (what OpenAI's `x-ratelimit-*` headers say; the HTTP endpoint sends them from
   * here). Null when the store does not report it (a custom store, PostgreSQL) or the call was
   * admitted without a reservation.
   */
  rateLimits: RateLimits | null;
  /** Usage in the gateway's normalized shape. */
  usage: Omit<Usage, 'raw'>;
  /** Cost in USD; null until the model's price is known. */
  cost: number | null;
  retries: number;
  /** Which target served: 0 for `model`, n for `fallbacks[n - 1]`. */
  fallbackIndex: number;
  latencyMs: number;
  providerRequestId: string | null;
}

/** An OpenAI `chat.completion`, plus `gateway`. */
export interface GatewayChatCompletion extends ChatCompletion {
  gateway: GatewayInfo;
}

/**
 * A streaming call: iterate it for OpenAI `chat.completion.chunk`s. Stopping early (`break`)
 * closes the upstream request; the usage event records what was delivered.
 */
export interface GatewayStream extends AsyncIterable<ChatCompletionChunk> {
  readonly gateway: TargetInfo & { requestId: string; providerRequestId: string | null; rateLimits: RateLimits | null };
}

/** An embeddings request: the OpenAI body plus the gateway's fields. */
export interface EmbeddingsRequest extends EmbeddingRequestBody {
  /** `@integration/model`, or a bare model id when `key` is given. */
  model: string;
  workspace?: string;
  key?: string;
  /** Labels recorded on the usage event; never sent to the provider. */
  metadata?: Record<string, string>;
}

/** An OpenAI embeddings list, plus `gateway`. */
export interface GatewayEmbeddingResponse extends EmbeddingResponse {
  gateway: GatewayInfo;
}

/**
 * A Responses API request: OpenAI's body plus the gateway's `workspace` and `key`. `metadata` is
 * both OpenAI's field and the usage event's labels.
 */
export interface ResponsesRequest extends ResponsesRequestBody {
  /** `@integration/model`, or a bare model id when `key` is given. */
  model: string;
  workspace?: string;
  key?: string;
}

/** A Responses API response (the provider's own when passed through), plus `gateway`. */
export interface GatewayResponse extends ResponseObject {
  gateway: GatewayInfo;
}

/** A streaming Responses call: iterate it for the Responses events. Stopping early closes the upstream request. */
export interface GatewayResponsesStream extends AsyncIterable<ResponsesEvent> {
  readonly gateway: TargetInfo & { requestId: string; providerRequestId: string | null; rateLimits: RateLimits | null };
}
