import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Attributes, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * The real OpenTelemetry SDK with in-memory exporters: what the sink records is read back as an
 * exporter receives it. Metrics are exported only when flushed (the reader's interval is an hour),
 * so a test sees them after `gateway.flush()`, which must therefore force-flush the providers.
 */
export function otelHarness(options: { spanProcessor?: (exporter: InMemorySpanExporter) => SpanProcessor } = {}) {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [options.spanProcessor ? options.spanProcessor(spanExporter) : new SimpleSpanProcessor(spanExporter)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });

  /** The metrics of the last export (cumulative: everything recorded so far). */
  const exported = (): MetricData[] => metricExporter.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics) ?? [];

  return {
    tracerProvider,
    meterProvider,
    spans: (): ReadableSpan[] => spanExporter.getFinishedSpans(),
    metricNames: (): string[] => exported().map((m) => m.descriptor.name),
    metric: (name: string): MetricData | undefined => exported().find((m) => m.descriptor.name === name),
    /** The histogram data points of `name`, with their attributes, count, sum and bucket boundaries. */
    histogram(name: string): Array<{ attributes: Attributes; count: number; sum: number; boundaries: number[] }> {
      const metric = exported().find((m) => m.descriptor.name === name);
      if (!metric) return [];
      if (metric.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
      return (metric.dataPoints as Array<DataPoint<Histogram>>).map((p) => ({
        attributes: p.attributes,
        count: p.value.count,
        sum: p.value.sum ?? Number.NaN,
        boundaries: p.value.buckets.boundaries,
      }));
    },
    /** The sum data points of the counter `name`. */
    counter(name: string): Array<{ attributes: Attributes; value: number }> {
      const metric = exported().find((m) => m.descriptor.name === name);
      if (!metric) return [];
      if (metric.dataPointType !== DataPointType.SUM) throw new Error(`${name} is not a counter`);
      return (metric.dataPoints as Array<DataPoint<number>>).map((p) => ({ attributes: p.attributes, value: p.value }));
    },
    /** Every exported span and metric as JSON, to look for what must never be there. */
    everything: (): string => JSON.stringify({ spans: spanExporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, status: s.status })), metrics: exported() }),
    async shutdown(): Promise<void> {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

export type OtelHarness = ReturnType<typeof otelHarness>;

/** An HrTime in milliseconds (for durations: an epoch time in ms loses the sub-microsecond part to floats). */
export const hrMs = ([seconds, nanos]: readonly [number, number]): number => seconds * 1000 + nanos / 1e6;

/** `a - b` in milliseconds, exact to the nanosecond. */
export const hrDiffMs = (a: readonly [number, number], b: readonly [number, number]): number => (a[0] - b[0]) * 1000 + (a[1] - b[1]) / 1e6;

/**
 * The context manager a Node SDK installs, reduced to its core: the active context follows async
 * continuations (the one `@opentelemetry/context-async-hooks` provides, which is not installed here).
 */
export class AsyncLocalStorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(context, () => fn.call(thisArg, ...args));
  }
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    return ((...args: unknown[]) => this.with(context, () => (target as (...a: unknown[]) => unknown)(...args))) as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}
