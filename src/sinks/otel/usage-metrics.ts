import { ValueType, type Attributes, type Counter, type Histogram, type Meter } from '@opentelemetry/api';
import type { UsageEvent } from '../../events/usage-event.js';
import { genAiAttributes, genAiErrorType, hasUsage } from './gen-ai-attributes.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOKEN_TYPE,
  DURATION_BUCKETS,
  GEN_AI_TOKEN_TYPE_INPUT,
  GEN_AI_TOKEN_TYPE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  TOKEN_USAGE_BUCKETS,
} from './gen-ai-semconv.js';
import type { OtelSettings } from './otel-sink-options.js';
import {
  ATTR_TOLLGATE_INTEGRATION,
  ATTR_TOLLGATE_KEY,
  ATTR_TOLLGATE_STATUS,
  ATTR_TOLLGATE_WORKSPACE,
  METRIC_TOLLGATE_COST,
  METRIC_TOLLGATE_REQUESTS,
} from './tollgate-attributes.js';

/**
 * The sink's instruments on one meter, and how a usage event is recorded on them.
 *
 * Attributes are bounded: the GenAI ones the conventions list (operation, provider, request and
 * response model, `error.type`), the workspace and integration (bounded by the config: a gateway's
 * point is spend by team), the static `attributes` option; the counters add the key and the
 * outcome. Never a request id, a user or metadata: one series each would grow without end.
 */
export class UsageMetrics {
  readonly #tokenUsage: Histogram;
  readonly #duration: Histogram;
  readonly #timeToFirstChunk: Histogram;
  readonly #cost: Counter;
  readonly #requests: Counter;

  constructor(
    meter: Meter,
    private readonly settings: OtelSettings,
  ) {
    // The conventions recommend these boundaries; `advice` makes them the default, which a View can still override.
    this.#tokenUsage = meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
      description: 'Number of input and output tokens used.',
      unit: '{token}',
      valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: [...TOKEN_USAGE_BUCKETS] },
    });
    this.#duration = meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
      description: 'GenAI operation duration.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.#timeToFirstChunk = meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK, {
      description: 'Time to receive the first chunk, measured from when the client issues the generation request to when the first chunk is received in the response stream.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.#cost = meter.createCounter(METRIC_TOLLGATE_COST, {
      description: 'Cost of gateway calls in USD, as budgets count it (the price of the usage, rounded up to the micro-dollar per call).',
      unit: 'USD',
    });
    this.#requests = meter.createCounter(METRIC_TOLLGATE_REQUESTS, {
      description: 'Gateway calls, by outcome (tollgate.status) and error (error.type).',
      unit: '{request}',
      valueType: ValueType.INT,
    });
  }

  record(event: UsageEvent): void {
    // Neither the token usage nor the time to first chunk list `error.type` among their attributes.
    const base: Attributes = { ...this.settings.attributes, ...genAiAttributes(event, this.settings.providerNames) };
    if (event.workspace !== null) base[ATTR_TOLLGATE_WORKSPACE] = event.workspace;
    if (event.integration !== null) base[ATTR_TOLLGATE_INTEGRATION] = event.integration;
    const errorType = genAiErrorType(event);
    const withError: Attributes = errorType === null ? base : { ...base, [ATTR_ERROR_TYPE]: errorType };

    this.#duration.record(event.latencyMs / 1000, withError);
    if (hasUsage(event)) {
      this.#tokenUsage.record(event.usage.inputTokens, { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_INPUT });
      // Embeddings have no output tokens to report.
      if (event.operation === 'chat') this.#tokenUsage.record(event.usage.outputTokens, { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_OUTPUT });
    }
    // Streaming calls only, as the conventions ask (a non-streaming call has no first chunk).
    if (event.stream && event.ttftMs !== null) this.#timeToFirstChunk.record(event.ttftMs / 1000, base);

    const byKey: Attributes = event.key === null ? withError : { ...withError, [ATTR_TOLLGATE_KEY]: event.key };
    this.#requests.add(1, { ...byKey, [ATTR_TOLLGATE_STATUS]: event.status });
    // Unpriced calls (cost null) and free ones add nothing: a zero would only open a series. A
    // failed call can still cost (a stream cut after some output), under its error.type.
    if (event.cost !== null && event.cost > 0) this.#cost.add(event.cost, byKey);
  }
}
