// npm test: Bedrock's event streams replayed by msw from recorded fixtures; milliseconds.
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatMessage } from '../../../src/index.js';
import {
  ACCESS_KEY_ID,
  MODEL,
  MODEL_ID,
  REGION,
  converseStreamUrl,
  createTestGateway,
  eventStreamResponse,
  recordedFrames,
  setupBedrockServer,
  streamFrames,
} from '../../helpers/bedrock-server.js';
import { collectToolCalls, streamedText } from '../../helpers/chunk-content.js';
import { collect, drain, readFirst } from '../../helpers/read-stream.js';
import { until } from '../../helpers/until.js';

const bedrock = setupBedrockServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];

describe('Bedrock adapter: streaming (ConverseStream)', () => {
  it('turns the event stream into OpenAI chunks: role, content deltas, then the finish chunk', async () => {
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse(streamFrames('bedrock-stream.events.json'), { requestId: '3e8d1b6a-9c2f-4e7d-0a5b-8c1e4f7a0d3b' }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    expect(stream.gateway).toMatchObject({ integration: 'bedrock-prod', model: MODEL_ID, providerRequestId: '3e8d1b6a-9c2f-4e7d-0a5b-8c1e4f7a0d3b' });
    const chunks = await collect(stream);

    const base = { id: 'chatcmpl-3e8d1b6a-9c2f-4e7d-0a5b-8c1e4f7a0d3b', object: 'chat.completion.chunk', created: expect.any(Number), model: MODEL_ID };
    const delta = (d: ChatCompletionChunk['choices'][number]['delta'], finish: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta: d, finish_reason: finish, logprobs: null }],
    });
    expect(chunks).toEqual([
      delta({ role: 'assistant', content: '' }),
      delta({ content: 'Hello' }),
      delta({ content: '!' }),
      delta({ content: ' How can I' }),
      delta({ content: ' help you today?' }),
      delta({}, 'stop'),
    ]);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    for (const chunk of chunks) expect(chunk).not.toHaveProperty('usage');

    const sent = bedrock.requests[0]!;
    expect(sent.url).toBe('https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream');
    expect(sent.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(sent.headers.authorization).toContain(`Credential=${ACCESS_KEY_ID}/`);
    expect(sent.headers.authorization).toContain(`/${REGION}/bedrock/aws4_request`);
    expect(sent.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'Hello' }] }] });

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'success',
      stream: true,
      finishReason: 'stop',
      providerRequestId: '3e8d1b6a-9c2f-4e7d-0a5b-8c1e4f7a0d3b',
      retries: 0,
    });
    // 18 uncached + 1152 cache reads.
    expect(events[0]!.usage).toEqual({
      inputTokens: 1170,
      outputTokens: 12,
      cacheReadTokens: 1152,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 1182,
      estimated: false,
    });
    expect(events[0]!.rawUsage).toEqual({ cacheReadInputTokens: 1152, cacheWriteInputTokens: 0, inputTokens: 18, outputTokens: 12, totalTokens: 1182 });
    expect(events[0]!.ttftMs).toEqual(expect.any(Number));
  });

  it('reads the recorded binary frames whatever the network chunking', async () => {
    // The recorded frames (the exception frame at the end left out), one byte at a time.
    const bytes = Buffer.concat(recordedFrames().slice(0, -1));
    const oneByOne = Array.from(bytes, (b) => new Uint8Array([b]));
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse(oneByOne));
    const { gateway, events } = createTestGateway();

    const chunks = await collect(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(events[0]).toMatchObject({ status: 'success', usage: { inputTokens: 1170, outputTokens: 12, estimated: false } });
  });

  it('adds the usage chunk (and usage: null on the others) when the caller asked for it', async () => {
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse(streamFrames('bedrock-stream.events.json')));
    const { gateway } = createTestGateway();

    const chunks = await collect(
      await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, stream_options: { include_usage: true } }),
    );

    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 1170, completion_tokens: 12, total_tokens: 1182, prompt_tokens_details: { cached_tokens: 1152 }, completion_tokens_details: { reasoning_tokens: 0 } });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    // stream_options is the gateway's business: never sent to Converse.
    expect(bedrock.requests[0]!.body).not.toHaveProperty('stream_options');
  });

  it('streams tool calls whose deltas reassemble into the calls', async () => {
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse(streamFrames('bedrock-stream-tool-use.events.json')));
    const { gateway, events } = createTestGateway();

    const chunks = await collect(
      await gateway.chat({
        workspace: 'team-a',
        model: MODEL,
        messages: [{ role: 'user', content: 'What is the weather in Paris and in Tokyo?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
        stream: true,
      }),
    );

    expect(streamedText(chunks)).toBe("I'll check the weather in both cities.");
    const starts = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((d) => d.id);
    expect(starts).toEqual([
      { index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'tooluse_Qb7sVgN0T3uLxJ2mWdYc8A', type: 'function', function: { name: 'get_weather', arguments: '' } },
    ]);
    const calls = collectToolCalls(chunks);
    expect(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', 'get_weather', { location: 'Paris, France', unit: 'celsius' }],
      ['tooluse_Qb7sVgN0T3uLxJ2mWdYc8A', 'get_weather', { location: 'Tokyo, Japan', unit: 'celsius' }],
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(events[0]).toMatchObject({ status: 'success', finishReason: 'tool_calls', usage: { inputTokens: 412, outputTokens: 118, totalTokens: 530 } });
  });

  it('closes the upstream stream when the caller stops reading, and records the call as aborted', async () => {
    let cancelled = false;
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse(streamFrames('bedrock-stream.events.json').slice(0, 4), { hold: true, onCancel: () => (cancelled = true) }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const received = await readFirst(stream, 3);

    expect(streamedText(received)).toBe('Hello!');
    await until(() => cancelled, 100);
    expect(cancelled).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', errorCode: 'request_aborted', usage: { estimated: true } });
  });

  it("aborts the upstream stream on the caller's signal", async () => {
    let cancelled = false;
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse(streamFrames('bedrock-stream.events.json').slice(0, 3), { hold: true, onCancel: () => (cancelled = true) }));
    const { gateway, events } = createTestGateway();
    const controller = new AbortController();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }, { signal: controller.signal });
    const { chunks: received, error } = await drain(stream, (delivered) => {
      if (delivered.length === 2) controller.abort();
    });

    expect(error).toMatchObject({ code: 'request_aborted' });
    expect(streamedText(received)).toBe('Hello');
    await until(() => cancelled, 100);
    expect(cancelled).toBe(true);
    expect(events[0]).toMatchObject({ status: 'aborted' });
  });
});
