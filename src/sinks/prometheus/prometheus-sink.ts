import { ConfigError } from '../../errors/config-error.js';
import type { SinkObject } from '../../events/sink.js';
import type { UsageEvent } from '../../events/usage-event.js';
import { createMetrics, type PrometheusRegistry } from './create-metrics.js';
import { LabelLimiter } from './label-limiter.js';
import { resolvePrometheusSinkOptions, type PrometheusLabel, type PrometheusSinkOptions } from './prometheus-sink-options.js';
import { recordUsageEvent } from './record-usage-event.js';

/** The sink object `prometheusSink` returns: give it to `createGateway({ sinks: [...] })`. */
export interface PrometheusSink extends SinkObject {
  readonly name: string;
  write(events: UsageEvent[]): void;
}

/** Checked by shape rather than `instanceof`, which fails when the application has two copies of prom-client. */
function isRegistry(value: unknown): value is PrometheusRegistry {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.registerMetric === 'function' && typeof r.getSingleMetric === 'function' && typeof r.metrics === 'function';
}

/**
 * A sink that counts every call in Prometheus metrics registered on `registry`: calls by outcome,
 * tokens by type, cost in USD, errors by code, and histograms of the call duration and of the
 * time to first token. Labels drawn from user data are capped (`maxLabelValues`).
 *
 * Serve the registry yourself (`await registry.metrics()`, `registry.contentType`). One sink per
 * registry and prefix: a second one throws; to count several gateways together, give them the
 * same sink. Writing is synchronous and in memory, so the sink has nothing to flush or close.
 *
 * @example
 * const registry = new Registry();
 * const gateway = createGateway({ ..., sinks: [prometheusSink(registry)] });
 */
export function prometheusSink(registry: PrometheusRegistry, options: PrometheusSinkOptions = {}): PrometheusSink {
  if (!isRegistry(registry)) {
    throw new ConfigError(
      [{ path: 'registry', message: "must be a prom-client Registry (e.g. new Registry(), or prom-client's `register`)" }],
      'Invalid prometheusSink(registry)',
    );
  }
  const resolved = resolvePrometheusSinkOptions(options);
  const metrics = createMetrics(registry, resolved);
  const capped: Array<PrometheusLabel | 'code'> = [...resolved.labels, 'code'];
  // Zero series for every capped label, so that increase() sees the first overflow.
  for (const label of capped) metrics.labelOverflow.inc({ label }, 0);
  const limiter = new LabelLimiter(resolved.maxLabelValues, (label) => metrics.labelOverflow.inc({ label }));
  const labels = resolved.labels;
  return {
    name: resolved.name,
    ...resolved.delivery,
    write(events) {
      for (const event of events) recordUsageEvent(metrics, limiter, labels, event);
    },
  };
}
