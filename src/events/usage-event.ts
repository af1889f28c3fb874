import type { Usage } from '../usage/usage.js';
/** The version of the usage event's schema: raised when a field is removed or changes meaning. */
export const USAGE_EVENT_SCHEMA_VERSION = 2;

/**
 * One budget or rate limit a call touched, as it stood once the call was settled (or, for the
 * limit that refused a call, as it stood then). Figures in the limit's unit: USD for cost
 * budgets, tokens or requests otherwise.
 */
export interface LimitSnapshot {
  /** The scope, e.g. `grant:openai-prod/team-a`, `workspace:team-a`, `key:app-1`. */
  scope: string;
  kind: 'budget' | 'rateLimit';
  type: 'cost' | 'tokens' | 'requests' | 'concurrency';
  limit: number;
  /** Settled usage in the current period or window, this call included. */
  used: number;
  /** What is left for new calls: the limit minus usage and the reservations of calls in flight. */
  remaining: number;
  /** This call brought usage past the budget's alert threshold (the `budget.alert` event fired). */
  alerted: boolean;
  /** This call brought usage to the budget's limit (the `budget.exhausted` event fired). */
  exhausted: boolean;
  /** This limit refused the call. */
  refused: boolean;
}

/** Normalized token usage of a call: the adapter's, without the provider's raw object (the event has it as `rawUsage`). */
export type UsageTokens = Omit<Usage, 'raw'>;

/** The cost of each part of a call's usage in USD, exact (before the one rounding of the total). */
export interface CostBreakdown {
  /** Input tokens not read from or written to the cache, at the input rate. */
  input: number;
  /** Output tokens (reasoning included), at the output rate. */
  output: number;
  /** Cache reads, at the cached-input rate. */
  cacheRead: number;
  /** Cache writes, at the cache-write rate. */
  cacheWrite: number;
}

/**
 * One record per `gateway.chat` or `gateway.embeddings` call, success or failure, delivered to
 * `gateway.on('usage')` and to every sink. The same shape whatever the outcome: fields that do
 * not apply are `null`, `0` or empty. Never carries a credential or the content of a call.
 * `schemaVersion` is raised when a field is removed or changes meaning (new fields may appear
 * within a version).
 */
export interface UsageEvent {
  schemaVersion: typeof USAGE_EVENT_SCHEMA_VERSION;

  // Identity
  /** The gateway's id of the call (also `res.gateway.requestId`). */
  requestId: string;
  /** W3C trace id (32 hex digits): the caller's (`traceparent` option), else one of the call's own. */
  traceId: string;
  /** W3C span id (16 hex digits) of the call. */
  spanId: string;
  /** The caller's span (from `traceparent`), or null. */
  parentSpanId: string | null;
  /** `chat` (gateway.chat) or `embeddings` (gateway.embeddings). */
  operation: 'chat' | 'embeddings';
  workspace: string | null;
  integration: string | null;
  provider: string | null;
  key: string | null;
  /** The end user: the request's `user`, else `metadata.user`. */
  user: string | null;
  /** The caller's `metadata` labels. */
  metadata: Record<string, string>;

  // Request
  /** The model as the caller named it (`@openai-prod/gpt-4o`, or a bare id with a key). */
  requestedModel: string | null;
  /** The provider's model id of the target that served (or failed last), without `@slug/`. */
  model: string | null;
  /** The model the provider says it served (e.g. a dated snapshot). */
  servedModel: string | null;
  stream: boolean;
  /** `max_completion_tokens` or `max_tokens` as requested; null when not set. */
  maxTokens: number | null;
  /** Chat: messages sent; embeddings: inputs embedded. */
  messageCount: number;
  /** Tools offered to the model. */
  toolCount: number;
  /** Tool calls in the answer. */
  toolCallCount: number;
  /** Which target served the call: 0 for `model`, n for `fallbacks[n - 1]`. */
  fallbackIndex: number;
  /** Targets tried before the one that served (or failed last), and why each was left. */
  attempts: Array<{ integration: string | null; model: string; errorCode: string; httpStatus: number }>;
  /** Retries after the first attempt (of every target tried). */
  retries: number;

  // Usage
  usage: UsageTokens;
  /** The provider's usage object as reported. */
  rawUsage: unknown;

  // Cost
  /** Cost in USD, rounded up to the micro-dollar once per call; null when the model has no known price. */
  cost: number | null;
  /** The same cost in integer micro-dollars (USD 1 = 1,000,000), as budgets count it. */
  costMicros: number | null;
  /** The cost of each part of the usage in USD; null when the model has no known price. */
  costBreakdown: CostBreakdown | null;
  /** Where the price came from: the integration's `pricing` override, a custom model, the built-in catalog. */
  priceSource: 'override' | 'custom' | 'catalog' | null;
  /**
   * What the provider says it charged, in USD, where its answer states it (OpenRouter, xAI,
   * Perplexity, DeepInfra); null otherwise. `cost` is this figure rounded up to the micro-dollar
   * when the integration sets `chargeProviderCost`, tollgate's own (`costBreakdown`) otherwise.
   */
  providerCost: number | null;

  // Timing (milliseconds, from a monotonic clock; timestamps from the gateway's clock)
  /** ISO time the call entered the gateway. */
  startedAt: string;
  /** ISO time the call ended (for a stream: its last chunk, error or cancellation). */
  endedAt: string;
  /** From entering the gateway to the end of the call. */
  latencyMs: number;
  /** To the first content chunk of a stream; null for non-streaming calls. */
  ttftMs: number | null;
  /** Waiting for the provider, every attempt included (for a stream, until its end). */
  upstreamMs: number;
  /** Waiting between retries (backoff and Retry-After). */
  retryWaitMs: number;
  /** Waiting for the limits store to admit the call (a Redis round trip; ~0 in memory). */
  admissionMs: number;
  /** Waiting for capacity (`wait`): from the first refusal by a rate or concurrency limit to the admission, or to the refusal. */
  waitedMs: number;
  /** The gateway's own time: latency minus upstream, retry waits and waiting for capacity (admission and middleware included). */
  overheadMs: number;

  // Outcome
  /**
   * `success`; `rejected` (refused by the gateway before any provider call: validation, access,
   * limits); `error` (the provider failed, or the gateway could not serve); `aborted` (the caller
   * aborted or stopped reading); `unsettled` (the process that made the call died before it
   * settled it: its reservation expired and was charged at its worst case, which `usage` and
   * `cost` are, estimated; sent by whichever gateway on the store took it, with `httpStatus` 0,
   * `errorCode` 'unsettled' and no timings).
   */
  status: 'success' | 'rejected' | 'error' | 'aborted' | 'unsettled';
  /** HTTP-like status: 200, or the error's status (0: unknown, for an unsettled call). */
  httpStatus: number;
  errorCode: string | null;
  /** The error's message (credentials removed). */
  errorMessage: string | null;
  upstreamStatus: number | null;
  finishReason: string | null;
  providerRequestId: string | null;
  /** What the provider could not honor (unsupported parameters, lossy conversions). */
  warnings: string[];

  // Limits
  /** Every budget and rate limit the call touched, after settlement; the refusing one for a refused call. */
  limits: LimitSnapshot[];
}
