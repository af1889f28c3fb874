// npm test: streams on the mock provider, in process; milliseconds.
import { describe, expect, it } from 'vitest';
import { ProviderError, RequestAbortedError, type ChatCompletionChunk } from '../../src/index.js';
import { ask, gatewayWithEvents } from '../helpers/mock-gateway.js';
import type { MockOptions } from '../../src/index.js';

const mockWith = (mock: MockOptions) =>
  gatewayWithEvents({
    integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all', mock }],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 },
  });

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('streaming', () => {
  it('delivers OpenAI chunks and one usage event with TTFT', async () => {
    const { gateway, events } = mockWith({ chunks: ['Hel', 'lo ', 'world'] });
    const stream = await gateway.chat(ask('@mock/m', { stream: true }));
    expect(stream.gateway).toMatchObject({ integration: 'mock', workspace: 'team-a', model: 'm', requestId: expect.any(String) });
    expect(events).toHaveLength(0);
    const chunks = await collect(stream);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello world');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'success', stream: true, finishReason: 'stop', usage: { estimated: false, outputTokens: 3 } });
    expect(events[0]!.ttftMs).toBeGreaterThanOrEqual(0);
    expect(events[0]!.requestId).toBe(stream.gateway.requestId);
  });

  it('a stream can be read only once', async () => {
    const { gateway } = mockWith({});
    const stream = await gateway.chat(ask('@mock/m', { stream: true }));
    await collect(stream);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/once/);
  });

  it('retries a failure before the first chunk, transparently', async () => {
    const { gateway, events } = mockWith({ failures: [{ status: 503 }], chunks: ['ok'] });
    const chunks = await collect(await gateway.chat(ask('@mock/m', { stream: true })));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('ok');
    expect(events).toMatchObject([{ status: 'success', retries: 1 }]);
  });

  it('a stream cut after emitting is not retried: chunks so far, then ProviderError; usage estimated', async () => {
    const { gateway, events } = mockWith({ chunks: ['one ', 'two ', 'three ', 'four'], cutStreamAfter: 2 });
    const stream = await gateway.chat(ask('@mock/m', { stream: true }));
    const seen: string[] = [];
    const error = await (async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(seen.join('')).toBe('one two ');
    expect(error).toBeInstanceOf(ProviderError);
    expect(events).toMatchObject([{ status: 'error', errorCode: 'provider_error', retries: 0, usage: { estimated: true, outputTokens: 2 } }]);
  });

  it('stopping early (break) records an aborted call with what was delivered', async () => {
    const { gateway, events } = mockWith({ chunks: ['a', 'b', 'c', 'd'] });
    const stream = await gateway.chat(ask('@mock/m', { stream: true }));
    let n = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) n++;
      if (n === 2) break;
    }
    expect(events).toMatchObject([{ status: 'aborted', errorCode: 'request_aborted', usage: { estimated: true, outputTokens: 1 } }]);
  });

  it('an AbortSignal stops the stream mid-way with RequestAbortedError', async () => {
    const { gateway, events } = mockWith({ chunks: ['a', 'b', 'c', 'd'], chunkDelayMs: 5 });
    const controller = new AbortController();
    const stream = await gateway.chat(ask('@mock/m', { stream: true }), { signal: controller.signal });
    const error = await (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content === 'b') controller.abort();
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestAbortedError);
    expect(events).toMatchObject([{ status: 'aborted', httpStatus: 499 }]);
  });

  it('passes the usage chunk only to a caller who asked for it', async () => {
    const { gateway } = mockWith({ chunks: ['x'] });
    const without = await collect(await gateway.chat(ask('@mock/m', { stream: true })));
    expect(without.some((c) => c.choices.length === 0)).toBe(false);
    const withUsage = await collect(await gateway.chat(ask('@mock/m', { stream: true, stream_options: { include_usage: true } })));
    expect(withUsage.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 1 } });
  });

  it('streams tool calls as deltas', async () => {
    const { gateway, events } = mockWith({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    const chunks = await collect(await gateway.chat(ask('@mock/m', { stream: true })));
    const args = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((t) => t.function?.arguments ?? '').join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).find((t) => t.id)?.function?.name).toBe('get_weather');
    expect(events[0]).toMatchObject({ finishReason: 'tool_calls' });
  });
});

describe('abort (non-streaming)', () => {
  it('aborts the upstream call with RequestAbortedError, and an already-aborted signal never calls it', async () => {
    // The provider would answer in an hour: only the abort ends the call.
    const { gateway, events } = mockWith({ latencyMs: 3_600_000 });
    const controller = new AbortController();
    const call = gateway.chat(ask('@mock/m'), { signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(call).rejects.toBeInstanceOf(RequestAbortedError);
    await expect(gateway.chat(ask('@mock/m'), { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'request_aborted' });
    expect(events.map((e) => e.status)).toEqual(['aborted', 'aborted']);
  });

  it('a per-attempt timeout is a retryable 504', async () => {
    const { gateway, events } = gatewayWithEvents({
      // The provider would answer in an hour: only the attempt's timeout ends each attempt.
      integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all', timeoutMs: 5, mock: { latencyMs: 3_600_000 } }],
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await gateway.chat(ask('@mock/m')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_error', status: 504, isRetryable: true, upstreamStatus: null });
    expect(events).toMatchObject([{ status: 'error', retries: 1, httpStatus: 504 }]);
  });
});
