import type { Attributes, AttributeValue, MeterProvider, TracerProvider } from '@opentelemetry/api';
import { z } from 'zod';
import { toConfigIssues } from '../../errors/format-issues.js';
import { ConfigError } from '../../errors/config-error.js';
import type { SinkObject } from '../../events/sink.js';

/**
 * Options of {@link otelSink}. Every one is optional. The delivery options of a sink object
 * (`sampling`, `cap`, `queueSize`, `batchSize`, `timeoutMs`) apply as to any sink, except that
 * `sampling` requires `metrics: false`: metrics must count every call.
 */
export interface OtelSinkOptions extends Pick<SinkObject, 'sampling' | 'cap' | 'queueSize' | 'batchSize' | 'timeoutMs'> {
  /**
   * Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`), read at each
   * batch, so a provider registered after the gateway was created is still used.
   * @example tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
   */
  tracerProvider?: TracerProvider;
  /**
   * Where metrics go. Default: the global meter provider (`metrics.getMeterProvider()`), read at each
   * batch (the metrics API has no proxy: a provider registered later is picked up then).
   * @example meterProvider: new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter })] })
   */
  meterProvider?: MeterProvider;
  /** Name in `gateway.stats()` and `sink.error` events. Default: `'otel'`. */
  name?: string;
  /** Record one span per call. Default: true. */
  spans?: boolean;
  /** Record the metrics (token usage, duration, time to first chunk, cost, requests). Default: true. */
  metrics?: boolean;
  /**
   * Static attributes added to every span and every metric data point (keep them few and bounded).
   * Names under `gen_ai.`, `tollgate.` and `error.type` are the sink's own and are refused.
   * Default: none.
   * @example attributes: { 'deployment.environment.name': 'production' }
   */
  attributes?: Attributes;
  /**
   * Record the end user (the request's `user`, else `metadata.user`) as `tollgate.user` on spans.
   * It may be personal data (an email address): turn it off if your traces must not hold any.
   * Never a metric attribute (unbounded). Default: true.
   */
  user?: boolean;
  /**
   * Metadata labels recorded on spans as `tollgate.metadata.<key>`. Metadata is the caller's and may
   * hold anything, so none is recorded unless listed here. Never metric attributes. Default: `[]`.
   * @example metadata: ['feature', 'tenant']
   */
  metadata?: readonly string[];
  /**
   * `gen_ai.provider.name` per integration slug, for integrations whose provider the sink cannot
   * name: an `openai-compatible` integration is reported as `openai_compatible` unless named here.
   * Default: the well-known value of the integration's provider.
   * @example providerNames: { 'groq-prod': 'groq', 'deepseek': 'deepseek' }
   */
  providerNames?: Readonly<Record<string, string>>;
}

/** The options once validated, with their defaults. */
export interface OtelSettings {
  tracerProvider: TracerProvider | null;
  meterProvider: MeterProvider | null;
  name: string;
  spans: boolean;
  metrics: boolean;
  attributes: Attributes;
  user: boolean;
  metadata: readonly string[];
  providerNames: Readonly<Record<string, string>>;
  delivery: Pick<SinkObject, 'sampling' | 'cap' | 'queueSize' | 'batchSize' | 'timeoutMs'>;
}

const hasMethod = (name: string) => (value: unknown) =>
  typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[name] === 'function';

const RESERVED_ATTRIBUTE = /^(?:gen_ai\.|tollgate\.|error\.type$)/;

// An OpenTelemetry attribute value: a primitive or a homogeneous array of one.
const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.array(z.number()), z.array(z.boolean())], {
  error: 'must be a string, a number, a boolean, or an array of one of these',
}) satisfies z.ZodType<AttributeValue>;

const positiveInt = z.number().int().positive();

const optionsSchema = z
  .strictObject({
    tracerProvider: z.custom<TracerProvider>(hasMethod('getTracer'), 'must be an OpenTelemetry TracerProvider (an object with getTracer())').optional(),
    meterProvider: z.custom<MeterProvider>(hasMethod('getMeter'), 'must be an OpenTelemetry MeterProvider (an object with getMeter())').optional(),
    name: z.string().min(1).optional(),
    spans: z.boolean().optional(),
    metrics: z.boolean().optional(),
    attributes: z
      .record(z.string().min(1), attributeValue)
      .superRefine((attributes, ctx) => {
        for (const key of Object.keys(attributes)) {
          if (RESERVED_ATTRIBUTE.test(key)) {
            ctx.addIssue({ code: 'custom', path: [key], message: `'${key}' is reserved: the sink sets gen_ai.*, tollgate.* and error.type itself` });
          }
        }
      })
      .optional(),
    user: z.boolean().optional(),
    metadata: z.array(z.string().min(1)).optional(),
    providerNames: z.record(z.string().min(1), z.string().min(1)).optional(),
    // The same checks as the gateway's, so that a mistake shows where the sink is built.
    sampling: z.strictObject({ rate: z.number().min(0).max(1), keepFailures: z.boolean().optional() }).optional(),
    cap: z.strictObject({ events: positiveInt, per: z.enum(['minute', 'hour', 'day', 'month']) }).optional(),
    queueSize: positiveInt.optional(),
    batchSize: positiveInt.optional(),
    timeoutMs: positiveInt.optional(),
  })
  .refine((o) => o.spans !== false || o.metrics !== false, {
    path: ['metrics'],
    message: 'spans and metrics are both false: the sink would record nothing',
  })
  // Metrics must count every call: sampled, every counter, sum and histogram would be wrong
  // (as the Prometheus sink, which refuses sampling outright). Spans sample fine.
  .refine((o) => o.sampling === undefined || o.metrics === false, {
    path: ['sampling'],
    message:
      'would make the metrics count a share of the calls: sample spans with otelSink({ sampling, metrics: false }) and record metrics with a second otelSink({ spans: false })',
  });

/**
 * Validates the options, throwing one `ConfigError` that names every bad field (its `issues`
 * carry the paths). The providers are checked, never copied: they are the user's objects.
 */
export function parseOtelSinkOptions(options: unknown): OtelSettings {
  const parsed = optionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw new ConfigError(toConfigIssues(parsed.error), 'Invalid otelSink options');
  const o = parsed.data;
  const delivery: OtelSettings['delivery'] = {};
  if (o.sampling !== undefined) delivery.sampling = o.sampling;
  if (o.cap !== undefined) delivery.cap = o.cap;
  if (o.queueSize !== undefined) delivery.queueSize = o.queueSize;
  if (o.batchSize !== undefined) delivery.batchSize = o.batchSize;
  if (o.timeoutMs !== undefined) delivery.timeoutMs = o.timeoutMs;
  return {
    tracerProvider: o.tracerProvider ?? null,
    meterProvider: o.meterProvider ?? null,
    name: o.name ?? 'otel',
    spans: o.spans ?? true,
    metrics: o.metrics ?? true,
    attributes: Object.freeze({ ...o.attributes }),
    user: o.user ?? true,
    metadata: Object.freeze([...(o.metadata ?? [])]),
    providerNames: Object.freeze({ ...o.providerNames }),
    delivery,
  };
}
