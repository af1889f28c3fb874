// npm test: Gemini's streams replayed by msw; milliseconds.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatCompletionChunk, type ChatMessage } from '../../../src/index.js';
import { streamedText } from '../../helpers/chunk-content.js';
import { API_KEY, fixtureJson, fixtureText, geminiGateway, geminiUrl, setupGoogleServer, sseResponse } from '../../helpers/gemini-server.js';
import { collect, drain } from '../../helpers/read-stream.js';
import { sseEvents, ssePayloads } from '../../helpers/sse-events.js';
import { until } from '../../helpers/until.js';

const google = setupGoogleServer();

const STREAM = fixtureText('gemini/gemini-stream.chunks.txt');
const TOOL_STREAM = fixtureText('gemini/gemini-stream-function-call.chunks.txt');
const ERROR_FRAME = fixtureText('gemini/gemini-stream-error-frame.chunks.txt');
const URL_STREAM = geminiUrl('gemini-2.5-flash', 'streamGenerateContent');
const MODEL = '@gemini/gemini-2.5-flash';
const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const RESPONSE_ID = 'TX5HaLa1Gbrwz7IP9Ovy2Ag';

const chunk = (choice: ChatCompletionChunk['choices'][number]): ChatCompletionChunk => ({
  id: RESPONSE_ID,
  object: 'chat.completion.chunk',
  created: expect.any(Number) as unknown as number,
  model: 'gemini-2.5-flash',
  choices: [choice],
});

describe('Gemini adapter: streaming', () => {
  it('streams OpenAI chunks: a role chunk, the text deltas, then the finish reason; usage from the last event', async () => {
    expect(STREAM).toContain('\r\n\r\n');
    google.respond(URL_STREAM, () => sseResponse(STREAM));
    const { gateway, events } = geminiGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    expect(stream.gateway.providerRequestId).toBe(RESPONSE_ID);
    const chunks = await collect(stream);

    expect(chunks).toEqual([
      chunk({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }),
      chunk({ index: 0, delta: { content: 'Hello' }, finish_reason: null }),
      chunk({ index: 0, delta: { content: '! How can I help' }, finish_reason: null }),
      chunk({ index: 0, delta: { content: ' you today?' }, finish_reason: null }),
      chunk({ index: 0, delta: {}, finish_reason: 'stop' }),
    ]);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');

    const sent = google.requests[0]!;
    expect(sent.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(sent.headers['x-goog-api-key']).toBe(API_KEY);
    expect(sent.headers.accept).toBe('text/event-stream');
    expect(sent.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'success',
      stream: true,
      finishReason: 'stop',
      servedModel: 'gemini-2.5-flash',
      providerRequestId: RESPONSE_ID,
      usage: { inputTokens: 9, outputTokens: 41, cacheReadTokens: 0, reasoningTokens: 32, totalTokens: 50, estimated: false },
      rawUsage: ssePayloads<{ usageMetadata: unknown }>(STREAM).at(-1)!.usageMetadata,
    });
    expect(events[0]!.ttftMs).toEqual(expect.any(Number));
  });

  it('adds usage: null to every chunk and a final usage chunk when the caller asked for include_usage', async () => {
    google.respond(URL_STREAM, () => sseResponse(STREAM));
    const { gateway } = geminiGateway();

    const chunks = await collect(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, stream_options: { include_usage: true } }));

    expect(chunks).toHaveLength(6);
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(chunks.at(-1)).toEqual({
      id: RESPONSE_ID,
      object: 'chat.completion.chunk',
      created: chunks[0]!.created,
      model: 'gemini-2.5-flash',
      choices: [],
      usage: {
        prompt_tokens: 9,
        completion_tokens: 41,
        total_tokens: 50,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 32 },
      },
    });
    expect(google.requests[0]!.body).not.toHaveProperty('stream_options');
  });

  it('streams function calls as tool call deltas, with finish_reason tool_calls', async () => {
    google.respond(geminiUrl('gemini-3-pro-preview', 'streamGenerateContent'), () => sseResponse(TOOL_STREAM));
    const { gateway, events } = geminiGateway();

    const chunks = await collect(
      await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-3-pro-preview', messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], stream: true }),
    );

    expect(chunks.map((c) => c.choices[0]!.finish_reason)).toEqual([null, null, 'tool_calls']);
    const deltas = chunks[1]!.choices[0]!.delta.tool_calls!;
    const signature = (ssePayloads<{ candidates: Array<{ content: { parts: Array<{ thoughtSignature?: string }> } }> }>(TOOL_STREAM)[0]!)
      .candidates[0]!.content.parts[0]!.thoughtSignature;
    expect(deltas).toEqual([
      {
        index: 0,
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
        extra_content: { google: { thought_signature: signature } },
      },
      {
        index: 1,
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"Tokyo, Japan","unit":"celsius"}' },
      },
    ]);
    expect(events[0]).toMatchObject({ status: 'success', finishReason: 'tool_calls', usage: { inputTokens: 74, outputTokens: 227, totalTokens: 301 } });
  });

  it('streams a blocked prompt as a refusal with finish_reason content_filter', async () => {
    google.respond(URL_STREAM, () => sseResponse(fixtureText('gemini/gemini-stream-blocked.chunks.txt')));
    const { gateway, events } = geminiGateway();

    const chunks = await collect(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(chunks.map((c) => c.choices[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: null, refusal: 'Gemini blocked the prompt (blockReason PROHIBITED_CONTENT)' }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'content_filter' },
    ]);
    expect(events[0]).toMatchObject({ status: 'success', finishReason: 'content_filter', usage: { inputTokens: 12, outputTokens: 0, estimated: false } });
  });

  it('throws a 502 when the stream is cut, charges the usage Gemini reported so far to a token budget', async () => {
    // The first two events, then the body ends: no finish reason.
    const cut = sseEvents(STREAM).slice(0, 2).join('');
    google.respond(URL_STREAM, () => sseResponse(cut));
    const { gateway, events } = geminiGateway({ integration: { workspaces: { 'team-a': { budgets: [{ type: 'tokens', limit: 100_000 }] } } } });

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 500 });
    const { chunks, error } = await drain(stream);

    expect(streamedText(chunks)).toBe('Hello! How can I help');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, upstreamStatus: 200, requestId: RESPONSE_ID });
    expect((error as ProviderError).message).toMatch(/ended before completion/);
    // Chunks already reached the caller: no retry.
    expect(google.requests).toHaveLength(1);

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 200, errorCode: 'provider_error' });
    // The last usage Gemini reported (second event): 9 prompt tokens, 5 candidate + 32 thinking
    // tokens, more than the 6 an estimate of the delivered text would give (thoughts are not streamed).
    expect(event.usage).toMatchObject({ estimated: true, inputTokens: 9, outputTokens: 37, reasoningTokens: 32 });
    expect(event.rawUsage).toMatchObject({ promptTokenCount: 9, candidatesTokenCount: 5 });

    const status = await gateway.limits.status({ workspace: 'team-a', integration: 'gemini' });
    const budget = status.find((s) => s.kind === 'budget' && s.type === 'tokens')!;
    expect(budget).toMatchObject({ used: event.usage.totalTokens, reserved: 0, remaining: 100_000 - event.usage.totalTokens });
  });

  it('throws a retryable 502 "interrupted" when the connection resets mid-stream', async () => {
    let body: ReadableStreamDefaultController<Uint8Array> | undefined;
    google.respond(URL_STREAM, () => sseResponse(sseEvents(STREAM).slice(0, 2).join(''), { hold: true, control: (c) => (body = c) }));
    const { gateway, events } = geminiGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const { chunks, error } = await drain(stream, (delivered) => {
      if (delivered.length === 3) body!.error(new Error('read ECONNRESET'));
    });

    expect(streamedText(chunks)).toBe('Hello! How can I help');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, isRetryable: true });
    expect((error as ProviderError).message).toMatch(/interrupted.*ECONNRESET/);
    expect(events[0]).toMatchObject({ status: 'error', usage: { estimated: true } });
  });

  it('retries transparently a stream whose first event is an error frame', async () => {
    google.respond(URL_STREAM, () => sseResponse(ERROR_FRAME), () => sseResponse(STREAM));
    const { gateway, events } = geminiGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(error).toBeUndefined();
    expect(google.requests).toHaveLength(2);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });

  it('throws the error frame sent after some chunks, with Google status and message, without retrying', async () => {
    google.respond(URL_STREAM, () => sseResponse(sseEvents(STREAM).slice(0, 1).join('') + ERROR_FRAME));
    const { gateway, events } = geminiGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, upstreamStatus: 200, type: 'UNAVAILABLE', isRetryable: true, body: ssePayloads(ERROR_FRAME)[0] });
    expect((error as ProviderError).message).toBe('gemini: The model is overloaded. Please try again later.');
    expect(google.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', usage: { estimated: true } });
  });

  it('rejects the stream before it opens on an error status, with Google error body', async () => {
    google.respond(URL_STREAM, () => HttpResponse.json(fixtureJson('gemini/gemini-error-400.json'), { status: 400 }));
    const { gateway, events } = geminiGateway();

    const error = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 100_000 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 400, type: 'INVALID_ARGUMENT', isRetryable: false });
    expect(google.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', stream: true, httpStatus: 400 });
  });

  it('treats an event that is not JSON as malformed (502)', async () => {
    google.respond(URL_STREAM, () => sseResponse(sseEvents(STREAM).slice(0, 1).join('') + 'data: <html>proxy error</html>\r\n\r\n'));
    const { gateway } = geminiGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello');
    expect(error).toMatchObject({ status: 502, isRetryable: false });
    expect((error as ProviderError).message).toMatch(/malformed response: a stream event is not JSON/);
  });

  it('closes the upstream stream when the caller stops reading', async () => {
    let cancelled = false;
    google.respond(URL_STREAM, () => sseResponse(sseEvents(STREAM).slice(0, 2).join(''), { hold: true, onCancel: () => (cancelled = true) }));
    const { gateway, events } = geminiGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    for await (const c of stream) if (c.choices[0]?.delta.content === 'Hello') break;

    await until(() => cancelled);
    expect(events[0]).toMatchObject({ status: 'aborted', errorCode: 'request_aborted' });
  });
});
