// npm test: OpenAI's streams replayed by msw; milliseconds.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatMessage } from '../../../src/index.js';
import { streamedText } from '../../helpers/chunk-content.js';
import { MODEL, createTestGateway, fixtureJson, fixtureText, jsonResponse, sseResponse, setupOpenAIServer } from '../../helpers/openai-server.js';
import { drain } from '../../helpers/read-stream.js';
import { sseEvents, ssePayloads } from '../../helpers/sse-events.js';

const openai = setupOpenAIServer();

const STREAM = fixtureText('openai-stream.chunks.txt');
const ERROR_FRAME = fixtureText('openai-stream-error-frame.chunks.txt');
const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];

describe('OpenAI adapter: streams that fail', () => {
  it('delivers the chunks of a cut stream, then throws a 502 and meters an estimate', async () => {
    // The role chunk and "Hello", "!", " How": then the body ends, without finish_reason, usage or [DONE].
    const cut = sseEvents(STREAM).slice(0, 4).join('');
    openai.respond(() => sseResponse(cut, { requestId: 'req_c0ffee00c0ffee00c0ffee00c0ffee00' }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const { chunks, error } = await drain(stream);

    expect(chunks).toHaveLength(4);
    expect(chunks.map(({ usage: _u, ...c }) => c)).toEqual(ssePayloads(STREAM).slice(0, 4).map(({ usage: _u, ...c }) => c));
    expect(streamedText(chunks)).toBe('Hello! How');
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e.status).toBe(502);
    expect(e.upstreamStatus).toBe(200);
    expect(e.message).toMatch(/ended before completion|interrupted/);
    expect(e.requestId).toBe('req_c0ffee00c0ffee00c0ffee00c0ffee00');
    // Chunks already reached the caller: no retry.
    expect(openai.requests).toHaveLength(1);

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 200, errorCode: 'provider_error', retries: 0 });
    expect(event.usage.estimated).toBe(true);
    expect(event.usage.outputTokens).toBeGreaterThan(0);
    expect(event.usage.inputTokens).toBeGreaterThan(0);
    expect(event.rawUsage).toBeNull();
    expect(event.ttftMs).toEqual(expect.any(Number));
  });

  it('delivers the chunks before a connection reset, then throws a 502 "interrupted"', async () => {
    let body: ReadableStreamDefaultController<Uint8Array> | undefined;
    const partial = sseEvents(STREAM).slice(0, 3).join('');
    openai.respond(() => sseResponse(partial, { hold: true, control: (c) => (body = c) }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const { chunks, error } = await drain(stream, (delivered) => {
      // The connection is reset once the caller has "Hello!".
      if (delivered.length === 3) body!.error(new Error('read ECONNRESET'));
    });

    expect(streamedText(chunks)).toBe('Hello!');
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(502);
    expect((error as ProviderError).isRetryable).toBe(true);
    expect((error as ProviderError).message).toMatch(/interrupted.*ECONNRESET/);
    expect(openai.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 502, usage: { estimated: true } });
    expect(events[0]!.usage.outputTokens).toBeGreaterThan(0);
  });

  it('throws the message of an error frame sent after some chunks, without retrying', async () => {
    const partial = sseEvents(STREAM).slice(0, 3).join('') + ERROR_FRAME;
    openai.respond(() => sseResponse(partial));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello!');
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e.status).toBe(502);
    expect(e.type).toBe('server_error');
    expect(e.message).toContain('The server had an error while processing your request');
    expect(e.body).toEqual(JSON.parse(ERROR_FRAME.replace(/^data: /, '')));
    expect(openai.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', usage: { estimated: true } });
  });

  it('retries transparently a stream whose first event is an error frame', async () => {
    openai.respond(
      () => sseResponse(ERROR_FRAME, { requestId: 'req_11111111111111111111111111111111' }),
      () => sseResponse(STREAM, { requestId: 'req_22222222222222222222222222222222' }),
    );
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const { chunks, error } = await drain(stream);

    expect(error).toBeUndefined();
    expect(openai.requests).toHaveLength(2);
    expect(openai.requests[1]!.body).toEqual(openai.requests[0]!.body);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(stream.gateway.providerRequestId).toBe('req_22222222222222222222222222222222');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'success',
      retries: 1,
      providerRequestId: 'req_22222222222222222222222222222222',
      usage: { inputTokens: 1290, outputTokens: 10, estimated: false },
    });
  });

  it.each([
    ['a stream that ends before its first chunk', () => sseResponse('')],
    [
      'a 429 before the stream opens',
      () =>
        HttpResponse.json(fixtureJson('openai-error-429.json'), {
          status: 429,
          headers: { ...fixtureJson<Record<string, string>>('openai-error-429.headers.json'), 'retry-after-ms': '1' },
        }),
    ],
  ])('retries transparently %s, then streams', async (_case, first) => {
    openai.respond(first, () => sseResponse(STREAM));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(error).toBeUndefined();
    expect(openai.requests).toHaveLength(2);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });

  it('rejects the call when the stream never opens (500 on every attempt)', async () => {
    openai.respond(() => jsonResponse(fixtureJson('openai-error-500.json'), { status: 500 }));
    const { gateway, events } = createTestGateway();

    const error = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(500);
    expect(openai.requests).toHaveLength(3);
    expect(events[0]).toMatchObject({ status: 'error', stream: true, retries: 2 });
  });

  it('treats an event that is not JSON as malformed (502)', async () => {
    const partial = sseEvents(STREAM).slice(0, 2).join('') + 'data: <html>upstream proxy error</html>\n\n';
    openai.respond(() => sseResponse(partial));
    const { gateway } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello');
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(502);
    expect((error as ProviderError).message).toMatch(/malformed response/);
    expect(openai.requests).toHaveLength(1);
  });
});
