// npm test: the usage event field by field, mock provider, an injected clock and fake timers for the retry wait; milliseconds.
import { describe, expect, it, vi } from 'vitest';
import { ProviderError, RateLimitExceededError, type GatewayConfig, type UsageEvent } from '../../src/index.js';
import { gatewayWithEvents } from '../helpers/mock-gateway.js';

/**
 * The full usage event, field by field, for the three outcomes a dashboard must tell apart: a
 * success, a request the gateway refused, and a provider failure. Every limit is in place, the
 * model is priced, so that no field is trivially empty.
 */

const START = Date.parse('2026-05-04T10:00:00.000Z');
const USAGE = { inputTokens: 1_000, outputTokens: 200, cacheReadTokens: 400, cacheWriteTokens: 100, reasoningTokens: 50 };
// USD per 1M tokens.
const PRICE = { input: 2, output: 8, cachedInput: 0.5, cacheWrite: 2.5 };

function setup(mock: Record<string, unknown> = {}, retries = 0) {
  let now = START;
  const config: GatewayConfig = {
    integrations: [
      {
        slug: 'llm',
        provider: 'mock',
        models: ['gpt-x'],
        pricing: { 'gpt-x': PRICE },
        workspaces: { research: { budgets: [{ type: 'cost', limit: 1, alertThreshold: 0.0001, reset: 'monthly' }] } },
        rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }],
        mock: { usage: USAGE, ...mock },
      },
    ],
    workspaces: { research: { budgets: [{ type: 'tokens', limit: 100_000, reset: 'weekly' }] } },
    keys: [{ id: 'app-1', workspace: 'research', integration: 'llm', rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }] }],
    retry: { retries, minDelayMs: 5, maxDelayMs: 5 },
    clock: () => now,
  };
  const { gateway, events } = gatewayWithEvents(config);
  return { gateway, events, tick: (ms: number) => (now += ms) };
}

const request = {
  key: 'app-1',
  model: 'gpt-x',
  messages: [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'Weather in Paris?' },
  ],
  tools: [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  max_tokens: 300,
  user: 'u-42',
  metadata: { feature: 'assistant' },
};

describe('the usage event, in full', () => {
  it('a success: identity, request, usage, cost by part, timings, outcome, every limit after settlement', async () => {
    const { gateway, events } = setup({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    const res = await gateway.chat(request, { traceparent });

    const e = events[0]!;
    // Micro-dollars: 500 plain input x 2 + 400 cached x 0.5 + 100 written x 2.5 + 200 output x 8
    // = 1000 + 200 + 250 + 1600 = 3050.
    expect(e).toEqual({
      schemaVersion: 2,
      requestId: res.gateway.requestId,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      parentSpanId: '00f067aa0ba902b7',
      operation: 'chat',
      workspace: 'research',
      integration: 'llm',
      provider: 'mock',
      key: 'app-1',
      user: 'u-42',
      metadata: { feature: 'assistant' },
      requestedModel: 'gpt-x',
      model: 'gpt-x',
      servedModel: 'gpt-x',
      stream: false,
      maxTokens: 300,
      messageCount: 2,
      toolCount: 1,
      toolCallCount: 1,
      fallbackIndex: 0,
      attempts: [],
      retries: 0,
      usage: { ...USAGE, totalTokens: 1_200, estimated: false },
      rawUsage: expect.anything(),
      cost: 0.00305,
      costMicros: 3050,
      costBreakdown: { input: 0.001, output: 0.0016, cacheRead: 0.0002, cacheWrite: 0.00025 },
      priceSource: 'override',
      providerCost: null,
      startedAt: '2026-05-04T10:00:00.000Z',
      endedAt: '2026-05-04T10:00:00.000Z',
      latencyMs: expect.any(Number),
      ttftMs: null,
      upstreamMs: expect.any(Number),
      retryWaitMs: 0,
      admissionMs: 0,
      waitedMs: 0,
      overheadMs: expect.any(Number),
      status: 'success',
      httpStatus: 200,
      errorCode: null,
      errorMessage: null,
      upstreamStatus: null,
      finishReason: 'tool_calls',
      providerRequestId: res.gateway.providerRequestId,
      warnings: [],
      limits: [
        { scope: 'integration:llm', kind: 'rateLimit', type: 'requests', limit: 100, used: 1, remaining: 99, alerted: false, exhausted: false, refused: false },
        { scope: 'grant:llm/research', kind: 'budget', type: 'cost', limit: 1, used: 0.00305, remaining: 0.99695, alerted: true, exhausted: false, refused: false },
        { scope: 'workspace:research', kind: 'budget', type: 'tokens', limit: 100_000, used: 1_200, remaining: 98_800, alerted: false, exhausted: false, refused: false },
        { scope: 'key:app-1', kind: 'rateLimit', type: 'requests', limit: 2, used: 1, remaining: 1, alerted: false, exhausted: false, refused: false },
      ],
    } satisfies UsageEvent);
    expect(e.costBreakdown!.input + e.costBreakdown!.output + e.costBreakdown!.cacheRead + e.costBreakdown!.cacheWrite).toBeCloseTo(e.cost!, 12);
    // The timings add up: the gateway's own time is what the provider did not take.
    expect(e.overheadMs).toBeCloseTo(Math.max(0, e.latencyMs - e.upstreamMs - e.retryWaitMs), 2);
    expect(e.upstreamMs).toBeLessThanOrEqual(e.latencyMs);
  });

  it('a streamed success: time to first token, tool calls counted from the deltas', async () => {
    const { gateway, events } = setup({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const stream = await gateway.chat({ ...request, stream: true });
    for await (const chunk of stream) void chunk;
    const e = events[0]!;
    expect(e).toMatchObject({ stream: true, toolCallCount: 1, finishReason: 'tool_calls', status: 'success', costMicros: 3050 });
    expect(e.ttftMs).toEqual(expect.any(Number));
    expect(e.ttftMs!).toBeLessThanOrEqual(e.latencyMs);
    expect(e.traceId).toBe(e.requestId.replace(/-/g, ''));
  });

  it('a request the gateway refused: no provider call, no cost, the limit that refused it', async () => {
    const { gateway, events } = setup();
    await gateway.chat(request);
    await gateway.chat(request);
    const error = await gateway.chat(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);

    const e = events[2]!;
    expect(e).toEqual({
      schemaVersion: 2,
      requestId: expect.any(String),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      parentSpanId: null,
      operation: 'chat',
      workspace: 'research',
      integration: 'llm',
      provider: 'mock',
      key: 'app-1',
      user: 'u-42',
      metadata: { feature: 'assistant' },
      requestedModel: 'gpt-x',
      model: 'gpt-x',
      servedModel: null,
      stream: false,
      maxTokens: 300,
      messageCount: 2,
      toolCount: 1,
      toolCallCount: 0,
      fallbackIndex: 0,
      attempts: [],
      retries: 0,
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 0, estimated: false },
      rawUsage: null,
      cost: null,
      costMicros: null,
      costBreakdown: null,
      priceSource: null,
      providerCost: null,
      startedAt: '2026-05-04T10:00:00.000Z',
      endedAt: '2026-05-04T10:00:00.000Z',
      latencyMs: expect.any(Number),
      ttftMs: null,
      upstreamMs: 0,
      retryWaitMs: 0,
      admissionMs: 0,
      waitedMs: 0,
      overheadMs: expect.any(Number),
      status: 'rejected',
      httpStatus: 429,
      errorCode: 'rate_limit_exceeded',
      errorMessage: expect.stringContaining('key:app-1'),
      upstreamStatus: null,
      finishReason: null,
      providerRequestId: null,
      warnings: [],
      limits: [{ scope: 'key:app-1', kind: 'rateLimit', type: 'requests', limit: 2, used: 2, remaining: 0, alerted: false, exhausted: false, refused: true }],
    } satisfies UsageEvent);
  });

  it('a provider failure after a retry: upstream status, retry wait, limits settled with no usage', async () => {
    // The test's clock for timers and durations: the wait is read off it, exactly.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { gateway, events } = setup({ failures: [{ status: 503, message: 'overloaded', times: 2 }] }, 1);
    const failed = gateway.chat(request).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5);
    expect(await failed).toBeInstanceOf(ProviderError);

    const e = events[0]!;
    expect(e).toMatchObject({
      status: 'error',
      httpStatus: 503,
      errorCode: 'provider_error',
      errorMessage: expect.stringContaining('overloaded'),
      upstreamStatus: 503,
      retries: 1,
      retryWaitMs: expect.any(Number),
      servedModel: null,
      finishReason: null,
      usage: { totalTokens: 0 },
      // Priced, but nothing was used: charged nothing.
      cost: 0,
      costMicros: 0,
      costBreakdown: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      priceSource: 'override',
      limits: [
        { scope: 'integration:llm', type: 'requests', used: 1, refused: false },
        { scope: 'grant:llm/research', type: 'cost', used: 0, remaining: 1 },
        { scope: 'workspace:research', type: 'tokens', used: 0, remaining: 100_000 },
        { scope: 'key:app-1', type: 'requests', used: 1, remaining: 1 },
      ],
    });
    // 5 ms minus up to 25 % jitter, rounded: the whole call, as nothing else took time.
    expect([4, 5]).toContain(e.retryWaitMs);
    expect(e).toMatchObject({ upstreamMs: 0, latencyMs: e.retryWaitMs, overheadMs: 0 });
  });

  it('a traceparent that is not one is reported, and the call gets a trace of its own', async () => {
    const { gateway, events } = setup();
    await gateway.chat(request, { traceparent: 'not-a-trace' });
    expect(events[0]!.parentSpanId).toBeNull();
    expect(events[0]!.traceId).toBe(events[0]!.requestId.replace(/-/g, ''));
    expect(events[0]!.warnings).toEqual(['traceparent ignored: not a valid W3C traceparent (a new trace was started)']);
  });
});
