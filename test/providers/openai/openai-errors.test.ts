// npm test: OpenAI's errors replayed by msw, Retry-After waits on fake timers; milliseconds.
import { HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../../../src/index.js';
import { providerFailure } from '../../helpers/failure.js';
import { MODEL, chatFixture, createTestGateway, fixtureJson, jsonResponse, setupOpenAIServer } from '../../helpers/openai-server.js';
import { until } from '../../helpers/until.js';

const openai = setupOpenAIServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const RATE_LIMIT_BODY = fixtureJson('openai-error-429.json');
const RATE_LIMIT_HEADERS = fixtureJson<Record<string, string>>('openai-error-429.headers.json');
const SERVER_ERROR_BODY = fixtureJson('openai-error-500.json');

/** OpenAI's 429, with its recorded headers, optionally overridden (`null` removes a header). */
function rateLimited(overrides: Record<string, string | null> = {}): Response {
  const headers = new Headers(RATE_LIMIT_HEADERS);
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return HttpResponse.json(RATE_LIMIT_BODY, { status: 429, headers });
}

const serverError = () => jsonResponse(SERVER_ERROR_BODY, { status: 500, requestId: 'req_e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0' });
const ok = () => jsonResponse(chatFixture());

describe('OpenAI adapter: rate limits (429)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries a 429 and succeeds, counting the retry', async () => {
    openai.respond(() => rateLimited({ 'retry-after-ms': '2' }), ok);
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(openai.requests).toHaveLength(2);
    expect(openai.requests[1]!.body).toEqual(openai.requests[0]!.body);
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(res.gateway.retries).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });

  it.each([
    ['retry-after-ms', { 'retry-after-ms': '30000', 'retry-after': '30' }, 30_000],
    ['retry-after (seconds)', { 'retry-after-ms': null, 'retry-after': '2' }, 2_000],
  ])('waits the %s the provider asks for before retrying', async (_name, headers, waitMs) => {
    // Fake timers make the wait observable without measuring time: the retry cannot happen
    // before the fake clock has been moved past the provider's Retry-After.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    openai.respond(() => rateLimited(headers), ok);
    const { gateway } = createTestGateway();

    const call = gateway.chat({ workspace: 'team-a', model: MODEL, messages });
    await until(() => openai.requests.length === 1);
    let advanced = 0;
    while (openai.requests.length < 2 && advanced < 120_000) {
      await vi.advanceTimersByTimeAsync(100);
      advanced += 100;
    }

    expect(openai.requests).toHaveLength(2);
    // With the configured backoff (1-5 ms) the retry would have come on the first step.
    expect(advanced).toBeGreaterThanOrEqual(waitMs);
    const res = await call;
    expect(res.gateway.retries).toBe(1);
  });

  it('returns a ProviderError with the rate-limit details when retries are exhausted', async () => {
    openai.respond(() => rateLimited({ 'retry-after-ms': '3' }));
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(openai.requests).toHaveLength(3);
    expect(error.code).toBe('provider_error');
    expect(error.status).toBe(429);
    expect(error.upstreamStatus).toBe(429);
    expect(error.provider).toBe('openai');
    expect(error.retryAfterMs).toBe(3);
    expect(error.isRetryable).toBe(true);
    expect(error.type).toBe('rate_limit_exceeded');
    expect(error.message).toContain('Rate limit reached for gpt-4o-mini');
    expect(error.requestId).toBe('req_5c1f0e9a7b3d4e2f8a6b0c9d1e2f3a4b');
    expect(error.body).toEqual(RATE_LIMIT_BODY);
    expect(error.headers).toMatchObject({
      'retry-after': '1',
      'retry-after-ms': '3',
      'x-request-id': 'req_5c1f0e9a7b3d4e2f8a6b0c9d1e2f3a4b',
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '120ms',
      'x-ratelimit-limit-tokens': '200000',
      'x-ratelimit-remaining-tokens': '199975',
      'x-ratelimit-reset-tokens': '7ms',
    });
    // Headers that are no use to a caller adapting its rate are not kept.
    expect(error.headers).not.toHaveProperty('content-type');
    expect(error.headers).not.toHaveProperty('openai-organization');

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'error',
      httpStatus: 429,
      upstreamStatus: 429,
      errorCode: 'provider_error',
      retries: 2,
      usage: { inputTokens: 0, outputTokens: 0, estimated: false },
    });
  });

  it('does not retry when OpenAI answers x-should-retry: false', async () => {
    openai.respond(() => rateLimited({ 'retry-after-ms': '1', 'x-should-retry': 'false' }));
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(openai.requests).toHaveLength(1);
    expect(error.status).toBe(429);
    expect(error.isRetryable).toBe(false);
    expect(error.headers['x-should-retry']).toBe('false');
    expect(events[0]!.retries).toBe(0);
  });

  it('returns at once when Retry-After is beyond retry.maxRetryAfterMs', async () => {
    openai.respond(() => rateLimited({ 'retry-after-ms': null, 'retry-after': '30' }));
    const { gateway, events } = createTestGateway({ retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000 } });

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(openai.requests).toHaveLength(1);
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(30_000);
    expect(error.isRetryable).toBe(true);
    expect(events[0]).toMatchObject({ status: 'error', retries: 0 });
  });
});

describe('OpenAI adapter: server and client errors', () => {
  it('retries a 500 and succeeds; the usage event counts the retries', async () => {
    openai.respond(serverError, serverError, ok);
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(openai.requests).toHaveLength(3);
    expect(res.gateway.retries).toBe(2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'success', retries: 2, usage: { inputTokens: 1290, estimated: false } });
  });

  it('surfaces a 500 as a retryable ProviderError once retries are used up', async () => {
    openai.respond(serverError);
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(openai.requests).toHaveLength(3);
    expect(error).toMatchObject({
      status: 500,
      upstreamStatus: 500,
      isRetryable: true,
      type: 'server_error',
      requestId: 'req_e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0',
      retryAfterMs: null,
    });
    expect(error.message).toContain('The server had an error while processing your request');
  });

  it('does not retry a 400 and reports OpenAI code, message and body', async () => {
    const body = fixtureJson('openai-error-400.json');
    openai.respond(() => jsonResponse(body, { status: 400, requestId: 'req_a1b2c3d4e5f60718293a4b5c6d7e8f90' }));
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(
      gateway.chat({ workspace: 'team-a', model: '@openai-prod/o4-mini', messages, max_tokens: 100 }),
    );

    expect(openai.requests).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'provider_error',
      status: 400,
      upstreamStatus: 400,
      isRetryable: false,
      type: 'unsupported_parameter',
      requestId: 'req_a1b2c3d4e5f60718293a4b5c6d7e8f90',
      body,
    });
    expect(error.message).toContain("Unsupported parameter: 'max_tokens' is not supported with this model.");
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 400, upstreamStatus: 400, retries: 0 });
  });
});

describe('OpenAI adapter: malformed answers', () => {
  it('turns a 200 whose body is not JSON into a 502, without retrying', async () => {
    openai.respond(
      () =>
        new HttpResponse('<html><body><h1>502 Bad Gateway</h1></body></html>', {
          status: 200,
          headers: { 'content-type': 'text/html', 'x-request-id': 'req_0a0b0c0d0e0f01020304050607080910' },
        }),
    );
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(openai.requests).toHaveLength(1);
    expect(error.status).toBe(502);
    expect(error.upstreamStatus).toBe(200);
    expect(error.isRetryable).toBe(false);
    expect(error.requestId).toBe('req_0a0b0c0d0e0f01020304050607080910');
    expect(error.message).toMatch(/malformed response: the response body is not JSON/);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 200 });
  });

  it('turns a 200 JSON that is not a chat completion into a 502, without retrying', async () => {
    // A list object (what GET /v1/models answers), not a chat.completion.
    openai.respond(() => jsonResponse({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' }] }));
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(openai.requests).toHaveLength(1);
    expect(error.status).toBe(502);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toMatch(/malformed response: the response is not a chat completion/);
  });

  it('rejects a completion whose choices lack a message as malformed', async () => {
    const fixture = chatFixture();
    const broken = { ...fixture, choices: [{ index: 0, finish_reason: 'stop' }] };
    openai.respond(() => jsonResponse(broken));
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(openai.requests).toHaveLength(1);
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/choices\.0\.message/);
  });
});

describe('OpenAI adapter: network errors', () => {
  it('retries a network error, then surfaces a 502 without upstream status', async () => {
    openai.respond(() => HttpResponse.error());
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(openai.requests).toHaveLength(3);
    expect(error.status).toBe(502);
    expect(error.upstreamStatus).toBeNull();
    expect(error.isRetryable).toBe(true);
    expect(error.requestId).toBeNull();
    expect(error.message).toMatch(/^openai: network error/);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: null, retries: 2 });
  });

  it('recovers from a network error on the next attempt', async () => {
    openai.respond(() => HttpResponse.error(), ok);
    const { gateway } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(openai.requests).toHaveLength(2);
    expect(res.gateway.retries).toBe(1);
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
  });
});
