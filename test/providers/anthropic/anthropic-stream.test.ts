// npm test: Anthropic's event streams replayed by msw from recorded fixtures; milliseconds.
import { describe, expect, it } from 'vitest';
import { RequestAbortedError, type ChatCompletionChunk, type ChatMessage } from '../../../src/index.js';
import {
  API_KEY,
  MESSAGES_URL,
  MODEL,
  MODEL_ID,
  createTestGateway,
  fixtureText,
  sseResponse,
  setupAnthropicServer,
} from '../../helpers/anthropic-server.js';
import { collectToolCalls, streamedText } from '../../helpers/chunk-content.js';
import { drain, readFirst } from '../../helpers/read-stream.js';
import { sseEvents } from '../../helpers/sse-events.js';
import { until } from '../../helpers/until.js';

const anthropic = setupAnthropicServer();

const STREAM = fixtureText('anthropic-stream.chunks.txt');
const TOOL_STREAM = fixtureText('anthropic-stream-tool-use.chunks.txt');
const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];

/** The chunk shape every chunk of the fixture stream shares. */
const base = { id: 'msg_01QC4g3HwBThD4BaNtBckFDJ', object: 'chat.completion.chunk', created: expect.any(Number), model: 'claude-sonnet-4-5-20250929' };
const choice = (delta: ChatCompletionChunk['choices'][number]['delta'], finish_reason: string | null = null) => ({
  ...base,
  choices: [{ index: 0, delta, finish_reason, logprobs: null }],
});

describe('Anthropic adapter: streaming', () => {
  it('translates the events into OpenAI chunks: role, content deltas, finish; usage on the event', async () => {
    expect(sseEvents(STREAM)[0]).toMatch(/^event: message_start\ndata: /);
    anthropic.respond(() => sseResponse(STREAM, { requestId: 'req_011CSLsW7mFqvHHnzrKdKjAE' }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 256 });
    expect(stream.gateway).toMatchObject({ integration: 'anthropic-prod', model: MODEL_ID, providerRequestId: 'req_011CSLsW7mFqvHHnzrKdKjAE' });
    const { chunks, error } = await drain(stream);

    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'Hello' }),
      choice({ content: '! How can' }),
      choice({ content: ' I help you today?' }),
      choice({}, 'stop'),
    ]);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    for (const chunk of chunks) expect(chunk).not.toHaveProperty('usage');

    const sent = anthropic.requests[0]!;
    expect(sent.url).toBe(MESSAGES_URL);
    expect(sent.headers['x-api-key'] === API_KEY).toBe(true);
    expect(sent.headers.accept).toBe('text/event-stream');
    expect(sent.body).toEqual({ model: MODEL_ID, max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }], stream: true });

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'success',
      stream: true,
      finishReason: 'stop',
      servedModel: 'claude-sonnet-4-5-20250929',
      providerRequestId: 'req_011CSLsW7mFqvHHnzrKdKjAE',
      retries: 0,
    });
    // message_start: 12 uncached + 1843 read from the cache; message_delta: 12 output tokens in all.
    expect(events[0]!.usage).toEqual({
      inputTokens: 1855,
      outputTokens: 12,
      cacheReadTokens: 1843,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 1867,
      estimated: false,
    });
    expect(events[0]!.rawUsage).toMatchObject({ input_tokens: 12, cache_read_input_tokens: 1843, output_tokens: 12 });
    expect(events[0]!.ttftMs).toEqual(expect.any(Number));
  });

  it('adds the usage chunk (choices: []) and usage: null on the others when the caller asked include_usage', async () => {
    anthropic.respond(() => sseResponse(STREAM));
    const { gateway } = createTestGateway();

    const { chunks } = await drain(
      await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 256, stream_options: { include_usage: true } }),
    );

    expect(chunks).toHaveLength(6);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-1)).toEqual({
      ...base,
      choices: [],
      usage: { prompt_tokens: 1855, completion_tokens: 12, total_tokens: 1867, prompt_tokens_details: { cached_tokens: 1843 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    // stream_options is OpenAI's: never sent to Anthropic.
    expect(anthropic.requests[0]!.body).not.toHaveProperty('stream_options');
  });

  it('streams tool_use blocks as tool-call deltas that reassemble into the calls', async () => {
    anthropic.respond(() => sseResponse(TOOL_STREAM));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(
      await gateway.chat({
        workspace: 'team-a',
        model: MODEL,
        messages: [{ role: 'user', content: 'What is the weather in Paris and in Tokyo?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } } } } }],
        stream: true,
        max_tokens: 1024,
      }),
    );

    expect(error).toBeUndefined();
    expect(streamedText(chunks)).toBe("I'll check the weather in both cities.");
    const starts = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []).filter((d) => d.id);
    expect(starts).toEqual([
      { index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, id: 'toolu_01Ck2fVnPzH3sDxR7qMwLb9e', type: 'function', function: { name: 'get_weather', arguments: '' } },
    ]);
    // Fragments carry only the index and the arguments; empty fragments are not sent.
    const fragments = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []).filter((d) => !d.id);
    expect(fragments.map((f) => Object.keys(f).sort())).toEqual(Array(fragments.length).fill(['function', 'index']));
    expect(fragments.every((f) => f.function!.arguments!.length > 0)).toBe(true);
    const calls = collectToolCalls(chunks);
    expect(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', { location: 'Paris, France', unit: 'celsius' }],
      ['toolu_01Ck2fVnPzH3sDxR7qMwLb9e', 'get_weather', { location: 'Tokyo, Japan', unit: 'celsius' }],
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(events[0]).toMatchObject({ status: 'success', finishReason: 'tool_calls' });
    expect(events[0]!.usage).toMatchObject({ inputTokens: 472, outputTokens: 121, totalTokens: 593, estimated: false });
  });

  it('sends "{}" as the arguments of a tool called without input', async () => {
    const noArgs = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01NoArgs","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":310,"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01Xy7NoArgs","name":"get_time","input":{}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}\n\n',
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":31}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join('');
    anthropic.respond(() => sseResponse(noArgs));
    const { gateway } = createTestGateway();

    const { chunks } = await drain(
      await gateway.chat({
        workspace: 'team-a',
        model: MODEL,
        messages: [{ role: 'user', content: 'What time is it?' }],
        tools: [{ type: 'function', function: { name: 'get_time' } }],
        stream: true,
        max_tokens: 100,
      }),
    );

    expect(collectToolCalls(chunks)).toEqual([{ id: 'toolu_01Xy7NoArgs', type: 'function', function: { name: 'get_time', arguments: '{}' } }]);
  });

  it('streams a JSON-mode answer (the forced tool input) as content', async () => {
    anthropic.respond(() => sseResponse(fixtureText('anthropic-stream-json-tool.chunks.txt')));
    const { gateway, events } = createTestGateway();

    const { chunks } = await drain(
      await gateway.chat({
        workspace: 'team-a',
        model: MODEL,
        messages: [{ role: 'user', content: 'Weather in Paris as JSON' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'weather_report', schema: { type: 'object', properties: { city: { type: 'string' }, temperature: { type: 'number' }, conditions: { type: 'string' } } } },
        },
        stream: true,
        max_tokens: 400,
      }),
    );

    expect(JSON.parse(streamedText(chunks))).toEqual({ city: 'Paris', temperature: 18, conditions: 'partly cloudy' });
    for (const chunk of chunks) expect(chunk.choices[0]!.delta.tool_calls).toBeUndefined();
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(events[0]).toMatchObject({ finishReason: 'stop', usage: { inputTokens: 531, outputTokens: 58 } });
  });

  it('skips thinking deltas (with a warning) and streams only the text', async () => {
    const [start, ...rest] = sseEvents(STREAM);
    const thinking = [
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"A greeting calls for a greeting."}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}\n\n',
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
    ].join('');
    // The text block becomes block 1.
    const text1 = rest.join('').replaceAll('"index":0', '"index":1');
    anthropic.respond(() => sseResponse(start + thinking + text1));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 2048 }));

    expect(error).toBeUndefined();
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(events[0]!.warnings).toEqual(['Anthropic "thinking" content blocks have no place in a chat completion and were left out']);
  });

  it('in JSON mode, streams a text-only answer (no JSON tool call) as content at the end', async () => {
    anthropic.respond(() => sseResponse(STREAM));
    const { gateway } = createTestGateway();

    const { chunks } = await drain(
      await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 256, response_format: { type: 'json_object' } }),
    );

    expect(chunks.map((c) => c.choices[0]!.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hello! How can I help you today?' }, {}]);
  });

  it('closes the upstream stream when the caller stops reading, and records the call as aborted', async () => {
    let cancelled = false;
    // Anthropic keeps the connection open after "Hello" and "! How can".
    const partial = sseEvents(STREAM).slice(0, 5).join('');
    anthropic.respond(() => sseResponse(partial, { hold: true, onCancel: () => (cancelled = true) }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 256 });
    const received = await readFirst(stream, 2);

    expect(streamedText(received)).toBe('Hello');
    await until(() => cancelled);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', errorCode: 'request_aborted' });
    expect(events[0]!.usage.estimated).toBe(true);
    expect(anthropic.requests).toHaveLength(1);
  });

  it('aborts a stream in the middle: the caller gets the chunks so far, then RequestAbortedError', async () => {
    let cancelled = false;
    anthropic.respond(() => sseResponse(sseEvents(STREAM).slice(0, 5).join(''), { hold: true, onCancel: () => (cancelled = true) }));
    const { gateway, events } = createTestGateway();
    const controller = new AbortController();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 256 }, { signal: controller.signal });
    const { chunks: received, error } = await drain(stream, (delivered) => {
      if (delivered.length === 3) controller.abort();
    });

    expect(streamedText(received)).toBe('Hello! How can');
    expect(error).toBeInstanceOf(RequestAbortedError);
    await until(() => cancelled);
    expect(anthropic.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', httpStatus: 499, stream: true, usage: { estimated: true } });
  });
});
