// npm test: Anthropic's errors replayed by msw, Retry-After waits on fake timers; milliseconds.
import { HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderError, type ChatMessage } from '../../../src/index.js';
import { MODEL, createTestGateway, fixtureJson, jsonResponse, setupAnthropicServer } from '../../helpers/anthropic-server.js';
import { providerFailure } from '../../helpers/failure.js';
import { until } from '../../helpers/until.js';

const anthropic = setupAnthropicServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const RATE_LIMIT_BODY = fixtureJson('anthropic-error-429.json');
const RATE_LIMIT_HEADERS = fixtureJson<Record<string, string>>('anthropic-error-429.headers.json');
const OVERLOADED_BODY = fixtureJson('anthropic-error-529.json');

const rateLimited = () => HttpResponse.json(RATE_LIMIT_BODY, { status: 429, headers: RATE_LIMIT_HEADERS });
const overloaded = () => jsonResponse(OVERLOADED_BODY, { status: 529, requestId: 'req_011CTx4Fq9WbNz2LhPd7RmVs' });
const ok = () => jsonResponse(fixtureJson('anthropic-messages.json'));

describe('Anthropic adapter: error answers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('does not retry a 400 and surfaces Anthropic error type, message, body and request id', async () => {
    const body = fixtureJson('anthropic-error-400.json');
    anthropic.respond(() => jsonResponse(body, { status: 400, requestId: 'req_011CSHoEeqs5C35K2UUqR7Fy' }));
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100_000 }));

    expect(anthropic.requests).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'provider_error',
      provider: 'anthropic',
      status: 400,
      upstreamStatus: 400,
      isRetryable: false,
      type: 'invalid_request_error',
      requestId: 'req_011CSHoEeqs5C35K2UUqR7Fy',
      body,
    });
    expect(error.message).toBe(
      'anthropic: max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5-20250929',
    );
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 400, upstreamStatus: 400, retries: 0, errorMessage: error.message });
  });

  it('waits the retry-after (seconds) of a 429 before each retry, then surfaces it with retryAfterMs and the rate-limit headers', async () => {
    // Fake timers make the wait observable without measuring time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    anthropic.respond(rateLimited);
    const { gateway, events } = createTestGateway();

    const settled = gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 }).catch((e: unknown) => e);
    await until(() => anthropic.requests.length === 1);
    await vi.advanceTimersByTimeAsync(11_900);
    // Still waiting the 12 s Anthropic asked for (the configured backoff is 1-5 ms).
    expect(anthropic.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    await until(() => anthropic.requests.length === 2);
    await vi.advanceTimersByTimeAsync(12_000);
    await until(() => anthropic.requests.length === 3);
    const error = await settled;

    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(anthropic.requests).toHaveLength(3);
    expect(e).toMatchObject({
      status: 429,
      upstreamStatus: 429,
      retryAfterMs: 12_000,
      isRetryable: true,
      type: 'rate_limit_error',
      requestId: 'req_011CUJ9T8mB2YqZbW7hVj4Qx',
      body: RATE_LIMIT_BODY,
    });
    expect(e.message).toContain('would exceed the rate limit for your organization');
    expect(e.headers).toEqual({
      'request-id': 'req_011CUJ9T8mB2YqZbW7hVj4Qx',
      'retry-after': '12',
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '41',
      'anthropic-ratelimit-requests-reset': '2026-11-18T09:31:00Z',
      'anthropic-ratelimit-input-tokens-limit': '30000',
      'anthropic-ratelimit-input-tokens-remaining': '0',
      'anthropic-ratelimit-input-tokens-reset': '2026-11-18T09:30:12Z',
      'anthropic-ratelimit-output-tokens-limit': '8000',
      'anthropic-ratelimit-output-tokens-remaining': '8000',
      'anthropic-ratelimit-output-tokens-reset': '2026-11-18T09:30:00Z',
      'anthropic-ratelimit-tokens-limit': '38000',
      'anthropic-ratelimit-tokens-remaining': '8000',
      'anthropic-ratelimit-tokens-reset': '2026-11-18T09:30:12Z',
    });
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 429, retries: 2 });
  });

  it('retries a 429 and succeeds', async () => {
    anthropic.respond(() => HttpResponse.json(RATE_LIMIT_BODY, { status: 429, headers: { ...RATE_LIMIT_HEADERS, 'retry-after': '0' } }), ok);
    const { gateway } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 });

    expect(anthropic.requests).toHaveLength(2);
    expect(anthropic.requests[1]!.body).toEqual(anthropic.requests[0]!.body);
    expect(res.gateway.retries).toBe(1);
  });

  it('retries a 529 overloaded_error and succeeds', async () => {
    anthropic.respond(overloaded, ok);
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 });

    expect(anthropic.requests).toHaveLength(2);
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });

  it('surfaces a 529 as a retryable ProviderError once retries are used up', async () => {
    anthropic.respond(overloaded);
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 }));

    expect(anthropic.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 529, upstreamStatus: 529, isRetryable: true, type: 'overloaded_error', requestId: 'req_011CTx4Fq9WbNz2LhPd7RmVs' });
    expect(error.message).toBe('anthropic: Overloaded');
  });
});

describe('Anthropic adapter: malformed answers', () => {
  it('turns a 200 whose body is not JSON into a 502, without retrying', async () => {
    anthropic.respond(
      () => new HttpResponse('<html><body>502 Bad Gateway</body></html>', { status: 200, headers: { 'content-type': 'text/html', 'request-id': 'req_011CMalformed0000000000' } }),
    );
    const { gateway, events } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 }));

    expect(anthropic.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 502, upstreamStatus: 200, isRetryable: false, requestId: 'req_011CMalformed0000000000' });
    expect(error.message).toMatch(/malformed response: the response body is not JSON/);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 200 });
  });

  it('turns a 200 JSON that is not a message into a 502, without retrying', async () => {
    // An OpenAI answer from a misrouted base URL.
    anthropic.respond(() => jsonResponse({ id: 'chatcmpl-1', object: 'chat.completion', choices: [] }));
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 }));

    expect(anthropic.requests).toHaveLength(1);
    expect(error.status).toBe(502);
    expect(error.isRetryable).toBe(false);
    expect(error.message).toMatch(/malformed response: the response is not a message/);
  });

  it('rejects a text block without text as malformed', async () => {
    const broken = { ...fixtureJson('anthropic-messages.json'), content: [{ type: 'text' }] };
    anthropic.respond(() => jsonResponse(broken));
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 }));

    expect(error.status).toBe(502);
    expect(error.message).toMatch(/content\.0/);
  });

  it('retries a network error, then surfaces a 502 without upstream status', async () => {
    anthropic.respond(() => HttpResponse.error());
    const { gateway } = createTestGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 }));

    expect(anthropic.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 502, upstreamStatus: null, isRetryable: true, requestId: null });
    expect(error.message).toMatch(/^anthropic: network error/);
  });
});
