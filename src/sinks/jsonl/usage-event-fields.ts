import type { UsageEvent } from '../../events/usage-event.js';

/** A top-level field of the usage event, as `fields` and `omit` name them. */
export type UsageEventField = keyof UsageEvent;

// A Record rather than an array so that the compiler fails here when a field is added to
// `UsageEvent` and not listed: `fields` and `omit` would otherwise reject a valid name.
const FIELDS: Record<UsageEventField, true> = {
  schemaVersion: true,
  requestId: true,
  traceId: true,
  spanId: true,
  parentSpanId: true,
  operation: true,
  workspace: true,
  integration: true,
  provider: true,
  key: true,
  user: true,
  metadata: true,
  requestedModel: true,
  model: true,
  servedModel: true,
  stream: true,
  maxTokens: true,
  messageCount: true,
  toolCount: true,
  toolCallCount: true,
  fallbackIndex: true,
  attempts: true,
  retries: true,
  usage: true,
  rawUsage: true,
  cost: true,
  costMicros: true,
  costBreakdown: true,
  priceSource: true,
  providerCost: true,
  startedAt: true,
  endedAt: true,
  latencyMs: true,
  ttftMs: true,
  upstreamMs: true,
  retryWaitMs: true,
  admissionMs: true,
  waitedMs: true,
  overheadMs: true,
  status: true,
  httpStatus: true,
  errorCode: true,
  errorMessage: true,
  upstreamStatus: true,
  finishReason: true,
  providerRequestId: true,
  warnings: true,
  limits: true,
};

/** Every top-level field of the usage event, in the event's order. */
export const USAGE_EVENT_FIELDS: readonly UsageEventField[] = Object.freeze(Object.keys(FIELDS) as UsageEventField[]);

export const isUsageEventField = (name: string): name is UsageEventField => Object.hasOwn(FIELDS, name);
