// npm test: Bedrock's event streams replayed by msw; milliseconds.
import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatMessage } from '../../../src/index.js';
import {
  MODEL,
  converseStreamUrl,
  createTestGateway,
  eventStreamResponse,
  exceptionFrame,
  fixtureJson,
  jsonResponse,
  rawEventFrame,
  recordedFrames,
  setupBedrockServer,
  streamException,
  streamFrames,
} from '../../helpers/bedrock-server.js';
import { streamedText } from '../../helpers/chunk-content.js';
import { drain } from '../../helpers/read-stream.js';

const bedrock = setupBedrockServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const FRAMES = streamFrames('bedrock-stream.events.json');

describe('Bedrock adapter: exceptions inside a 200 stream', () => {
  it.each(['throttlingException', 'modelStreamErrorException'])(
    'retries transparently a %s that arrives before any content',
    async (type) => {
      // messageStart, then the exception: nothing reached the caller yet.
      bedrock.respond(
        converseStreamUrl(),
        () => eventStreamResponse([FRAMES[0]!, exceptionFrame(streamException(type))], { requestId: '11111111-1111-4111-8111-111111111111' }),
        () => eventStreamResponse(FRAMES, { requestId: '22222222-2222-4222-8222-222222222222' }),
      );
      const { gateway, events } = createTestGateway();

      const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
      const { chunks, error } = await drain(stream);

      expect(error).toBeUndefined();
      expect(bedrock.requests).toHaveLength(2);
      expect(bedrock.requests[1]!.text).toBe(bedrock.requests[0]!.text);
      expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
      expect(chunks.filter((c) => c.choices[0]?.delta.role === 'assistant')).toHaveLength(1);
      expect(stream.gateway.providerRequestId).toBe('22222222-2222-4222-8222-222222222222');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ status: 'success', retries: 1, usage: { inputTokens: 1170, outputTokens: 12, estimated: false } });
    },
  );

  it('surfaces an exception that arrives after content, without retrying, and meters an estimate', async () => {
    const exception = streamException('modelStreamErrorException');
    // The recorded frames: messageStart, "Hello", "!", then the recorded modelStreamErrorException frame.
    const recorded = recordedFrames();
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse([...recorded.slice(0, 3), recorded.at(-1)!], { requestId: 'c0ffee00-c0ff-4ee0-8c0f-fee00c0ffee0' }));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello!');
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e).toMatchObject({
      status: 502,
      upstreamStatus: 200,
      isRetryable: true,
      type: 'modelStreamErrorException',
      body: exception.payload,
      requestId: 'c0ffee00-c0ff-4ee0-8c0f-fee00c0ffee0',
    });
    expect(e.message).toBe('bedrock: modelStreamErrorException in the stream: Model Stream Error');
    // Content already reached the caller: no retry.
    expect(bedrock.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 200, retries: 0, usage: { estimated: true } });
    expect(events[0]!.usage.outputTokens).toBeGreaterThan(0);
  });

  it('does not retry a validationException in the stream (400)', async () => {
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse([FRAMES[0]!, exceptionFrame(streamException('validationException'))]));
    const { gateway, events } = createTestGateway();

    const error = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 400, upstreamStatus: 200, isRetryable: false, type: 'validationException' });
    expect((error as ProviderError).message).toContain('Input is too long for requested model.');
    expect(bedrock.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 400, retries: 0 });
  });

  it('gives up a stream throttled on every attempt with a retryable 429', async () => {
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse([FRAMES[0]!, exceptionFrame(streamException('throttlingException'))]));
    const { gateway, events } = createTestGateway();

    const error = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }).catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 429, isRetryable: true, type: 'throttlingException' });
    expect(bedrock.requests).toHaveLength(3);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 429, retries: 2 });
  });

  it('retries a 429 before the stream opens, then streams', async () => {
    bedrock.respond(
      converseStreamUrl(),
      () => jsonResponse(fixtureJson('bedrock-error-429.json'), { status: 429, errorType: 'ThrottlingException' }),
      () => eventStreamResponse(FRAMES),
    );
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(error).toBeUndefined();
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });
});

describe('Bedrock adapter: cut and corrupt streams', () => {
  it('delivers the chunks of a stream cut in the middle, then fails and settles an estimate on the token budget', async () => {
    // messageStart, "Hello", "!", then half of the next frame: the connection ends mid-frame.
    const half = FRAMES[3]!.subarray(0, 20);
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse([...FRAMES.slice(0, 3), half], { requestId: 'deadbeef-dead-4bee-8dea-dbeefdeadbee' }));
    const { gateway, events } = createTestGateway({ budgets: [{ type: 'tokens', limit: 100_000 }] });

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 500 });
    const { chunks, error } = await drain(stream);

    expect(streamedText(chunks)).toBe('Hello!');
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e).toMatchObject({ status: 502, upstreamStatus: 200, isRetryable: true, requestId: 'deadbeef-dead-4bee-8dea-dbeefdeadbee' });
    expect(e.message).toMatch(/interrupted: the stream ended in the middle of a frame/);
    expect(bedrock.requests).toHaveLength(1);

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 200, errorCode: 'provider_error', retries: 0 });
    expect(event.usage.estimated).toBe(true);
    expect(event.usage.inputTokens).toBeGreaterThan(0);
    expect(event.usage.outputTokens).toBeGreaterThan(0);
    expect(event.rawUsage).toBeNull();
    await gateway.flush();
    const [budget] = await gateway.limits.status({ workspace: 'team-a', integration: 'bedrock-prod' });
    // The reservation (input bound + max_tokens) was replaced by the estimate.
    expect(budget).toMatchObject({ kind: 'budget', type: 'tokens', used: event.usage.totalTokens, reserved: 0 });
  });

  it('fails a stream that ends cleanly between frames but before messageStop', async () => {
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse(FRAMES.slice(0, 5)));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(error).toMatchObject({ status: 502, isRetryable: true });
    expect((error as ProviderError).message).toMatch(/ended before completion \(no messageStop event\)/);
    expect(events[0]).toMatchObject({ status: 'error', usage: { estimated: true } });
  });

  it('delivers the chunks before a connection reset, then throws a 502 "interrupted"', async () => {
    let body: ReadableStreamDefaultController<Uint8Array> | undefined;
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse(FRAMES.slice(0, 3), { hold: true, control: (c) => (body = c) }));
    const { gateway } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const { chunks, error } = await drain(stream, (delivered) => {
      if (delivered.length === 3) body!.error(new Error('read ECONNRESET'));
    });

    expect(streamedText(chunks)).toBe('Hello!');
    expect(error).toMatchObject({ status: 502, isRetryable: true });
    expect((error as ProviderError).message).toMatch(/interrupted.*ECONNRESET/);
  });

  it('rejects a frame whose CRC does not match with a ProviderError (malformed, not retried)', async () => {
    const corrupt = FRAMES[2]!.slice();
    // Flip a byte of the payload: the message CRC no longer matches.
    corrupt[corrupt.length - 10]! ^= 0xff;
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse([...FRAMES.slice(0, 2), corrupt, ...FRAMES.slice(3)]));
    const { gateway, events } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, upstreamStatus: 200, isRetryable: false });
    expect((error as ProviderError).message).toMatch(/malformed response: an event stream frame is corrupt: The message checksum/);
    expect(bedrock.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 502 });
  });

  it('treats an event whose payload is not JSON as malformed', async () => {
    // A well-formed frame (its CRCs hold) whose payload is not JSON.
    const notJson = rawEventFrame('contentBlockDelta', '<html>proxy error</html>');
    bedrock.respond(converseStreamUrl(), () => eventStreamResponse([...FRAMES.slice(0, 2), notJson]));
    const { gateway } = createTestGateway();

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    expect(streamedText(chunks)).toBe('Hello');
    expect(error).toMatchObject({ status: 502, isRetryable: false });
    expect((error as ProviderError).message).toMatch(/malformed response: the payload of a contentBlockDelta event is not JSON/);
  });
});
