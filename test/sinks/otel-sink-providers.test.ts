// npm test: the OpenTelemetry SDK's in-memory exporters, in process; milliseconds.
import { metrics, trace } from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { otelSink } from '../../src/sinks/otel.js';
import { byWorkspace, request, useOtelGateways } from './otel-gateway.js';
import { otelHarness } from './otel-harness.js';

const setup = useOtelGateways();

/** A span processor that exports only when flushed (its schedule is an hour away). */
const batched = () => otelHarness({ spanProcessor: (exporter) => new BatchSpanProcessor(exporter, { scheduledDelayMillis: 3_600_000, maxExportBatchSize: 1_000 }) });

afterEach(() => {
  trace.disable();
  metrics.disable();
});

describe('otelSink: providers, flush and close', () => {
  it('gateway.flush() force-flushes the providers: batched spans and metrics are exported when it resolves', async () => {
    const { gateway, h } = setup({ harness: batched() });
    await gateway.chat(request);
    expect(h.spans()).toEqual([]);
    await gateway.flush();
    expect(h.spans().map((s) => s.name)).toEqual(['chat gpt-x']);
    expect(h.metricNames()).toContain('gen_ai.client.token.usage');
  });

  it('gateway.close() leaves the application\'s providers running: they are not the sink\'s to shut down', async () => {
    const { gateway, h } = setup();
    await gateway.chat(request);
    await gateway.close();
    expect(h.spans()).toHaveLength(1);

    // The application keeps tracing and measuring with the same providers.
    h.tracerProvider.getTracer('app').startSpan('after the gateway').end();
    h.meterProvider.getMeter('app').createCounter('app.jobs').add(1);
    await h.meterProvider.forceFlush();
    expect(h.spans().map((s) => s.name)).toEqual(['chat gpt-x', 'after the gateway']);
    expect(h.counter('app.jobs')).toEqual([{ attributes: {}, value: 1 }]);
  });

  it('a closed sink records nothing more', async () => {
    const { gateway, events } = setup();
    await gateway.chat(request);
    const h = otelHarness();
    const sink = otelSink({ tracerProvider: h.tracerProvider, meterProvider: h.meterProvider });
    await sink.close();
    await sink.write(events, { signal: new AbortController().signal });
    await sink.flush();
    expect(h.spans()).toEqual([]);
    expect(h.metricNames()).toEqual([]);
    await h.shutdown();
  });

  it('defaults to the global providers, registered even after the sink was created, and flushes them', async () => {
    const h = batched();
    const { gateway } = setup({ harness: h, explicitProviders: false });
    // The application starts its SDK after building the gateway.
    trace.setGlobalTracerProvider(h.tracerProvider);
    metrics.setGlobalMeterProvider(h.meterProvider);

    await gateway.chat(request);
    await gateway.flush();
    expect(h.spans().map((s) => s.name)).toEqual(['chat gpt-x']);
    expect(h.histogram('gen_ai.client.operation.duration')).toHaveLength(1);
  });

  it('with no SDK registered, the sink records into the API\'s no-ops without failing', async () => {
    const { gateway } = setup({ explicitProviders: false });
    await gateway.chat(byWorkspace);
    await gateway.flush();
    expect(gateway.stats().sinks).toEqual([expect.objectContaining({ name: 'otel', delivered: 1, dropped: 0, errors: 0 })]);
  });
});
