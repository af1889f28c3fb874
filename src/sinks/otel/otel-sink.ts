import { metrics, trace, type MeterProvider, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { SinkDelivery, SinkObject } from '../../events/sink.js';
import type { UsageEvent } from '../../events/usage-event.js';
import { parseOtelSinkOptions, type OtelSinkOptions } from './otel-sink-options.js';
import { recordUsageSpan } from './record-usage-span.js';
import { UsageMetrics } from './usage-metrics.js';

/** The instrumentation scope of the sink's tracer and meter. */
const SCOPE = 'tollgate';

/** The sink `otelSink` returns: a `SinkObject` whose methods are always there. */
export interface OtelSink extends SinkObject {
  readonly name: string;
  write(events: UsageEvent[], delivery?: SinkDelivery): void;
  /** Force-flushes the tracer and meter providers the sink records into. */
  flush(): Promise<void>;
  /** Flushes, then records nothing more; the providers are left running (they are the application's). */
  close(): Promise<void>;
}

/**
 * A sink that turns usage events into OpenTelemetry spans and metrics, following the semantic
 * conventions for generative AI (v1.41.0): one CLIENT span per call, named
 * `{gen_ai.operation.name} {gen_ai.request.model}`, child of the caller's span when the call was
 * given a `traceparent`; the `gen_ai.client.token.usage`, `gen_ai.client.operation.duration` and
 * `gen_ai.client.operation.time_to_first_chunk` histograms with their recommended buckets; and
 * tollgate's `tollgate.cost` (USD) and `tollgate.requests` counters.
 *
 * Spans are created after the fact, from the event's start time and latency, so that the sink
 * stays off the request path like every sink. Nothing of a call's content is recorded (events
 * carry none), nor any credential (idem).
 *
 * @throws ConfigError naming every bad option.
 * @example
 * import { otelSink } from 'tollgate/sinks/otel';
 * const gateway = createGateway({ integrations, sinks: [otelSink({ tracerProvider, meterProvider })] });
 */
export function otelSink(options: OtelSinkOptions = {}): OtelSink {
  const settings = parseOtelSinkOptions(options);
  const spans = settings.spans ? new PerProvider(() => settings.tracerProvider ?? trace.getTracerProvider(), (p: TracerProvider) => p.getTracer(SCOPE)) : null;
  const meters = settings.metrics
    ? new PerProvider(() => settings.meterProvider ?? metrics.getMeterProvider(), (p: MeterProvider) => new UsageMetrics(p.getMeter(SCOPE), settings))
    : null;
  let closed = false;

  // Exporters batch: flushing the providers is what makes `gateway.flush()` mean "exported".
  const flush = async (): Promise<void> => {
    await Promise.all([spans && forceFlush(spans.provider()), meters && forceFlush(meters.provider())]);
  };

  return {
    name: settings.name,
    ...settings.delivery,
    write(events: UsageEvent[]): void {
      // The gateway drops what is pushed after close; a direct caller gets the same.
      if (closed) return;
      const tracer: Tracer | undefined = spans?.get();
      const instruments = meters?.get();
      for (const event of events) {
        if (tracer) recordUsageSpan(tracer, event, settings);
        instruments?.record(event);
      }
    },
    flush,
    // The providers are flushed, not shut down: they are the application's (the global ones serve
    // every library in the process), and a shut-down provider drops everything recorded after it.
    // Whoever created them shuts them down, after `gateway.close()`.
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await flush();
    },
  };
}

/**
 * What the sink builds from a provider (a tracer, the instruments), rebuilt when the provider
 * changes. The global providers are read at each batch rather than once: the metrics API has no
 * proxy, so a meter taken before the application registers its SDK would stay a no-op forever.
 */
class PerProvider<P, T> {
  #provider: P | undefined;
  #value: T | undefined;

  constructor(
    readonly provider: () => P,
    private readonly build: (provider: P) => T,
  ) {}

  get(): T {
    const provider = this.provider();
    if (provider !== this.#provider || this.#value === undefined) {
      this.#provider = provider;
      this.#value = this.build(provider);
    }
    return this.#value;
  }
}

/**
 * Calls the provider's `forceFlush` if it has one (the SDK's do; the API's no-op ones do not).
 * The global tracer provider is a proxy: its delegate is the SDK provider.
 */
async function forceFlush(provider: unknown): Promise<void> {
  const proxy = provider as { getDelegate?: () => unknown } | null;
  const target = (typeof proxy?.getDelegate === 'function' ? proxy.getDelegate() : provider) as { forceFlush?: () => Promise<void> } | null;
  if (typeof target?.forceFlush === 'function') await target.forceFlush();
}
