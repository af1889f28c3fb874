/**
 * One record per `gateway.chat` call, success or failure, delivered to `gateway.on('usage')` and
 * to every sink. Never carries a credential. `schemaVersion` changes when a field changes meaning.
 */
export interface UsageEvent {
  schemaVersion: 1;
  /** The gateway's id of the call (also `res.gateway.requestId`). */
  requestId: string;
  /** `chat` (gateway.chat) or `embeddings` (gateway.embeddings). */
  operation: 'chat' | 'embeddings';
  /** ISO time the call entered the gateway. */
  startedAt: string;
  /** ISO time the call ended (for a stream: its last chunk, error or cancellation). */
  endedAt: string;
  workspace: string | null;
  integration: string | null;
  provider: string | null;
  key: string | null;
  /** The model asked for, without the `@slug/` prefix. */
  model: string | null;
  /** The model the provider says it served (e.g. a dated snapshot). */
  servedModel: string | null;
  /** The caller's `metadata` (e.g. `{ user: 'u-42' }`). */
  metadata: Record<string, string>;
  stream: boolean;
  /**
   * `success`; `rejected` (refused by the gateway before any provider call: validation, access,
   * limits); `error` (the provider failed); `aborted` (the caller aborted or stopped reading).
   */
  status: 'success' | 'rejected' | 'error' | 'aborted';
  /** HTTP-like status: 200, or the error's status. */
  httpStatus: number;
  errorCode: string | null;
  /** The error's message (credentials removed). */
  errorMessage: string | null;
  upstreamStatus: number | null;
  /** Retries after the first attempt (of every target tried). */
  retries: number;
  /** Which target served the call: 0 for `model`, n for `fallbacks[n - 1]`. */
  fallbackIndex: number;
  /** Targets tried before the one that served (or failed last), and why each was left. */
  attempts: Array<{ integration: string | null; model: string; errorCode: string; httpStatus: number }>;
  finishReason: string | null;
  providerRequestId: string | null;
  usage: {
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    reasoningTokens: number;
    totalTokens: number;
    /** True when the provider did not report usage (a cut stream, say) and these are estimates. */
    estimated: boolean;
  };
  /** The provider's usage object as reported. */
  rawUsage: unknown;
  /** What the provider could not honor (unsupported parameters, lossy conversions). */
  warnings: string[];
  /** Cost in USD (computed in integer micro-dollars); null when the model has no known price. */
  cost: number | null;
  /** Where the price came from: the integration's `pricing` override, a custom model, the built-in catalog. */
  priceSource: 'override' | 'custom' | 'catalog' | null;
  /** Wall time from entering the gateway to the end of the call. */
  latencyMs: number;
  /** Time to the first content chunk of a stream; null for non-streaming calls. */
  ttftMs: number | null;
}
