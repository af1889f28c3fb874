import { ConfigError } from '../../errors/config-error.js';
import { z } from 'zod';
import type { SinkCap } from '../../events/sink.js';
import { DEFAULT_DURATION_BUCKETS, DEFAULT_TTFT_BUCKETS } from './default-buckets.js';

/** The labels taken from a call's identity; every one of them is capped (`maxLabelValues`). */
export const PROMETHEUS_LABELS = Object.freeze(['workspace', 'integration', 'provider', 'model', 'key', 'user'] as const);

export type PrometheusLabel = (typeof PROMETHEUS_LABELS)[number];

/** `key` and `user` are left out: there may be one per application or end user, too many for series. */
const DEFAULT_LABELS: readonly PrometheusLabel[] = Object.freeze(['workspace', 'integration', 'provider', 'model']);

const DEFAULT_MAX_LABEL_VALUES = 100;

export interface PrometheusSinkOptions {
  /**
   * Prepended to every metric name; include the trailing underscore. Letters, digits and
   * underscores. Default `tollgate_`.
   * @example prometheusSink(registry, { prefix: 'llm_gateway_' }) // llm_gateway_requests_total, ...
   */
  prefix?: string;
  /**
   * The identity labels on the metrics, from the call's usage event. `key` (the gateway key's
   * id) and `user` (the request's end user) are off by default: turn them on only when there are
   * few of them. Default `['workspace', 'integration', 'provider', 'model']`.
   * @example prometheusSink(registry, { labels: ['workspace', 'model', 'key'] })
   */
  labels?: readonly PrometheusLabel[];
  /**
   * The most distinct values kept per label, for the life of the process: later values are
   * reported as `__other__` and counted in `tollgate_label_overflow_total{label}`. A number for
   * every label, or one per label (unlisted labels keep the default). Also caps the error `code`
   * label. Default 100.
   * @example prometheusSink(registry, { labels: [...], maxLabelValues: { user: 500, model: 50 } })
   */
  maxLabelValues?: number | Partial<Record<PrometheusLabel, number>>;
  /**
   * Histogram buckets in seconds, in increasing order. Defaults: `DEFAULT_DURATION_BUCKETS`
   * (10 ms to about 5.5 minutes) and `DEFAULT_TTFT_BUCKETS` (1 ms to 80 s).
   * @example prometheusSink(registry, { buckets: { duration: [0.5, 1, 2, 5, 10, 30, 60, 120] } })
   */
  buckets?: { duration?: readonly number[]; ttft?: readonly number[] };
  /** Name in `gateway.stats()` and `sink.error` events. Default `prometheus`. */
  name?: string;
  /**
   * At most this many usage events per UTC period; the rest are not counted (see
   * `gateway.stats()`'s `capped`). Counters then undercount: leave it unset unless you mean it.
   * Default: no cap.
   */
  cap?: SinkCap;
  /** Events this sink may have waiting. Default: the gateway's `events.queueSize`. */
  queueSize?: number;
  /** Events per `write`. Default: the gateway's `events.batchSize`. */
  batchSize?: number;
  /** A `write` that takes longer is abandoned. Default: the gateway's `events.sinkTimeoutMs`. */
  timeoutMs?: number;
  /**
   * Not supported: a Prometheus counter must count every call, and a sampled one is wrong on
   * every series (sums, rates, histograms). Passing it throws.
   */
  sampling?: never;
}

/** The options once validated, defaults applied. */
export interface ResolvedPrometheusSinkOptions {
  prefix: string;
  labels: readonly PrometheusLabel[];
  /** The cap of each capped label: the identity labels and `code`. */
  maxLabelValues: Readonly<Record<PrometheusLabel | 'code', number>>;
  buckets: { duration: number[]; ttft: number[] };
  name: string;
  delivery: { cap?: SinkCap; queueSize?: number; batchSize?: number; timeoutMs?: number };
}

const positiveInt = z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(1, { error: 'must be at least 1' });

const bucketList = z
  .array(z.number({ error: 'must be a number' }).positive({ error: 'must be a positive number of seconds' }).finite({ error: 'must be finite' }))
  .min(1, { error: 'must have at least one bucket' })
  .refine((list) => list.every((b, i) => i === 0 || b > list[i - 1]!), { error: 'must be in increasing order, without repeats' });

const perLabelCaps = z.strictObject(Object.fromEntries(PROMETHEUS_LABELS.map((label) => [label, positiveInt.optional()])));

const labelSchema = z.enum(PROMETHEUS_LABELS, { error: `must be one of ${PROMETHEUS_LABELS.join(', ')}` });

const optionsSchema = z.strictObject({
  // Colons are left out: Prometheus reserves them for recording rules.
  prefix: z
    .string({ error: 'must be a string' })
    .regex(/^(?:[a-zA-Z_][a-zA-Z0-9_]*)?$/, { error: 'must be letters, digits and underscores, not starting with a digit (e.g. "tollgate_")' })
    .optional(),
  labels: z
    .array(labelSchema, { error: 'must be an array of label names' })
    .refine((list) => new Set(list).size === list.length, { error: 'must not repeat a label' })
    .optional(),
  maxLabelValues: z
    .custom<NonNullable<PrometheusSinkOptions['maxLabelValues']>>()
    .superRefine((value, ctx) => {
      // Chosen by shape rather than z.union, whose error for a bad object would be a bare "Invalid input".
      const result = (typeof value === 'object' && value !== null ? perLabelCaps : positiveInt).safeParse(value);
      if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    })
    .optional(),
  buckets: z.strictObject({ duration: bucketList.optional(), ttft: bucketList.optional() }).optional(),
  name: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).optional(),
  cap: z.strictObject({ events: positiveInt, per: z.enum(['minute', 'hour', 'day', 'month'], { error: 'must be minute, hour, day or month' }) }).optional(),
  queueSize: positiveInt.optional(),
  batchSize: positiveInt.optional(),
  timeoutMs: positiveInt.optional(),
  sampling: z
    .never({
      error:
        'is not supported by the Prometheus sink: its counters must count every call (a sampled counter is wrong on every series); sample the other sinks instead',
    })
    .optional(),
});

/** `['buckets', 'duration', 2]` -> `options.buckets.duration[2]`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), 'options');
}

/**
 * Validates the options and applies the defaults. Throws a `ConfigError` listing every problem
 * with its path (zod's message only: never the value received).
 */
export function resolvePrometheusSinkOptions(options: unknown): ResolvedPrometheusSinkOptions {
  const parsed = optionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
    throw new ConfigError(issues, 'Invalid prometheusSink options');
  }
  const o = parsed.data;
  const max = o.maxLabelValues;
  const capOf = (label: PrometheusLabel) => (typeof max === 'number' ? max : (max?.[label] ?? DEFAULT_MAX_LABEL_VALUES));
  const delivery: ResolvedPrometheusSinkOptions['delivery'] = {};
  if (o.cap !== undefined) delivery.cap = o.cap;
  if (o.queueSize !== undefined) delivery.queueSize = o.queueSize;
  if (o.batchSize !== undefined) delivery.batchSize = o.batchSize;
  if (o.timeoutMs !== undefined) delivery.timeoutMs = o.timeoutMs;
  return {
    prefix: o.prefix ?? 'tollgate_',
    labels: o.labels ?? DEFAULT_LABELS,
    maxLabelValues: {
      workspace: capOf('workspace'),
      integration: capOf('integration'),
      provider: capOf('provider'),
      model: capOf('model'),
      key: capOf('key'),
      user: capOf('user'),
      // Error codes come from a closed set; the cap only guards against custom ones.
      code: typeof max === 'number' ? max : DEFAULT_MAX_LABEL_VALUES,
    },
    buckets: { duration: [...(o.buckets?.duration ?? DEFAULT_DURATION_BUCKETS)], ttft: [...(o.buckets?.ttft ?? DEFAULT_TTFT_BUCKETS)] },
    name: o.name ?? 'prometheus',
    delivery,
  };
}
