/**
 * The OpenTelemetry semantic conventions for generative AI that the sink follows: the names,
 * well-known values and recommended bucket boundaries of semantic-conventions v1.41.0, the last
 * release that published them (they have since moved to `open-telemetry/semantic-conventions-genai`,
 * which has no release yet and is renaming the client metrics). The conventions ask existing
 * instrumentations not to change the version they emit by default, so the sink pins this one.
 *
 * Copied rather than imported from `@opentelemetry/semantic-conventions/incubating`: that package
 * changes unstable names in minor releases and recommends copying them (and it is not a
 * dependency of tollgate).
 *
 * Sources: open-telemetry/semantic-conventions `docs/gen-ai/gen-ai-spans.md`,
 * `docs/gen-ai/gen-ai-metrics.md`, `model/gen-ai/registry.yaml` (v1.41.0);
 * https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ and `gen-ai-metrics/`.
 */

// Attributes.
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/**
 * Replaces `gen_ai.system`, deprecated since v1.37.0 (`renamed_to: gen_ai.provider.name` in
 * `model/gen-ai/deprecated/registry-deprecated.yaml`), with the same well-known values. Only the
 * new name is emitted: both would add a redundant attribute to every span and metric series for
 * a name on its way out; a backend that still reads `gen_ai.system` can get a copy from a
 * collector processor.
 */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
/** Set if and only if the request streamed. */
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
/** Seconds from issuing a streaming request to its first chunk. */
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
/** Every input token, cache reads and writes included (as tollgate counts `inputTokens`). */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** Part of the input tokens (the conventions say so too). */
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
/** Part of the input tokens. Renamed `gen_ai.usage.cache_write.input_tokens` after v1.41.0, unreleased. */
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
/** Part of the output tokens. */
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
/** Stable, from the general conventions: a low-cardinality class of error, set only on failures. */
export const ATTR_ERROR_TYPE = 'error.type';

// Well-known values.
export const GEN_AI_TOKEN_TYPE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_OUTPUT = 'output';
/** The fallback `error.type` when nothing better is known. */
export const ERROR_TYPE_OTHER = '_OTHER';

// Metrics (all histograms).
/** Unit `{token}`, one data point per token type (`input`, `output`). */
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
/** Unit `s`. Required by the conventions. */
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
/** Unit `s`. Reported for streaming calls only. */
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk';

/** The explicit bucket boundaries the conventions recommend for `gen_ai.client.token.usage`: powers of 4. */
export const TOKEN_USAGE_BUCKETS: readonly number[] = Object.freeze([
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]);

/**
 * The explicit bucket boundaries (seconds) the conventions recommend for
 * `gen_ai.client.operation.duration` and `gen_ai.client.operation.time_to_first_chunk`: 10 ms
 * doubling up to 81.92 s.
 */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);
