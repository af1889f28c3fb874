import { GatewayError } from '../errors/gateway-error.js';
import { ProviderError } from '../errors/provider-error.js';
import { RequestAbortedError } from '../errors/runtime-errors.js';
import type { UsageEvent } from '../events/usage-event.js';
import type { Usage } from '../providers/spec.js';
import { toIso } from '../util/to-iso.js';
import type { TargetInfo } from './types.js';

/** What the gateway knows about a call while it runs; turned into its usage event at the end. */
export interface CallRecord {
  requestId: string;
  operation: 'chat' | 'embeddings';
  /** Epoch ms from the gateway's clock. */
  startedAt: number;
  /** `performance.now()` at entry, for durations that a clock change cannot distort. */
  t0: number;
  stream: boolean;
  target: TargetInfo | null;
  metadata: Record<string, string>;
  retries: number;
  /** Which target served the call: 0 for `model`, n for `fallbacks[n - 1]`. */
  fallbackIndex: number;
  /** Targets tried before, and why they were left. */
  attempts: UsageEvent['attempts'] | null;
}

export interface CallEnd {
  warnings?: string[];
  /** USD, or null when the price is unknown. */
  cost?: number | null;
  priceSource?: UsageEvent['priceSource'];
  usage?: Usage | null;
  finishReason?: string | null;
  providerRequestId?: string | null;
  servedModel?: string | null;
  ttftMs?: number | null;
  error?: unknown;
  /** The caller stopped reading a stream. */
  cancelled?: boolean;
}

type Outcome = Pick<UsageEvent, 'status' | 'httpStatus' | 'errorCode' | 'errorMessage' | 'upstreamStatus'>;
const SUCCESS: Outcome = Object.freeze({ status: 'success', httpStatus: 200, errorCode: null, errorMessage: null, upstreamStatus: null });

function outcome(error: unknown, cancelled: boolean | undefined): Outcome {
  if (cancelled) return { status: 'aborted', httpStatus: 499, errorCode: 'request_aborted', errorMessage: 'the caller stopped reading the stream', upstreamStatus: null };
  if (error === undefined) return SUCCESS;
  if (RequestAbortedError.isInstance(error)) return { status: 'aborted', httpStatus: 499, errorCode: error.code, errorMessage: error.message, upstreamStatus: null };
  if (ProviderError.isInstance(error)) {
    return { status: 'error', httpStatus: error.status, errorCode: error.code, errorMessage: error.message, upstreamStatus: error.upstreamStatus };
  }
  if (GatewayError.isInstance(error)) {
    // Refused by the gateway's rules (4xx) vs. the gateway unable to serve (5xx: credentials, store).
    return { status: error.status < 500 ? 'rejected' : 'error', httpStatus: error.status, errorCode: error.code, errorMessage: error.message, upstreamStatus: null };
  }
  return { status: 'error', httpStatus: 500, errorCode: 'internal_error', errorMessage: error instanceof Error ? error.message : String(error), upstreamStatus: null };
}

/** Built as one literal with a fixed shape: spreads here would cost more than the rest of the event. */
export function buildUsageEvent(record: CallRecord, end: CallEnd, now: number): UsageEvent {
  const usage = end.usage;
  const result = outcome(end.error, end.cancelled);
  return {
    schemaVersion: 1,
    requestId: record.requestId,
    operation: record.operation,
    startedAt: toIso(record.startedAt),
    endedAt: toIso(now),
    workspace: record.target?.workspace ?? null,
    integration: record.target?.integration ?? null,
    provider: record.target?.provider ?? null,
    key: record.target?.key ?? null,
    model: record.target?.model ?? null,
    servedModel: end.servedModel ?? null,
    metadata: record.metadata,
    stream: record.stream,
    status: result.status,
    httpStatus: result.httpStatus,
    errorCode: result.errorCode,
    errorMessage: result.errorMessage,
    upstreamStatus: result.upstreamStatus,
    retries: record.retries,
    fallbackIndex: record.fallbackIndex,
    attempts: record.attempts ?? [],
    finishReason: end.finishReason ?? null,
    providerRequestId: end.providerRequestId ?? null,
    usage: publicUsage(usage),
    rawUsage: usage?.raw ?? null,
    warnings: end.warnings ?? [],
    cost: end.cost ?? null,
    priceSource: end.priceSource ?? null,
    latencyMs: Math.round((performance.now() - record.t0) * 1000) / 1000,
    ttftMs: end.ttftMs ?? null,
  };
}

/** Usage as callers and sinks see it: the normalized figures without the provider's raw object. */
export function publicUsage(usage: Usage | null | undefined): UsageEvent['usage'] {
  if (!usage) return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 0, estimated: false };
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
    totalTokens: usage.totalTokens,
    estimated: usage.estimated,
  };
}
