// npm test: Anthropic's event streams replayed by msw; milliseconds.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatMessage } from '../../../src/index.js';
import {
  MODEL,
  SLUG,
  createTestGateway,
  fixtureJson,
  fixtureText,
  jsonResponse,
  sseResponse,
  setupAnthropicServer,
} from '../../helpers/anthropic-server.js';
import { streamedText } from '../../helpers/chunk-content.js';
import { drain } from '../../helpers/read-stream.js';
import { sseEvents } from '../../helpers/sse-events.js';

const anthropic = setupAnthropicServer();

const STREAM = fixtureText('anthropic-stream.chunks.txt');
const ERROR_FRAME = fixtureText('anthropic-stream-error-frame.chunks.txt');
/** message_start, content_block_start, ping, "Hello", "! How can", " I help you today?", content_block_stop, message_delta, message_stop */
const EVENTS = sseEvents(STREAM);
const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const request = { workspace: 'team-a', model: MODEL, messages, stream: true as const, max_tokens: 256 };

describe('Anthropic adapter: streams that fail', () => {
  it('retries transparently a 200 stream whose first event is an error frame (overloaded_error)', async () => {
    expect(ERROR_FRAME).toMatch(/^event: error\ndata: /);
    anthropic.respond(
      () => sseResponse(ERROR_FRAME, { requestId: 'req_011CFirstAttempt00000000' }),
      () => sseResponse(STREAM, { requestId: 'req_011CSecondAttempt0000000' }),
    );
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat(request);
    const { chunks, error } = await drain(stream);

    expect(error).toBeUndefined();
    expect(anthropic.requests).toHaveLength(2);
    expect(anthropic.requests[1]!.body).toEqual(anthropic.requests[0]!.body);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(stream.gateway.providerRequestId).toBe('req_011CSecondAttempt0000000');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'success', retries: 1, usage: { inputTokens: 1855, outputTokens: 12, estimated: false } });
  });

  it('retries transparently an error frame that follows message_start and ping but precedes any content', async () => {
    // Anthropic has opened the message, then overloads before the first token.
    const early = EVENTS.slice(0, 3).join('') + ERROR_FRAME;
    anthropic.respond(() => sseResponse(early), () => sseResponse(STREAM));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat(request));

    expect(error).toBeUndefined();
    expect(anthropic.requests).toHaveLength(2);
    // Nothing of the failed attempt reached the caller: one role chunk, one finish chunk.
    expect(chunks.filter((c) => c.choices[0]!.delta.role)).toHaveLength(1);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });

  it('surfaces an error frame on every attempt as a retryable 529 once retries are used up', async () => {
    anthropic.respond(() => sseResponse(ERROR_FRAME, { requestId: 'req_011CAlwaysOverloaded00000' }));
    const { gateway, events } = createTestGateway();

    const error = await gateway.chat(request).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 529, upstreamStatus: 200, isRetryable: true, type: 'overloaded_error', requestId: 'req_011CAlwaysOverloaded00000' });
    expect((error as ProviderError).message).toBe('anthropic: Overloaded');
    expect((error as ProviderError).body).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(anthropic.requests).toHaveLength(3);
    expect(events[0]).toMatchObject({ status: 'error', stream: true, retries: 2, httpStatus: 529 });
  });

  it('throws an error frame that comes after content, without retrying', async () => {
    const partial = EVENTS.slice(0, 5).join('') + ERROR_FRAME;
    anthropic.respond(() => sseResponse(partial));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat(request));

    expect(streamedText(chunks)).toBe('Hello! How can');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error' });
    expect(anthropic.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', usage: { estimated: true } });
  });

  it('delivers the chunks of a cut stream, then throws "ended before completion" and charges the exact input plus the estimated output', async () => {
    // message_start ... "! How can": then the body ends, without message_delta or message_stop.
    const cut = EVENTS.slice(0, 5).join('');
    anthropic.respond(() => sseResponse(cut, { requestId: 'req_011CCutStream000000000000' }));
    const { gateway, events } = createTestGateway({ integration: { budgets: [{ type: 'tokens', limit: 100_000 }] } });

    const { chunks, error } = await drain(await gateway.chat(request));

    expect(chunks.map((c) => c.choices[0]!.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hello' }, { content: '! How can' }]);
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e).toMatchObject({ status: 502, upstreamStatus: 200, isRetryable: true, requestId: 'req_011CCutStream000000000000' });
    expect(e.message).toMatch(/ended before completion/);
    // Chunks had reached the caller: no retry.
    expect(anthropic.requests).toHaveLength(1);

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 200, errorCode: 'provider_error', retries: 0 });
    // The input is exactly what message_start reported; the output is estimated from what was delivered.
    const start = JSON.parse(EVENTS[0]!.split('data: ')[1]!) as { message: { usage: { input_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number } } };
    const reported = start.message.usage;
    expect(event.usage.estimated).toBe(true);
    expect(event.usage.inputTokens).toBe(reported.input_tokens + (reported.cache_read_input_tokens ?? 0) + (reported.cache_creation_input_tokens ?? 0));
    expect(event.usage.outputTokens).toBe(Math.ceil('Hello! How can'.length / 4));
    expect(event.rawUsage).toMatchObject({ input_tokens: reported.input_tokens });
    // The budget was charged what was estimated, and the reservation released.
    const [budget] = (await gateway.limits.status({ workspace: 'team-a', integration: SLUG })).filter((s) => s.kind === 'budget');
    expect(budget).toMatchObject({ type: 'tokens', limit: 100_000, used: event.usage.totalTokens, reserved: 0 });
  });

  it('delivers the chunks before a connection reset, then throws a 502 "interrupted"', async () => {
    let body: ReadableStreamDefaultController<Uint8Array> | undefined;
    anthropic.respond(() => sseResponse(EVENTS.slice(0, 4).join(''), { hold: true, control: (c) => (body = c) }));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat(request);
    const { chunks, error } = await drain(stream, (delivered) => {
      if (delivered.length === 2) body!.error(new Error('read ECONNRESET'));
    });

    expect(streamedText(chunks)).toBe('Hello');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, isRetryable: true });
    expect((error as ProviderError).message).toMatch(/interrupted.*ECONNRESET/);
    expect(anthropic.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', usage: { estimated: true } });
  });

  it('treats an event that is not JSON as malformed (502, not retried)', async () => {
    const partial = EVENTS.slice(0, 4).join('') + 'event: content_block_delta\ndata: <html>upstream proxy error</html>\n\n';
    anthropic.respond(() => sseResponse(partial));
    const { gateway } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat(request));

    expect(streamedText(chunks)).toBe('Hello');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, isRetryable: false });
    expect((error as ProviderError).message).toMatch(/malformed response: a stream event is not JSON/);
    expect(anthropic.requests).toHaveLength(1);
  });

  it('treats a delta for a block that never started as malformed', async () => {
    const partial = EVENTS[0]! + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"x"}}\n\n';
    anthropic.respond(() => sseResponse(partial));
    const { gateway } = createTestGateway();

    const error = await gateway.chat(request).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/malformed response: .*block 3/);
    // Malformed answers are not retried (the provider may have billed for them).
    expect(anthropic.requests).toHaveLength(1);
  });

  it('retries a 529 before the stream opens, then streams', async () => {
    anthropic.respond(() => jsonResponse(fixtureJson('anthropic-error-529.json'), { status: 529 }), () => sseResponse(STREAM));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat(request));

    expect(error).toBeUndefined();
    expect(anthropic.requests).toHaveLength(2);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });

  it('retries a stream that ends before its first event', async () => {
    anthropic.respond(() => sseResponse(''), () => sseResponse(STREAM));
    const { gateway } = createTestGateway();

    const { error } = await drain(await gateway.chat(request));

    expect(error).toBeUndefined();
    expect(anthropic.requests).toHaveLength(2);
  });

  it('rejects the call when every attempt fails before the stream opens (network error)', async () => {
    anthropic.respond(() => HttpResponse.error());
    const { gateway } = createTestGateway();

    const error = await gateway.chat(request).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    expect(anthropic.requests).toHaveLength(3);
  });
});
