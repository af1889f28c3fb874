/**
 * tollgate's own attributes, under the `tollgate.` namespace so that they can never collide with
 * a present or future semantic convention. Durations keep the usage event's milliseconds (and
 * its `…Ms` field names), so a span and a logged event read the same.
 */

export const ATTR_TOLLGATE_REQUEST_ID = 'tollgate.request_id';
/** The model as the caller named it (`@openai-prod/gpt-4o`); `gen_ai.request.model` is the provider's id. */
export const ATTR_TOLLGATE_REQUESTED_MODEL = 'tollgate.requested_model';
export const ATTR_TOLLGATE_WORKSPACE = 'tollgate.workspace';
export const ATTR_TOLLGATE_INTEGRATION = 'tollgate.integration';
/** tollgate's provider id (`openai-compatible`, `bedrock`, ...), before mapping to `gen_ai.provider.name`. */
export const ATTR_TOLLGATE_PROVIDER = 'tollgate.provider';
export const ATTR_TOLLGATE_KEY = 'tollgate.key';
export const ATTR_TOLLGATE_USER = 'tollgate.user';
/** `success`, `rejected`, `error` or `aborted`. */
export const ATTR_TOLLGATE_STATUS = 'tollgate.status';
export const ATTR_TOLLGATE_HTTP_STATUS = 'tollgate.http_status';
export const ATTR_TOLLGATE_UPSTREAM_STATUS = 'tollgate.upstream_status';
/** The provider's request id (OpenAI `x-request-id`), for support tickets. */
export const ATTR_TOLLGATE_PROVIDER_REQUEST_ID = 'tollgate.provider_request_id';
export const ATTR_TOLLGATE_RETRIES = 'tollgate.retries';
export const ATTR_TOLLGATE_FALLBACK_INDEX = 'tollgate.fallback_index';
export const ATTR_TOLLGATE_COST_USD = 'tollgate.cost_usd';
export const ATTR_TOLLGATE_PRICE_SOURCE = 'tollgate.price_source';
/** True when the provider did not report usage and the token counts are the gateway's estimates. */
export const ATTR_TOLLGATE_USAGE_ESTIMATED = 'tollgate.usage.estimated';
export const ATTR_TOLLGATE_MESSAGE_COUNT = 'tollgate.message_count';
export const ATTR_TOLLGATE_TOOL_COUNT = 'tollgate.tool_count';
export const ATTR_TOLLGATE_TOOL_CALL_COUNT = 'tollgate.tool_call_count';
export const ATTR_TOLLGATE_UPSTREAM_MS = 'tollgate.upstream_ms';
export const ATTR_TOLLGATE_RETRY_WAIT_MS = 'tollgate.retry_wait_ms';
export const ATTR_TOLLGATE_ADMISSION_MS = 'tollgate.admission_ms';
export const ATTR_TOLLGATE_OVERHEAD_MS = 'tollgate.overhead_ms';
/** The scope of the budget or rate limit that refused the call (`key:app-1`). */
export const ATTR_TOLLGATE_REFUSED_SCOPE = 'tollgate.refused_scope';
export const ATTR_TOLLGATE_WARNINGS = 'tollgate.warnings';
/** Prefix of the metadata labels the `metadata` option lets through: `tollgate.metadata.<key>`. */
export const ATTR_TOLLGATE_METADATA_PREFIX = 'tollgate.metadata.';

/** Counter, unit `USD`: what calls cost, as budgets count it. */
export const METRIC_TOLLGATE_COST = 'tollgate.cost';
/** Counter, unit `{request}`: calls by outcome (`tollgate.status`, `error.type`). */
export const METRIC_TOLLGATE_REQUESTS = 'tollgate.requests';
