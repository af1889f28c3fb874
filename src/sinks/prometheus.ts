export { prometheusSink, type PrometheusSink } from './prometheus/prometheus-sink.js';
export type { PrometheusRegistry } from './prometheus/create-metrics.js';
export { PROMETHEUS_LABELS, type PrometheusLabel, type PrometheusSinkOptions } from './prometheus/prometheus-sink-options.js';
export { DEFAULT_DURATION_BUCKETS, DEFAULT_TTFT_BUCKETS } from './prometheus/default-buckets.js';
export { OTHER_LABEL_VALUE } from './prometheus/label-limiter.js';
