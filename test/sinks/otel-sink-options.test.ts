// npm test: the OpenTelemetry SDK's in-memory exporters, in process; milliseconds.
import { describe, expect, it } from 'vitest';
import { ConfigError, type UsageEvent } from '../../src/index.js';
import { otelSink, type OtelSinkOptions } from '../../src/sinks/otel.js';
import { API_KEY, byWorkspace, request, useOtelGateways } from './otel-gateway.js';
import { otelHarness } from './otel-harness.js';

const setup = useOtelGateways();

/** The error `otelSink(options)` throws (the test fails if it does not throw). */
function refusal(options: unknown): ConfigError {
  try {
    otelSink(options as OtelSinkOptions);
  } catch (error) {
    if (ConfigError.isInstance(error)) return error as ConfigError;
    throw error;
  }
  throw new Error('otelSink accepted the options');
}

describe('otelSink: options', () => {
  it.each([
    ['spans', { spans: 'yes' }, 'spans', /boolean/],
    ['metrics', { metrics: 1 }, 'metrics', /boolean/],
    ['a tracer provider that is not one', { tracerProvider: {} }, 'tracerProvider', /TracerProvider/],
    ['a meter provider that is not one', { meterProvider: 42 }, 'meterProvider', /MeterProvider/],
    ['an empty name', { name: '' }, 'name', /./],
    ['an attribute value OpenTelemetry cannot carry', { attributes: { team: { nested: true } } }, 'attributes.team', /a string, a number, a boolean/],
    ['an attribute in the sink\'s namespace', { attributes: { 'gen_ai.system': 'openai' } }, 'attributes["gen_ai.system"]', /reserved/],
    ['an attribute named error.type', { attributes: { 'error.type': 'x' } }, 'attributes["error.type"]', /reserved/],
    ['a metadata key that is not a string', { metadata: ['feature', 3] }, 'metadata[1]', /string/],
    ['a sampling rate above 1', { sampling: { rate: 2 }, metrics: false }, 'sampling.rate', /1/],
    ['a cap period that does not exist', { cap: { events: 10, per: 'week' } }, 'cap.per', /./],
    ['a zero queue size', { queueSize: 0 }, 'queueSize', /./],
    ['both signals off', { spans: false, metrics: false }, 'metrics', /record nothing/],
    ['sampling with metrics on (they would undercount)', { sampling: { rate: 0.1 } }, 'sampling', /metrics: false/],
  ])('refuses %s, naming the field', (_, options, path, message) => {
    const error = refusal(options);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^Invalid otelSink options \(1 problem\)/);
    expect(error.issues).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('refuses an unknown option (a typo would otherwise be ignored)', () => {
    const error = refusal({ span: false });
    expect(error.issues).toEqual([{ path: '', message: expect.stringContaining('"span"') }]);
  });

  it('lists every problem at once', () => {
    const error = refusal({ spans: 'no', queueSize: -1, attributes: { 'tollgate.team': 'a' } });
    expect(error.issues.map((i) => i.path).sort()).toEqual(['attributes["tollgate.team"]', 'queueSize', 'spans']);
  });

  it('defaults: named "otel", no delivery options of its own (the gateway\'s apply)', () => {
    const sink = otelSink();
    expect(sink.name).toBe('otel');
    for (const option of ['sampling', 'cap', 'queueSize', 'batchSize', 'timeoutMs']) expect(sink).not.toHaveProperty([option]);
  });

  it('carries the delivery options on the sink object, where the gateway reads them', () => {
    const delivery = { cap: { events: 100, per: 'minute' as const }, queueSize: 50, batchSize: 5, timeoutMs: 1_000 };
    expect(otelSink(delivery)).toMatchObject(delivery);
    expect(otelSink({ metrics: false, sampling: { rate: 0.5 } })).toMatchObject({ sampling: { rate: 0.5 } });
  });

  it('passes the delivery options through to the gateway, which applies them (here: sampled spans keep failures only)', async () => {
    const { gateway, h } = setup({
      sink: { name: 'traces', metrics: false, sampling: { rate: 0 }, cap: { events: 100, per: 'minute' }, queueSize: 50, batchSize: 5, timeoutMs: 1_000 },
    });
    await gateway.chat(request);
    await gateway.chat(request).catch(() => {});
    await gateway.flush();
    // Sampling keeps failures by default: the refused call only.
    expect(h.spans().map((s) => s.attributes['tollgate.status'])).toEqual(['rejected']);
    expect(gateway.stats().sinks).toEqual([expect.objectContaining({ name: 'traces', delivered: 1, sampledOut: 1, dropped: 0, errors: 0 })]);
  });

  it('spans: false records metrics only', async () => {
    const { gateway, h } = setup({ sink: { spans: false } });
    await gateway.chat(request);
    await gateway.flush();
    expect(h.spans()).toEqual([]);
    expect(h.metricNames()).toContain('gen_ai.client.operation.duration');
  });

  it('metrics: false records spans only', async () => {
    const { gateway, h } = setup({ sink: { metrics: false } });
    await gateway.chat(request);
    await gateway.flush();
    expect(h.spans()).toHaveLength(1);
    expect(h.metricNames()).toEqual([]);
  });

  it('static attributes go on every span and every metric data point', async () => {
    const { gateway, h } = setup({ sink: { attributes: { 'deployment.environment.name': 'production', 'app.shard': 3 } } });
    await gateway.chat(request);
    await gateway.flush();
    expect(h.spans()[0]!.attributes).toMatchObject({ 'deployment.environment.name': 'production', 'app.shard': 3 });
    for (const name of h.metricNames()) {
      for (const point of h.metric(name)!.dataPoints) expect(point.attributes).toMatchObject({ 'deployment.environment.name': 'production', 'app.shard': 3 });
    }
  });
});

describe('otelSink: what is never recorded', () => {
  it('no content of the call, no credential, no metadata unless listed; the user unless turned off', async () => {
    const { gateway, h } = setup({ sink: { user: false } });
    await gateway.chat(request);
    await gateway.chat(request).catch(() => {});
    await gateway.flush();
    const everything = h.everything();
    for (const text of ['Weather in Paris?', 'Be brief.', 'Mock reply', API_KEY, 'u-42', 'assistant', 'acme']) {
      expect(everything.includes(text), `exported data contains ${JSON.stringify(text)}`).toBe(false);
    }
    expect(h.spans()[0]!.attributes).not.toHaveProperty(['tollgate.user']);
  });

  it('metadata keys listed in `metadata` are recorded on spans as tollgate.metadata.<key>, the others not', async () => {
    const { gateway, h } = setup({ sink: { metadata: ['feature', 'absent'] } });
    await gateway.chat(request);
    await gateway.flush();
    const attributes = h.spans()[0]!.attributes;
    expect(attributes).toMatchObject({ 'tollgate.metadata.feature': 'assistant', 'tollgate.user': 'u-42' });
    expect(Object.keys(attributes).filter((k) => k.startsWith('tollgate.metadata.'))).toEqual(['tollgate.metadata.feature']);
  });
});

describe('otelSink: gen_ai.provider.name', () => {
  /** A real event of the mock provider, presented as if another provider had served it. */
  async function eventOf(provider: string, integration = 'llm'): Promise<UsageEvent> {
    const { gateway, events } = setup({ sink: { spans: false } });
    await gateway.chat(byWorkspace);
    return { ...events[0]!, provider, integration };
  }

  it.each([
    ['openai', 'openai'],
    ['azure-openai', 'azure.ai.openai'],
    ['anthropic', 'anthropic'],
    ['bedrock', 'aws.bedrock'],
    ['gemini', 'gcp.gemini'],
    ['vertex-ai', 'gcp.vertex_ai'],
    ['deepseek', 'deepseek'],
    ['groq', 'groq'],
    ['mistral', 'mistral_ai'],
    ['perplexity', 'perplexity'],
    ['xai', 'x_ai'],
    // No well-known value: tollgate's id, in the conventions' snake_case.
    ['openai-compatible', 'openai_compatible'],
    ['mock', 'mock'],
    ['openrouter', 'openrouter'],
  ])('tollgate provider %s is reported as %s', async (provider, expected) => {
    const event = await eventOf(provider);
    const h = otelHarness();
    const sink = otelSink({ tracerProvider: h.tracerProvider, meterProvider: h.meterProvider });
    await sink.write([event], { signal: new AbortController().signal });
    await sink.flush();
    expect(h.spans()[0]!.attributes).toMatchObject({ 'gen_ai.provider.name': expected, 'tollgate.provider': provider });
    expect(h.histogram('gen_ai.client.operation.duration')[0]!.attributes).toMatchObject({ 'gen_ai.provider.name': expected });
    await h.shutdown();
  });

  it('providerNames names the provider of an integration (an OpenAI-compatible endpoint that is Groq)', async () => {
    const event = await eventOf('openai-compatible', 'groq-prod');
    const h = otelHarness();
    const sink = otelSink({ tracerProvider: h.tracerProvider, meterProvider: h.meterProvider, providerNames: { 'groq-prod': 'groq' } });
    await sink.write([event], { signal: new AbortController().signal });
    await sink.flush();
    expect(h.spans()[0]!.attributes).toMatchObject({ 'gen_ai.provider.name': 'groq', 'tollgate.provider': 'openai-compatible', 'tollgate.integration': 'groq-prod' });
    await h.shutdown();
  });
});
