// npm test: usage events on the mock provider and an injected clock; milliseconds.
import { describe, expect, it } from 'vitest';
import { RequestValidationError, type UsageEvent } from '../../src/index.js';
import { ask, gatewayWithEvents } from '../helpers/mock-gateway.js';

describe('usage events', () => {
  it('one event per call with identity, model, tokens, timings and outcome', async () => {
    let now = Date.parse('2026-03-01T12:00:00.250Z');
    const { gateway, events } = gatewayWithEvents({
      integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all', mock: { usage: { inputTokens: 12, outputTokens: 30, cacheReadTokens: 4, reasoningTokens: 10 } } }],
      keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock' }],
      clock: () => now,
    });
    gateway.use(async (_ctx, next) => {
      now += 250; // the provider takes a quarter of a second
      return next();
    });
    const res = await gateway.chat({ key: 'app-1', model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }], metadata: { user: 'u-42' } });
    expect(events).toHaveLength(1);
    const e = events[0]!;
    const hex = res.gateway.requestId.replace(/-/g, '');
    expect(e).toEqual({
      schemaVersion: 2,
      requestId: res.gateway.requestId,
      traceId: hex,
      spanId: hex.slice(16),
      parentSpanId: null,
      operation: 'chat',
      workspace: 'team-a',
      integration: 'mock',
      provider: 'mock',
      key: 'app-1',
      user: 'u-42',
      metadata: { user: 'u-42' },
      requestedModel: 'gpt-x',
      model: 'gpt-x',
      servedModel: 'gpt-x',
      stream: false,
      maxTokens: null,
      messageCount: 1,
      toolCount: 0,
      toolCallCount: 0,
      fallbackIndex: 0,
      attempts: [],
      retries: 0,
      usage: { inputTokens: 12, outputTokens: 30, cacheReadTokens: 4, cacheWriteTokens: 0, reasoningTokens: 10, totalTokens: 42, estimated: false },
      rawUsage: { prompt_tokens: 12, completion_tokens: 30 },
      cost: null,
      costMicros: null,
      costBreakdown: null,
      priceSource: null,
      providerCost: null,
      startedAt: '2026-03-01T12:00:00.250Z',
      endedAt: '2026-03-01T12:00:00.500Z',
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
      finishReason: 'stop',
      providerRequestId: res.gateway.providerRequestId,
      warnings: [],
      limits: [],
    } satisfies UsageEvent);
    expect(res.gateway.usage).toEqual(e.usage);
    expect(e.upstreamMs + e.overheadMs).toBeLessThanOrEqual(e.latencyMs + 0.002);
  });

  it('a request rejected by validation still produces an event, with what is known', async () => {
    const { gateway, events } = gatewayWithEvents({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }] });
    const error = await gateway.chat({ workspace: 'w', model: '@mock/m', messages: [], temperature: 7 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual(
      expect.arrayContaining([
        { path: 'messages', message: 'must contain at least one message' },
        { path: 'temperature', message: expect.any(String) },
      ]),
    );
    // Counted as whom it named: its workspace, and the integration of its model.
    expect(events).toMatchObject([{ status: 'rejected', errorCode: 'invalid_request', httpStatus: 400, workspace: 'w', integration: 'mock', key: null, model: null, usage: { totalTokens: 0 } }]);
  });

  it('rejects malformed messages with the path of the problem', async () => {
    const { gateway } = gatewayWithEvents({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }] });
    const bad = [
      [{ role: 'wizard', content: 'x' }],
      [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }],
      [{ role: 'tool', content: 'x' }],
    ];
    for (const messages of bad) {
      const error = (await gateway.chat(ask('@mock/m', { messages: messages as never })).catch((e: unknown) => e)) as RequestValidationError;
      expect(error).toBeInstanceOf(RequestValidationError);
      expect(error.issues[0]!.path).toMatch(/^messages\[0\]/);
    }
    await expect(gateway.chat(null as never)).rejects.toBeInstanceOf(RequestValidationError);
  });

  it('unknown OpenAI parameters pass through to the provider; gateway fields do not', async () => {
    const { gateway } = gatewayWithEvents({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }] });
    let seen: Record<string, unknown> = {};
    gateway.use(async (ctx, next) => {
      seen = ctx.request;
      return next();
    });
    await gateway.chat(ask('@mock/m', { reasoning_effort: 'low', metadata: { a: 'b' } }));
    expect(seen).toMatchObject({ reasoning_effort: 'low', model: 'm' });
    expect(seen).not.toHaveProperty('workspace');
    expect(seen).not.toHaveProperty('metadata');
  });

  it('a throwing listener is isolated: other listeners run, the request succeeds, sink.error reports it', async () => {
    const { gateway, events } = gatewayWithEvents({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }] });
    const errors: unknown[] = [];
    gateway.on('sink.error', (e) => errors.push(e));
    gateway.on('usage', () => {
      throw new Error('listener bug');
    });
    let after = 0;
    gateway.on('usage', () => after++);
    await expect(gateway.chat(ask('@mock/m'))).resolves.toBeDefined();
    expect(events).toHaveLength(1);
    expect(after).toBe(1);
    expect(errors).toMatchObject([{ sink: 'listener:usage', reason: 'error', error: { message: 'listener bug' } }]);
  });

  it('once() and off()', async () => {
    const { gateway } = gatewayWithEvents({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }] });
    let once = 0;
    let on = 0;
    const listener = () => on++;
    gateway.once('usage', () => once++).on('usage', listener);
    await gateway.chat(ask('@mock/m'));
    gateway.off('usage', listener);
    await gateway.chat(ask('@mock/m'));
    expect([once, on]).toEqual([1, 1]);
  });
});
