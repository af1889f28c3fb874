import type { UsageEvent, UsageTokens } from '../../events/usage-event.js';
import type { SinkMetrics } from './create-metrics.js';
import type { LabelLimiter } from './label-limiter.js';
import type { PrometheusLabel } from './prometheus-sink-options.js';

type CappedLabel = PrometheusLabel | 'code';

/**
 * The usage split into parts that do not overlap, so that summing `tokens_total` over `type` is
 * meaningful (Prometheus's rule for a label): the event's input includes the cache reads and
 * writes, and its output includes the reasoning. `input` is thus the same part as
 * `costBreakdown.input`. Clamped at zero against a provider reporting a part larger than its whole.
 */
function tokenParts(usage: UsageTokens): Array<[type: string, tokens: number]> {
  const uncached = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
  const answer = Math.max(0, usage.outputTokens - usage.reasoningTokens);
  return [
    ['input', uncached],
    ['cache_read', usage.cacheReadTokens],
    ['cache_write', usage.cacheWriteTokens],
    ['output', answer],
    ['reasoning', usage.reasoningTokens],
  ];
}

/** Only positive, finite amounts are added: prom-client throws on a negative or NaN increment. */
const positive = (n: number) => Number.isFinite(n) && n > 0;

/**
 * Adds one usage event to the metrics. Every label value drawn from user data goes through the
 * limiter once per event, so that all metrics agree on which values are kept and an overflow is
 * counted once per call and label.
 */
export function recordUsageEvent(metrics: SinkMetrics, limiter: LabelLimiter<CappedLabel>, labels: readonly PrometheusLabel[], event: UsageEvent): void {
  const identity: Record<string, string> = { operation: event.operation };
  for (const label of labels) identity[label] = limiter.value(label, event[label]);

  metrics.requests.inc({ ...identity, status: event.status });
  metrics.duration.observe({ ...identity, status: event.status }, event.latencyMs / 1000);
  if (event.ttftMs !== null) metrics.ttft.observe(identity, event.ttftMs / 1000);

  for (const [type, tokens] of tokenParts(event.usage)) if (positive(tokens)) metrics.tokens.inc({ ...identity, type }, tokens);

  // A priced call adds its cost even when it is 0 (a failure), so that the series exists.
  if (event.cost !== null && Number.isFinite(event.cost) && event.cost >= 0) metrics.cost.inc(identity, event.cost);
  else if (event.cost === null && event.usage.totalTokens > 0) metrics.unpriced.inc(identity);

  if (event.status !== 'success') {
    metrics.errors.inc({
      ...identity,
      code: limiter.value('code', event.errorCode),
      upstream_status: event.upstreamStatus === null ? '' : String(event.upstreamStatus),
    });
  }
}
