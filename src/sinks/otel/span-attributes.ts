import type { Attributes } from '@opentelemetry/api';
import type { UsageEvent } from '../../events/usage-event.js';
import { genAiAttributes, genAiErrorType, hasUsage } from './gen-ai-attributes.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from './gen-ai-semconv.js';
import type { OtelSettings } from './otel-sink-options.js';
import * as T from './tollgate-attributes.js';

/**
 * Every attribute of a call's span: the GenAI conventions' first, then tollgate's. Never the
 * content of the call (the usage event carries none), never credentials (idem), the end user only
 * if `settings.user`, metadata only for the keys in `settings.metadata`. Nulls are left out
 * (OpenTelemetry drops them with a warning).
 */
export function spanAttributes(event: UsageEvent, settings: OtelSettings): Attributes {
  const a: Attributes = { ...settings.attributes, ...genAiAttributes(event, settings.providerNames) };
  const chat = event.operation === 'chat';
  const errorType = genAiErrorType(event);
  if (errorType !== null) a[ATTR_ERROR_TYPE] = errorType;

  if (event.maxTokens !== null) a[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = event.maxTokens;
  // "If and only if the request is streaming": a non-streaming call leaves it unset.
  if (event.stream) a[ATTR_GEN_AI_REQUEST_STREAM] = true;
  if (event.finishReason !== null) a[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = [event.finishReason];
  if (event.stream && event.ttftMs !== null) a[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = event.ttftMs / 1000;
  if (hasUsage(event)) {
    const u = event.usage;
    a[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = u.inputTokens;
    // Embeddings produce vectors, not tokens: their conventions define input tokens only.
    if (chat) a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = u.outputTokens;
    // The parts are "recommended when applicable": set when the provider reported some.
    if (u.cacheReadTokens > 0) a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = u.cacheReadTokens;
    if (u.cacheWriteTokens > 0) a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = u.cacheWriteTokens;
    if (u.reasoningTokens > 0) a[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = u.reasoningTokens;
    a[T.ATTR_TOLLGATE_USAGE_ESTIMATED] = u.estimated;
  }

  a[T.ATTR_TOLLGATE_REQUEST_ID] = event.requestId;
  if (event.requestedModel !== null) a[T.ATTR_TOLLGATE_REQUESTED_MODEL] = event.requestedModel;
  if (event.workspace !== null) a[T.ATTR_TOLLGATE_WORKSPACE] = event.workspace;
  if (event.integration !== null) a[T.ATTR_TOLLGATE_INTEGRATION] = event.integration;
  if (event.provider !== null) a[T.ATTR_TOLLGATE_PROVIDER] = event.provider;
  if (event.key !== null) a[T.ATTR_TOLLGATE_KEY] = event.key;
  if (settings.user && event.user !== null) a[T.ATTR_TOLLGATE_USER] = event.user;
  for (const key of settings.metadata) {
    const value = event.metadata[key];
    if (value !== undefined) a[T.ATTR_TOLLGATE_METADATA_PREFIX + key] = value;
  }

  a[T.ATTR_TOLLGATE_STATUS] = event.status;
  a[T.ATTR_TOLLGATE_HTTP_STATUS] = event.httpStatus;
  if (event.upstreamStatus !== null) a[T.ATTR_TOLLGATE_UPSTREAM_STATUS] = event.upstreamStatus;
  if (event.providerRequestId !== null) a[T.ATTR_TOLLGATE_PROVIDER_REQUEST_ID] = event.providerRequestId;
  const refused = event.limits.find((l) => l.refused);
  if (refused) a[T.ATTR_TOLLGATE_REFUSED_SCOPE] = refused.scope;
  if (event.warnings.length > 0) a[T.ATTR_TOLLGATE_WARNINGS] = event.warnings.slice();

  a[T.ATTR_TOLLGATE_RETRIES] = event.retries;
  a[T.ATTR_TOLLGATE_FALLBACK_INDEX] = event.fallbackIndex;
  if (event.cost !== null) a[T.ATTR_TOLLGATE_COST_USD] = event.cost;
  if (event.priceSource !== null) a[T.ATTR_TOLLGATE_PRICE_SOURCE] = event.priceSource;

  a[T.ATTR_TOLLGATE_MESSAGE_COUNT] = event.messageCount;
  if (chat) {
    a[T.ATTR_TOLLGATE_TOOL_COUNT] = event.toolCount;
    a[T.ATTR_TOLLGATE_TOOL_CALL_COUNT] = event.toolCallCount;
  }
  a[T.ATTR_TOLLGATE_UPSTREAM_MS] = event.upstreamMs;
  a[T.ATTR_TOLLGATE_RETRY_WAIT_MS] = event.retryWaitMs;
  a[T.ATTR_TOLLGATE_ADMISSION_MS] = event.admissionMs;
  a[T.ATTR_TOLLGATE_OVERHEAD_MS] = event.overheadMs;
  return a;
}
