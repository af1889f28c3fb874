/**
 * Default buckets of `tollgate_request_duration_seconds`, in seconds: the boundaries the
 * OpenTelemetry GenAI semantic conventions set for `gen_ai.client.operation.duration` (10 ms
 * doubling to 81.92 s), extended by two more doublings because reasoning models and long streams
 * run for minutes. A superset of the convention's boundaries, so dashboards built for it still
 * line up.
 *
 * @example prometheusSink(registry, { buckets: { duration: [...DEFAULT_DURATION_BUCKETS, 655.36] } })
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68,
]);

/**
 * Default buckets of `tollgate_time_to_first_token_seconds`, in seconds: the boundaries of the
 * OpenTelemetry GenAI convention for `gen_ai.server.time_to_first_token` (1 ms to 10 s), extended
 * to 80 s because a reasoning model may think for a long time before its first token.
 */
export const DEFAULT_TTFT_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
]);
