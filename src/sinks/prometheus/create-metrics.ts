import { ConfigError } from '../../errors/config-error.js';
import { Counter, Histogram, type OpenMetricsContentType, type PrometheusContentType, type Registry } from 'prom-client';
import type { PrometheusLabel, ResolvedPrometheusSinkOptions } from './prometheus-sink-options.js';

/** A prom-client registry of either exposition format. */
export type PrometheusRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/** The metrics of one sink, all on its registry. */
export interface SinkMetrics {
  requests: Counter<string>;
  tokens: Counter<string>;
  cost: Counter<string>;
  unpriced: Counter<string>;
  errors: Counter<string>;
  duration: Histogram<string>;
  ttft: Histogram<string>;
  labelOverflow: Counter<'label'>;
}

/** Metric names without the prefix; `_total` on counters and base units, as Prometheus names them. */
const NAMES = {
  requests: 'requests_total',
  tokens: 'tokens_total',
  cost: 'cost_usd_total',
  unpriced: 'unpriced_requests_total',
  errors: 'errors_total',
  duration: 'request_duration_seconds',
  ttft: 'time_to_first_token_seconds',
  labelOverflow: 'label_overflow_total',
} as const satisfies Record<keyof SinkMetrics, string>;

/**
 * Creates the sink's metrics on `registry`. Every name is checked before any is registered: if
 * one is taken (prom-client throws on a duplicate name), the registry is left as it was and the
 * error says what to do instead.
 */
export function createMetrics(registry: PrometheusRegistry, options: ResolvedPrometheusSinkOptions): SinkMetrics {
  const { prefix, labels, buckets } = options;
  const taken = Object.values(NAMES)
    .map((name) => prefix + name)
    .filter((name) => registry.getSingleMetric(name) !== undefined);
  if (taken.length > 0) {
    throw new ConfigError(
      [
        {
          path: 'registry',
          message:
            `already has ${taken.join(', ')} (another prometheusSink with prefix "${prefix}"?). ` +
            'Create one sink per registry and prefix, and give that same sink to every gateway that should count into it; ' +
            'or give this sink another `prefix` or its own registry (Registry.merge exposes several on one endpoint).',
        },
      ],
      'Invalid prometheusSink(registry)',
    );
  }
  const registers = [registry];
  const identity = [...labels, 'operation'] satisfies Array<PrometheusLabel | 'operation'>;
  return {
    requests: new Counter({
      name: prefix + NAMES.requests,
      help: 'Gateway calls (chat and embeddings), by outcome: success, rejected (refused by the gateway), error, aborted.',
      labelNames: [...identity, 'status'],
      registers,
    }),
    tokens: new Counter({
      name: prefix + NAMES.tokens,
      help:
        'Tokens used, by disjoint type: input (not read from or written to the prompt cache), cache_read, cache_write, ' +
        'output (not spent reasoning), reasoning. Summed over type: every token of the calls.',
      labelNames: [...identity, 'type'],
      registers,
    }),
    cost: new Counter({
      name: prefix + NAMES.cost,
      help: 'Cost of the calls in USD, as budgets count it (each call rounded up to the micro-dollar). Calls on unpriced models add nothing.',
      labelNames: identity,
      registers,
    }),
    unpriced: new Counter({
      name: prefix + NAMES.unpriced,
      help: 'Calls that used tokens on a model without a known price: their cost is missing from cost_usd_total.',
      labelNames: identity,
      registers,
    }),
    errors: new Counter({
      name: prefix + NAMES.errors,
      help: 'Calls that did not succeed, by error code (e.g. rate_limit_exceeded, provider_error) and the provider HTTP status ("" when none).',
      labelNames: [...identity, 'code', 'upstream_status'],
      registers,
    }),
    duration: new Histogram({
      name: prefix + NAMES.duration,
      help: 'Time in the gateway per call, from entry to the end of the answer (for a stream: its last chunk), in seconds.',
      labelNames: [...identity, 'status'],
      buckets: buckets.duration,
      registers,
    }),
    ttft: new Histogram({
      name: prefix + NAMES.ttft,
      help: 'Time to the first content chunk of a streamed call, in seconds. Streams only.',
      labelNames: identity,
      buckets: buckets.ttft,
      registers,
    }),
    labelOverflow: new Counter({
      name: prefix + NAMES.labelOverflow,
      help: 'Calls whose label value was reported as __other__: the label had reached maxLabelValues distinct values (or the value was too long).',
      labelNames: ['label'],
      registers,
    }),
  };
}
