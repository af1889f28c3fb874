// npm test: the OpenTelemetry SDK's in-memory exporters on an injected clock; milliseconds.
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ProviderError, RateLimitExceededError } from '../../src/index.js';
import { COST, SECOND_BUCKETS, START, TOKEN_BUCKETS, byWorkspace, request, useOtelGateways } from './otel-gateway.js';
import { AsyncLocalStorageContextManager, hrDiffMs, hrMs } from './otel-harness.js';

/**
 * The OpenTelemetry sink against the real SDK (in-memory exporters), driven through a real
 * gateway with the mock provider: what an OTel backend would receive, span by span and data
 * point by data point.
 */

const setup = useOtelGateways();

describe('otelSink: spans', () => {
  it('a success: one CLIENT span "chat gpt-x", the GenAI attributes and tollgate\'s, from the call\'s start for its latency', async () => {
    const { gateway, events, h } = setup();
    const res = await gateway.chat(request);
    await gateway.flush();

    const e = events[0]!;
    const [span, ...others] = h.spans();
    expect(others).toEqual([]);
    expect(span!.name).toBe('chat gpt-x');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.instrumentationScope.name).toBe('tollgate');
    expect(span!.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.model': 'gpt-x',
      'gen_ai.response.model': 'gpt-x',
      'gen_ai.request.max_tokens': 300,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 1_000,
      'gen_ai.usage.output_tokens': 200,
      'gen_ai.usage.cache_read.input_tokens': 400,
      'gen_ai.usage.cache_creation.input_tokens': 100,
      'gen_ai.usage.reasoning.output_tokens': 50,
      'tollgate.usage.estimated': false,
      'tollgate.request_id': res.gateway.requestId,
      'tollgate.requested_model': 'gpt-x',
      'tollgate.workspace': 'research',
      'tollgate.integration': 'llm',
      'tollgate.provider': 'mock',
      'tollgate.key': 'app-1',
      'tollgate.user': 'u-42',
      'tollgate.status': 'success',
      'tollgate.http_status': 200,
      'tollgate.provider_request_id': res.gateway.providerRequestId,
      'tollgate.retries': 0,
      'tollgate.fallback_index': 0,
      'tollgate.cost_usd': COST,
      'tollgate.price_source': 'override',
      'tollgate.message_count': 2,
      'tollgate.tool_count': 0,
      'tollgate.tool_call_count': 0,
      'tollgate.upstream_ms': e.upstreamMs,
      'tollgate.retry_wait_ms': 0,
      'tollgate.admission_ms': 0,
      'tollgate.overhead_ms': e.overheadMs,
    });
    // Starts when the call entered the gateway (its clock), lasts the call's latency.
    expect(span!.startTime).toEqual([START / 1000, 0]);
    expect(hrDiffMs(span!.endTime, span!.startTime)).toBeCloseTo(e.latencyMs, 6);
    expect(hrMs(span!.duration)).toBeCloseTo(e.latencyMs, 5);
    // No caller trace: a root span of its own trace.
    expect(span!.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a request the gateway refused (rate limit): error.type, status ERROR with the message, the refusing scope, no usage', async () => {
    const { gateway, events, h } = setup();
    await gateway.chat(request);
    const error = await gateway.chat(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);
    await gateway.flush();

    const e = events[1]!;
    const span = h.spans()[1]!;
    expect(span.name).toBe('chat gpt-x');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: e.errorMessage });
    expect(span.status.message).toContain('key:app-1');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.model': 'gpt-x',
      'error.type': 'rate_limit_exceeded',
      'tollgate.status': 'rejected',
      'tollgate.http_status': 429,
      'tollgate.refused_scope': 'key:app-1',
      'tollgate.upstream_ms': 0,
    });
    // Nothing was asked of the provider: no response, no usage, no cost.
    for (const absent of [
      'gen_ai.response.model',
      'gen_ai.response.finish_reasons',
      'gen_ai.usage.input_tokens',
      'gen_ai.usage.output_tokens',
      'tollgate.cost_usd',
      'tollgate.provider_request_id',
    ]) {
      expect(span.attributes).not.toHaveProperty([absent]);
    }
    expect(span.startTime).toEqual([START / 1000, 0]);
    expect(hrMs(span.duration)).toBeCloseTo(e.latencyMs, 5);
  });

  it('a provider failure (503): error.type provider_error, the upstream status, status ERROR with the provider message', async () => {
    const { gateway, events, h } = setup({ mock: { failures: [{ status: 503, message: 'overloaded', times: 9 }] } });
    const error = await gateway.chat(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    await gateway.flush();

    const span = h.spans()[0]!;
    expect(span.name).toBe('chat gpt-x');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: events[0]!.errorMessage });
    expect(span.status.message).toContain('overloaded');
    expect(span.attributes).toMatchObject({
      'error.type': 'provider_error',
      'tollgate.status': 'error',
      'tollgate.http_status': 503,
      'tollgate.upstream_status': 503,
      'tollgate.retries': 0,
      // Priced, but nothing used: charged nothing.
      'tollgate.cost_usd': 0,
    });
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.input_tokens']);
    expect(span.attributes).not.toHaveProperty(['gen_ai.response.model']);
  });

  it('a call given a traceparent is a child of the caller\'s span, in the caller\'s trace', async () => {
    const { gateway, h } = setup();
    await gateway.chat(request, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    await gateway.flush();

    const span = h.spans()[0]!;
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.parentSpanContext).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', isRemote: true });
    expect(span.spanContext().spanId).not.toBe('00f067aa0ba902b7');
  });

  it('links to a real parent span of the application through its traceparent', async () => {
    const { gateway, h } = setup();
    const parent = h.tracerProvider.getTracer('app').startSpan('handle request');
    const { traceId, spanId } = parent.spanContext();
    await gateway.chat(request, { traceparent: `00-${traceId}-${spanId}-01` });
    parent.end();
    await gateway.flush();

    // Spans arrive in the order they end: find them by what they are.
    const app = h.spans().find((s) => s.name === 'handle request')!;
    const child = h.spans().find((s) => s !== app)!;
    expect(child.spanContext().traceId).toBe(traceId);
    expect(child.parentSpanContext?.spanId).toBe(spanId);
  });

  it('without a traceparent, a root span, even when a span was active around the call (the sink writes later, elsewhere)', async () => {
    const manager = new AsyncLocalStorageContextManager();
    context.setGlobalContextManager(manager);
    try {
      const { gateway, h } = setup();
      const active = h.tracerProvider.getTracer('app').startSpan('unrelated work');
      // The call and its delivery to the sink are scheduled inside the active span's context.
      await context.with(trace.setSpan(context.active(), active), async () => {
        await gateway.chat(byWorkspace);
        await gateway.flush();
      });
      active.end();
      const call = h.spans().find((s) => s.name === 'chat gpt-x')!;
      expect(call.parentSpanContext).toBeUndefined();
      expect(call.spanContext().traceId).not.toBe(active.spanContext().traceId);
    } finally {
      context.disable();
    }
  });

  it('a streamed call: gen_ai.request.stream and the time to first chunk in seconds', async () => {
    const { gateway, events, h } = setup();
    const stream = await gateway.chat({ ...byWorkspace, stream: true });
    for await (const chunk of stream) void chunk;
    await gateway.flush();

    const e = events[0]!;
    expect(e.ttftMs).toEqual(expect.any(Number));
    expect(h.spans()[0]!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.time_to_first_chunk': e.ttftMs! / 1000,
      'gen_ai.usage.input_tokens': 1_000,
      'gen_ai.usage.output_tokens': 200,
    });
    // A non-streaming call leaves both unset (the conventions: "if and only if the request is streaming").
    await gateway.chat(byWorkspace);
    await gateway.flush();
    expect(h.spans()[1]!.attributes).not.toHaveProperty(['gen_ai.request.stream']);
    expect(h.spans()[1]!.attributes).not.toHaveProperty(['gen_ai.response.time_to_first_chunk']);
  });

  it('a stream cut in the middle: an error span that still reports the (estimated) tokens it was charged', async () => {
    const { gateway, events, h } = setup({ mock: { cutStreamAfter: 1, usage: undefined } });
    const stream = await gateway.chat({ ...byWorkspace, stream: true });
    await (async () => {
      for await (const chunk of stream) void chunk;
    })().catch(() => {});
    await gateway.flush();

    const e = events[0]!;
    expect(e).toMatchObject({ status: 'error', usage: { estimated: true } });
    expect(h.spans()[0]!.attributes).toMatchObject({
      'error.type': 'provider_error',
      'gen_ai.usage.input_tokens': e.usage.inputTokens,
      'gen_ai.usage.output_tokens': e.usage.outputTokens,
      'tollgate.usage.estimated': true,
    });
    expect(h.histogram('gen_ai.client.token.usage').map((p) => [p.attributes['gen_ai.token.type'], p.sum])).toEqual([
      ['input', e.usage.inputTokens],
      ['output', e.usage.outputTokens],
    ]);
  });

  it('a stream the caller stopped reading: aborted, error.type request_aborted', async () => {
    const { gateway, h } = setup({ mock: { chunks: ['a', 'b', 'c'] } });
    const stream = await gateway.chat({ ...byWorkspace, stream: true });
    for await (const chunk of stream) {
      void chunk;
      break;
    }
    await gateway.flush();
    expect(h.spans()[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(h.spans()[0]!.attributes).toMatchObject({ 'error.type': 'request_aborted', 'tollgate.status': 'aborted' });
  });

  it('an embeddings call: span "embeddings embed-x" with input tokens only', async () => {
    const { gateway, events, h } = setup({ mock: { usage: undefined } });
    await gateway.embeddings({ workspace: 'research', model: '@llm/embed-x', input: ['first text', 'second text'] });
    await gateway.flush();

    const span = h.spans()[0]!;
    expect(span.name).toBe('embeddings embed-x');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'embed-x',
      'gen_ai.usage.input_tokens': events[0]!.usage.inputTokens,
      'tollgate.message_count': 2,
    });
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.output_tokens']);
    expect(span.attributes).not.toHaveProperty(['tollgate.tool_count']);
  });

  it('a request refused before its target was known: the span is named for the operation alone', async () => {
    const { gateway, h } = setup();
    await gateway.chat({ workspace: 'research', model: 'no-integration', messages: [] }).catch(() => {});
    await gateway.flush();
    const span = h.spans()[0]!;
    expect(span.name).toBe('chat');
    expect(span.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'error.type': 'invalid_request', 'tollgate.status': 'rejected' });
    expect(span.attributes).not.toHaveProperty(['gen_ai.provider.name']);
    expect(span.attributes).not.toHaveProperty(['gen_ai.request.model']);
  });
});

describe('otelSink: metrics', () => {
  it('token usage and duration histograms with the conventions\' attributes and bucket boundaries; cost and request counters', async () => {
    const { gateway, events, h } = setup({ mock: { failures: [{ status: 503, times: 1 }] } });
    await gateway.chat(byWorkspace).catch(() => {});
    await gateway.chat(byWorkspace);
    await gateway.chat(byWorkspace);
    await gateway.flush();

    const genAi = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'mock', 'gen_ai.request.model': 'gpt-x' };
    const scope = { 'tollgate.workspace': 'research', 'tollgate.integration': 'llm' };
    const served = { ...genAi, 'gen_ai.response.model': 'gpt-x', ...scope };

    const tokens = h.histogram('gen_ai.client.token.usage');
    expect(h.metric('gen_ai.client.token.usage')!.descriptor).toMatchObject({ unit: '{token}' });
    // The failed call used no tokens: it is not counted as a call answered with zero.
    expect(tokens).toEqual([
      { attributes: { ...served, 'gen_ai.token.type': 'input' }, count: 2, sum: 2_000, boundaries: TOKEN_BUCKETS },
      { attributes: { ...served, 'gen_ai.token.type': 'output' }, count: 2, sum: 400, boundaries: TOKEN_BUCKETS },
    ]);

    const durations = h.histogram('gen_ai.client.operation.duration');
    expect(h.metric('gen_ai.client.operation.duration')!.descriptor).toMatchObject({ unit: 's' });
    expect(durations).toEqual([
      { attributes: { ...genAi, ...scope, 'error.type': 'provider_error' }, count: 1, sum: expect.any(Number), boundaries: SECOND_BUCKETS },
      { attributes: served, count: 2, sum: expect.any(Number), boundaries: SECOND_BUCKETS },
    ]);
    // Seconds, from the events' latencies.
    expect(durations[0]!.sum).toBeCloseTo(events[0]!.latencyMs / 1000, 9);
    expect(durations[1]!.sum).toBeCloseTo((events[1]!.latencyMs + events[2]!.latencyMs) / 1000, 9);

    // Streaming only: nothing streamed here.
    expect(h.metricNames()).not.toContain('gen_ai.client.operation.time_to_first_chunk');

    expect(h.metric('tollgate.cost')!.descriptor).toMatchObject({ unit: 'USD' });
    const cost = h.counter('tollgate.cost');
    expect(cost).toEqual([{ attributes: served, value: expect.any(Number) }]);
    expect(cost[0]!.value).toBeCloseTo(2 * COST, 12);

    expect(h.counter('tollgate.requests')).toEqual([
      { attributes: { ...genAi, ...scope, 'error.type': 'provider_error', 'tollgate.status': 'error' }, value: 1 },
      { attributes: { ...served, 'tollgate.status': 'success' }, value: 2 },
    ]);
  });

  it('no metric attribute grows with traffic: no request id, user, metadata or span-only field', async () => {
    const { gateway, h } = setup({ sink: { metadata: ['feature'] } });
    await gateway.chat(request);
    await gateway.chat(request).catch(() => {});
    await gateway.chat(byWorkspace);
    await gateway.flush();

    const keys = new Set<string>();
    for (const name of h.metricNames()) {
      const metric = h.metric(name)!;
      for (const point of metric.dataPoints) for (const key of Object.keys(point.attributes)) keys.add(key);
    }
    expect([...keys].sort()).toEqual(
      [
        'error.type',
        'gen_ai.operation.name',
        'gen_ai.provider.name',
        'gen_ai.request.model',
        'gen_ai.response.model',
        'gen_ai.token.type',
        'tollgate.integration',
        'tollgate.key',
        'tollgate.status',
        'tollgate.workspace',
      ].sort(),
    );
  });

  it('a streamed call records gen_ai.client.operation.time_to_first_chunk in seconds', async () => {
    const { gateway, events, h } = setup();
    const stream = await gateway.chat({ ...byWorkspace, stream: true });
    for await (const chunk of stream) void chunk;
    await gateway.flush();

    expect(h.metric('gen_ai.client.operation.time_to_first_chunk')!.descriptor).toMatchObject({ unit: 's' });
    expect(h.histogram('gen_ai.client.operation.time_to_first_chunk')).toEqual([
      {
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'mock', 'gen_ai.request.model': 'gpt-x', 'gen_ai.response.model': 'gpt-x', 'tollgate.workspace': 'research', 'tollgate.integration': 'llm' },
        count: 1,
        sum: events[0]!.ttftMs! / 1000,
        boundaries: SECOND_BUCKETS,
      },
    ]);
  });

  it('embeddings count input tokens only', async () => {
    const { gateway, events, h } = setup();
    await gateway.embeddings({ workspace: 'research', model: '@llm/embed-x', input: 'some text' });
    await gateway.flush();
    expect(h.histogram('gen_ai.client.token.usage')).toEqual([
      {
        attributes: expect.objectContaining({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.token.type': 'input' }),
        count: 1,
        sum: events[0]!.usage.inputTokens,
        boundaries: TOKEN_BUCKETS,
      },
    ]);
  });
});
