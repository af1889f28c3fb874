import type { Attributes } from '@opentelemetry/api';
import type { UsageEvent } from '../../events/usage-event.js';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ERROR_TYPE_OTHER,
} from './gen-ai-semconv.js';
import { toGenAiProviderName } from './to-gen-ai-provider-name.js';

/**
 * tollgate's operations and their `gen_ai.operation.name`: both are well-known values, spelled
 * the same; the map keeps a future tollgate operation from passing through unchecked.
 */
const OPERATION_NAMES: Readonly<Record<UsageEvent['operation'], string>> = Object.freeze({
  chat: 'chat',
  embeddings: 'embeddings',
});

/** `gen_ai.operation.name` of a call (a custom value is allowed where none is well known). */
export function genAiOperationName(event: UsageEvent): string {
  return OPERATION_NAMES[event.operation] ?? event.operation;
}

/**
 * The attributes the conventions put on both the span and every metric of a call: operation,
 * provider, request and response model (`error.type`, which not every metric takes, is
 * {@link genAiErrorType}). Fields the gateway never learnt (a request refused before its target
 * was resolved) are left out rather than guessed.
 *
 * `gen_ai.request.model` is the provider's model id of the target that served (or failed last),
 * the name the request was made with; the caller's `@integration/model` is `tollgate.requested_model`.
 */
export function genAiAttributes(event: UsageEvent, providerNames: Readonly<Record<string, string>>): Attributes {
  const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: genAiOperationName(event) };
  if (event.provider !== null) attributes[ATTR_GEN_AI_PROVIDER_NAME] = toGenAiProviderName(event.provider, event.integration, providerNames);
  if (event.model !== null) attributes[ATTR_GEN_AI_REQUEST_MODEL] = event.model;
  if (event.servedModel !== null) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = event.servedModel;
  return attributes;
}

/**
 * `error.type` of a call that did not succeed: tollgate's stable error code (`rate_limit_exceeded`,
 * `budget_exceeded`, `provider_error`, `request_aborted`, ... the codes of docs/errors.md's
 * table), which is low-cardinality and documented, as the conventions ask. Every outcome but
 * `success` counts as an error, refusals and aborts included: the caller did not get an answer.
 */
export function genAiErrorType(event: UsageEvent): string | null {
  if (event.status === 'success') return null;
  return event.errorCode ?? ERROR_TYPE_OTHER;
}

/**
 * Whether the call has token usage worth reporting: a success (zero tokens included), or a failure
 * that used tokens (a stream cut in the middle). A refused call or a failed request used none:
 * reporting zeros would count calls as if they had been answered with nothing.
 */
export function hasUsage(event: UsageEvent): boolean {
  return event.status === 'success' || event.usage.totalTokens > 0;
}
