import type { LedgerEntry } from '../stores/store.js';
import { GatewayError } from '../errors/gateway-error.js';
import { ProviderError } from '../errors/provider-error.js';
import { RequestAbortedError } from '../errors/runtime-errors.js';
import { USAGE_EVENT_SCHEMA_VERSION, type CostBreakdown, type LimitSnapshot, type UsageEvent, type UsageTokens } from '../events/usage-event.js';
import type { Usage } from '../usage/usage.js';
import { toIso } from '../util/to-iso.js';
import { NO_LIMITS } from '../limits/limit-snapshot.js';
import type { CallerNamed } from './refused-caller.js';
import type { TargetInfo } from './types.js';

/** The caller's trace context, from a W3C `traceparent`. */
export interface TraceParent {
  traceId: string;
  parentSpanId: string;
}

/** What the gateway knows about a call while it runs; turned into its usage event at the end. */
export interface CallRecord {
  requestId: string;
  operation: 'chat' | 'embeddings';
  /** Epoch ms from the gateway's clock. */
  startedAt: number;
  /** `performance.now()` at entry, for durations that a clock change cannot distort. */
  t0: number;
  stream: boolean;
  trace: TraceParent | null;
  /** The model as the caller named it. */
  requestedModel: string | null;
  /** The validated request body, read for the event's request fields. */
  body: RequestSummarySource | null;
  target: TargetInfo | null;
  /** Who a call refused before it had a target was made as (see refusedCaller). */
  named?: CallerNamed | null;
  metadata: Record<string, string>;
  retries: number;
  /** Which target served the call: 0 for `model`, n for `fallbacks[n - 1]`. */
  fallbackIndex: number;
  /** Targets tried before, and why they were left. */
  attempts: UsageEvent['attempts'] | null;
  /** Milliseconds waiting for the provider, every attempt (a stream: to its end). */
  upstreamMs: number;
  /** Milliseconds waiting between retries. */
  retryWaitMs: number;
  /** Milliseconds waiting for the limits store's admission. */
  admissionMs: number;
  /** Milliseconds waiting for capacity (`wait`). */
  waitedMs: number;
}

/** The fields of a chat or embeddings body the event describes. */
export interface RequestSummarySource {
  messages?: readonly unknown[];
  input?: unknown;
  tools?: readonly unknown[] | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  user?: string | null;
}

export interface CallEnd {
  warnings?: string[];
  /** Micro-dollars, or null when the price is unknown. */
  costMicros?: number | null;
  costBreakdown?: CostBreakdown | null;
  priceSource?: UsageEvent['priceSource'];
  usage?: Usage | null;
  finishReason?: string | null;
  providerRequestId?: string | null;
  servedModel?: string | null;
  toolCallCount?: number;
  ttftMs?: number | null;
  limits?: LimitSnapshot[];
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

const ms = (value: number) => Math.round(value * 1000) / 1000;

/** The event's empty lists, shared by every event: frozen, so that no sink can change them for the others (as NO_LIMITS). */
const NONE = Object.freeze([]) as unknown as never[];

/**
 * A call's usage event, its fields assigned in one go in the order of the interface (spreads here
 * would cost more than the rest of the event). A class, not an object literal, like every object a
 * call holds until it ends (an event, until its sinks' batch fills): V8 may decide, by a literal's
 * allocation site, to allocate all its objects in the old generation, where they die as garbage
 * only a major collection frees; objects made by `new` have no such site (docs/benchmarks.md,
 * Scale). The interface of the same name gives the class its fields' types.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
interface CallEvent extends UsageEvent {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class CallEvent {
  constructor(record: CallRecord, end: CallEnd, now: number) {
    const usage = end.usage;
    const result = outcome(end.error, end.cancelled);
    const body = record.body;
    // The request id is a random UUID (8-4-4-4-12 hex digits): its 32 hex digits serve as the
    // trace id of a call without a caller's trace, and its last 16 as the call's span id, at no
    // cost in randomness. Sliced, not a regex replace: this runs on every call.
    const id = record.requestId;
    const spanId = id.slice(19, 23) + id.slice(24);
    const latencyMs = ms(performance.now() - record.t0);
    const upstreamMs = ms(record.upstreamMs);
    const retryWaitMs = ms(record.retryWaitMs);
    const waitedMs = ms(record.waitedMs);
    const costMicros = end.costMicros ?? null;
    const who: CallerNamed | null = record.target ?? record.named ?? null;
    this.schemaVersion = USAGE_EVENT_SCHEMA_VERSION;
    this.requestId = record.requestId;
    this.traceId = record.trace?.traceId ?? id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + spanId;
    this.spanId = spanId;
    this.parentSpanId = record.trace?.parentSpanId ?? null;
    this.operation = record.operation;
    this.workspace = who?.workspace ?? null;
    this.integration = who?.integration ?? null;
    this.provider = who?.provider ?? null;
    this.key = who?.key ?? null;
    this.user = (typeof body?.user === 'string' ? body.user : null) ?? record.metadata.user ?? null;
    this.metadata = record.metadata;
    this.requestedModel = record.requestedModel;
    this.model = record.target?.model ?? null;
    this.servedModel = end.servedModel ?? null;
    this.stream = record.stream;
    this.maxTokens = body?.max_completion_tokens ?? body?.max_tokens ?? null;
    this.messageCount = body ? countMessages(body) : 0;
    this.toolCount = body?.tools?.length ?? 0;
    this.toolCallCount = end.toolCallCount ?? 0;
    this.fallbackIndex = record.fallbackIndex;
    this.attempts = record.attempts ?? NONE;
    this.retries = record.retries;
    this.usage = publicUsage(usage);
    this.rawUsage = usage?.raw ?? null;
    this.cost = costMicros === null ? null : costMicros / 1_000_000;
    this.costMicros = costMicros;
    this.costBreakdown = end.costBreakdown ?? null;
    this.priceSource = end.priceSource ?? null;
    this.providerCost = usage?.providerCost ?? null;
    this.startedAt = toIso(record.startedAt);
    this.endedAt = toIso(now);
    this.latencyMs = latencyMs;
    this.ttftMs = end.ttftMs ?? null;
    this.upstreamMs = upstreamMs;
    this.retryWaitMs = retryWaitMs;
    this.admissionMs = ms(record.admissionMs);
    this.waitedMs = waitedMs;
    this.overheadMs = Math.max(0, ms(latencyMs - upstreamMs - retryWaitMs - waitedMs));
    this.status = result.status;
    this.httpStatus = result.httpStatus;
    this.errorCode = result.errorCode;
    this.errorMessage = result.errorMessage;
    this.upstreamStatus = result.upstreamStatus;
    this.finishReason = end.finishReason ?? null;
    this.providerRequestId = end.providerRequestId ?? null;
    this.warnings = end.warnings ?? NONE;
    this.limits = end.limits ?? NO_LIMITS;
  }
}

export function buildUsageEvent(record: CallRecord, end: CallEnd, now: number): UsageEvent {
  return new CallEvent(record, end, now);
}

/** Chat: messages; embeddings: inputs (a string, or a flat token array, is one). */
function countMessages(body: RequestSummarySource): number {
  if (body.messages) return body.messages.length;
  const input = body.input;
  if (!Array.isArray(input)) return input === undefined ? 0 : 1;
  return input.length > 0 && typeof input[0] === 'number' ? 1 : input.length;
}

/** Usage as callers and sinks see it: the normalized figures without the provider's raw object. */
export function publicUsage(usage: Usage | null | undefined): UsageEvent['usage'] {
  return usage ? new PublicUsage(usage) : { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 0, estimated: false };
}

/** A class, as the event that holds it (see CallEvent). */
class PublicUsage implements UsageTokens {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly reasoningTokens: number;
  readonly totalTokens: number;
  readonly estimated: boolean;

  constructor(usage: Usage) {
    this.inputTokens = usage.inputTokens;
    this.outputTokens = usage.outputTokens;
    this.cacheReadTokens = usage.cacheReadTokens;
    this.cacheWriteTokens = usage.cacheWriteTokens;
    this.reasoningTokens = usage.reasoningTokens;
    this.totalTokens = usage.totalTokens;
    this.estimated = usage.estimated;
  }
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(?:-.*)?$/;

/**
 * The trace context of a W3C `traceparent` header value, or null for one that is not valid (the
 * spec's rule: an invalid traceparent starts a new trace). Version `ff` and all-zero ids are invalid.
 */
export function parseTraceparent(value: string): TraceParent | null {
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match) return null;
  const [, version, traceId, parentSpanId] = match;
  if (version === 'ff' || (version === '00' && value.trim().length !== 55)) return null;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentSpanId!)) return null;
  return { traceId: traceId!, parentSpanId: parentSpanId! };
}

/** The ledger row of a settled call (a store with `ledger`: PostgreSQL); its cost is set at settlement. */
export function ledgerEntry(record: CallRecord, end: CallEnd, at: number): LedgerEntry {
  const body = record.body;
  const usage = end.usage;
  const who: CallerNamed | null = record.target ?? record.named ?? null;
  return {
    requestId: record.requestId,
    at,
    workspace: who?.workspace ?? null,
    integration: who?.integration ?? null,
    provider: who?.provider ?? null,
    model: record.target?.model ?? null,
    key: who?.key ?? null,
    user: (typeof body?.user === 'string' ? body.user : null) ?? record.metadata.user ?? null,
    status: outcome(end.error, end.cancelled).status,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cacheReadTokens: usage?.cacheReadTokens ?? 0,
    cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
    reasoningTokens: usage?.reasoningTokens ?? 0,
    costMicros: null,
  };
}
