// npm test: Bedrock's errors replayed by msw; milliseconds.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../src/index.js';
import { MODEL, converseUrl, createTestGateway, fixtureJson, jsonResponse, setupBedrockServer } from '../../helpers/bedrock-server.js';
import { providerFailure } from '../../helpers/failure.js';

const bedrock = setupBedrockServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const ok = () => jsonResponse(fixtureJson('bedrock-converse.json'));
const throttled = (headers: Record<string, string> = {}) =>
  jsonResponse(fixtureJson('bedrock-error-429.json'), { status: 429, errorType: 'ThrottlingException', requestId: '5c1f0e9a-7b3d-4e2f-8a6b-0c9d1e2f3a4b', headers });

describe('Bedrock adapter: error answers', () => {
  it('retries a 429 ThrottlingException and succeeds', async () => {
    bedrock.respond(converseUrl(), () => throttled(), ok);
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(bedrock.requests).toHaveLength(2);
    expect(bedrock.requests[1]!.text).toBe(bedrock.requests[0]!.text);
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(res.gateway.retries).toBe(1);
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });

  it('returns a ProviderError with the AWS error type, message, request id and Retry-After once retries are used up', async () => {
    bedrock.respond(converseUrl(), () => throttled({ 'retry-after': '0' }));
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(bedrock.requests).toHaveLength(3);
    expect(error).toMatchObject({
      code: 'provider_error',
      provider: 'bedrock',
      status: 429,
      upstreamStatus: 429,
      isRetryable: true,
      type: 'ThrottlingException',
      requestId: '5c1f0e9a-7b3d-4e2f-8a6b-0c9d1e2f3a4b',
      retryAfterMs: 0,
      body: fixtureJson('bedrock-error-429.json'),
    });
    expect(error.message).toBe('bedrock: Too many requests, please wait before trying again.');
    expect(error.headers).toMatchObject({ 'x-amzn-requestid': '5c1f0e9a-7b3d-4e2f-8a6b-0c9d1e2f3a4b', 'retry-after': '0' });
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 429, upstreamStatus: 429, retries: 2 });
  });

  it('does not retry a 400 ValidationException', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-error-400.json'), { status: 400, errorType: 'ValidationException', requestId: 'a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f90' }));
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(bedrock.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 400, upstreamStatus: 400, isRetryable: false, type: 'ValidationException', requestId: 'a1b2c3d4-e5f6-4718-893a-4b5c6d7e8f90' });
    expect(error.message).toBe('bedrock: The provided model identifier is invalid.');
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 400, retries: 0 });
  });

  it('retries a 503 ServiceUnavailableException, then surfaces it', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-error-503.json'), { status: 503, errorType: 'ServiceUnavailableException' }));
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(bedrock.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 503, isRetryable: true, type: 'ServiceUnavailableException' });
  });

  it('turns a 200 whose body is not a Converse answer into a 502, without retrying', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse({ output: { message: { role: 'assistant' } }, stopReason: 'end_turn' }));
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(bedrock.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 502, upstreamStatus: 200, isRetryable: false });
    expect(error.message).toMatch(/malformed response: the response is not a Converse answer \(.* at output\.message\.content\)/);
  });

  it('turns a 200 that is not JSON into a 502', async () => {
    bedrock.respond(converseUrl(), () => new HttpResponse('<html>502 Bad Gateway</html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(error).toMatchObject({ status: 502, isRetryable: false });
    expect(error.message).toMatch(/malformed response: the response body is not JSON/);
  });

  it('retries a network error, then surfaces a 502 without upstream status', async () => {
    bedrock.respond(converseUrl(), () => HttpResponse.error());
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(bedrock.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 502, upstreamStatus: null, isRetryable: true });
    expect(error.message).toMatch(/^bedrock: network error/);
  });
});
