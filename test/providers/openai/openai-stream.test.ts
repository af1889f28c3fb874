// npm test: OpenAI's streams replayed by msw from recorded fixtures; milliseconds.
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatMessage } from '../../../src/index.js';
import { collectToolCalls, streamedText } from '../../helpers/chunk-content.js';
import { API_KEY, CHAT_URL, MODEL, createTestGateway, fixtureText, sseResponse, setupOpenAIServer } from '../../helpers/openai-server.js';
import { collect, readFirst } from '../../helpers/read-stream.js';
import { sseEvents, ssePayloads } from '../../helpers/sse-events.js';
import { until } from '../../helpers/until.js';

const openai = setupOpenAIServer();

const STREAM = fixtureText('openai-stream.chunks.txt');
const TOOL_STREAM = fixtureText('openai-stream-tool-calls.chunks.txt');
const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];

/** The provider's chunks as a caller that did not ask for usage should see them. */
function withoutUsage(payloads: ChatCompletionChunk[]): ChatCompletionChunk[] {
  return payloads.filter((c) => c.choices.length > 0).map(({ usage: _usage, ...rest }) => rest);
}

describe('OpenAI adapter: streaming', () => {
  it('delivers the chunks in order, without usage, and forces include_usage upstream', async () => {
    expect(sseEvents(STREAM).at(-1)).toBe('data: [DONE]\n\n');
    openai.respond(() => sseResponse(STREAM, { requestId: 'req_4d3c2b1a09f8e7d6c5b4a39281706f5e' }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, metadata: { user: 'u-42' } });
    expect(stream.gateway).toMatchObject({ integration: 'openai-prod', model: 'gpt-4o-mini', providerRequestId: 'req_4d3c2b1a09f8e7d6c5b4a39281706f5e' });
    const chunks = await collect(stream);

    const payloads = ssePayloads<ChatCompletionChunk>(STREAM);
    expect(chunks).toEqual(withoutUsage(payloads));
    expect(chunks).toHaveLength(11);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    for (const chunk of chunks) {
      expect(chunk).not.toHaveProperty('usage');
      expect(chunk.choices).not.toHaveLength(0);
    }

    expect(openai.requests).toHaveLength(1);
    const sent = openai.requests[0]!;
    expect(sent.url).toBe(CHAT_URL);
    expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.accept).toBe('text/event-stream');
    expect(sent.body).toEqual({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({
      status: 'success',
      httpStatus: 200,
      stream: true,
      finishReason: 'stop',
      servedModel: 'gpt-4o-mini-2024-07-18',
      providerRequestId: 'req_4d3c2b1a09f8e7d6c5b4a39281706f5e',
      metadata: { user: 'u-42' },
      retries: 0,
    });
    expect(event.usage).toEqual({
      inputTokens: 1290,
      outputTokens: 10,
      cacheReadTokens: 1152,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 1300,
      estimated: false,
    });
    expect(event.rawUsage).toEqual(payloads.at(-1)!.usage);
    expect(event.ttftMs).toEqual(expect.any(Number));
    expect(event.ttftMs).toBeGreaterThanOrEqual(0);
  });

  it('passes the usage-only chunk (and usage: null on the others) when the caller asked for it', async () => {
    openai.respond(() => sseResponse(STREAM));
    const { gateway, events } = createTestGateway();

    const chunks = await collect(
      await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, stream_options: { include_usage: true } }),
    );

    const payloads = ssePayloads<ChatCompletionChunk>(STREAM);
    expect(chunks).toEqual(payloads);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 1290, completion_tokens: 10, total_tokens: 1300 });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(openai.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    expect(events[0]!.usage).toMatchObject({ inputTokens: 1290, outputTokens: 10, estimated: false });
  });

  it('asks for usage upstream even when the caller said include_usage: false, and keeps it from the caller', async () => {
    openai.respond(() => sseResponse(STREAM));
    const { gateway, events } = createTestGateway();

    const chunks = await collect(
      await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, stream_options: { include_usage: false } }),
    );

    expect(openai.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    expect(chunks).toEqual(withoutUsage(ssePayloads<ChatCompletionChunk>(STREAM)));
    expect(events[0]!.usage.estimated).toBe(false);
    expect(events[0]!.usage.totalTokens).toBe(1300);
  });

  it('streams tool calls whose deltas reassemble into the calls', async () => {
    openai.respond(() => sseResponse(TOOL_STREAM));
    const { gateway, events } = createTestGateway();

    const chunks = await collect(
      await gateway.chat({
        workspace: 'team-a',
        model: MODEL,
        messages: [{ role: 'user', content: 'What is the weather in Paris and in Tokyo?' }],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } } },
            },
          },
        ],
        stream: true,
      }),
    );

    expect(chunks).toEqual(withoutUsage(ssePayloads<ChatCompletionChunk>(TOOL_STREAM)));
    const first = chunks[0]!.choices[0]!.delta.tool_calls![0]!;
    expect(first).toEqual({ index: 0, id: 'call_Xk3Yq8bN2vLp7TzR5wMd1HcF', type: 'function', function: { name: 'get_weather', arguments: '' } });
    const calls = collectToolCalls(chunks);
    expect(calls).toEqual([
      { id: 'call_Xk3Yq8bN2vLp7TzR5wMd1HcF', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
      { id: 'call_Bm6Wt1sQ9eJr4KxV2nPy8GaD', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Tokyo, Japan","unit":"celsius"}' } },
    ]);
    expect(calls.map((c) => JSON.parse(c.function.arguments))).toEqual([
      { location: 'Paris, France', unit: 'celsius' },
      { location: 'Tokyo, Japan', unit: 'celsius' },
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(events[0]).toMatchObject({ status: 'success', finishReason: 'tool_calls' });
    expect(events[0]!.usage).toMatchObject({ inputTokens: 82, outputTokens: 52, totalTokens: 134, estimated: false });
    // Tool-call deltas count as output for time to first token.
    expect(events[0]!.ttftMs).toEqual(expect.any(Number));
  });

  it('closes the upstream stream when the caller stops reading, and records the call as aborted', async () => {
    let cancelled = false;
    // The provider keeps the connection open after a few chunks.
    const partial = sseEvents(STREAM).slice(0, 4).join('');
    openai.respond(() => sseResponse(partial, { hold: true, onCancel: () => (cancelled = true) }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const received = await readFirst(stream, 3);

    expect(streamedText(received)).toBe('Hello!');
    await until(() => cancelled);
    expect(cancelled).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', errorCode: 'request_aborted' });
    expect(events[0]!.usage.estimated).toBe(true);
    expect(openai.requests).toHaveLength(1);
  });

  it('lets the caller stop reading even when the body was cloned by a fetch wrapper', async () => {
    // A teed body's cancel settles only when every branch is cancelled: stopping must not wait on it.
    openai.keepResponseClones();
    const partial = sseEvents(STREAM).slice(0, 4).join('');
    openai.respond(() => sseResponse(partial, { hold: true }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const received = await readFirst(stream, 2);

    expect(streamedText(received)).toBe('Hello');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', errorCode: 'request_aborted' });
  });
});
