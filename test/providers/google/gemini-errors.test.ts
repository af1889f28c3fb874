// npm test: Gemini's errors replayed by msw, Retry-After waits on fake timers; milliseconds.
import { HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../../../src/index.js';
import { providerFailure } from '../../helpers/failure.js';
import { fixtureJson, geminiGateway, geminiUrl, jsonResponse, setupGoogleServer } from '../../helpers/gemini-server.js';
import { until } from '../../helpers/until.js';

const google = setupGoogleServer();

const URL_FLASH = geminiUrl('gemini-2.5-flash', 'generateContent');
const MODEL = '@gemini/gemini-2.5-flash';
const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const ok = () => jsonResponse(fixtureJson('gemini/gemini-generate.json'));

/** Google's 429 with its RetryInfo, the delay optionally replaced. */
function rateLimited(retryDelay?: string, headers: Record<string, string> = {}): Response {
  const body = fixtureJson<{ error: { details: Array<Record<string, unknown>> } }>('gemini/gemini-error-429.json');
  if (retryDelay) body.error.details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo')!.retryDelay = retryDelay;
  return jsonResponse(body, { status: 429, headers });
}

describe('Gemini adapter: rate limits (429 RESOURCE_EXHAUSTED)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries a 429, honoring RetryInfo, then surfaces it with retryAfterMs once retries are used up', async () => {
    google.respond(URL_FLASH, () => rateLimited('0.005s'));
    const { gateway, events } = geminiGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(google.requests).toHaveLength(3);
    expect(error).toMatchObject({
      code: 'provider_error',
      provider: 'gemini',
      status: 429,
      upstreamStatus: 429,
      isRetryable: true,
      retryAfterMs: 5,
      type: 'RESOURCE_EXHAUSTED',
    });
    expect(error.message).toMatch(/^gemini: You exceeded your current quota/);
    expect(error.body).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 429, upstreamStatus: 429, retries: 2, usage: { inputTokens: 0, estimated: false } });
  });

  it('retries a 429 and succeeds', async () => {
    google.respond(URL_FLASH, () => rateLimited('0.002s'), ok);
    const { gateway } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(google.requests).toHaveLength(2);
    expect(google.requests[1]!.body).toEqual(google.requests[0]!.body);
    expect(res.gateway.retries).toBe(1);
  });

  it('waits the RetryInfo delay (34s) before retrying', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    google.respond(URL_FLASH, () => rateLimited(), ok);
    const { gateway } = geminiGateway();

    const call = gateway.chat({ workspace: 'team-a', model: MODEL, messages });
    await until(() => google.requests.length === 1);
    let advanced = 0;
    while (google.requests.length < 2 && advanced < 120_000) {
      await vi.advanceTimersByTimeAsync(500);
      advanced += 500;
    }

    expect(google.requests).toHaveLength(2);
    // The configured backoff (1-5 ms) would have retried on the first step.
    expect(advanced).toBeGreaterThanOrEqual(34_000);
    expect((await call).gateway.retries).toBe(1);
  });

  it('prefers a Retry-After header to the body', async () => {
    google.respond(URL_FLASH, () => rateLimited('34s', { 'retry-after': '2' }));
    const { gateway } = geminiGateway({ retry: { retries: 0 } });

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(error.retryAfterMs).toBe(2_000);
    expect(error.headers).toMatchObject({ 'retry-after': '2' });
  });

  it('returns at once when RetryInfo asks for longer than retry.maxRetryAfterMs', async () => {
    google.respond(URL_FLASH, () => rateLimited());
    const { gateway, events } = geminiGateway({ retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1_000 } });

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(google.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 34_000, isRetryable: true });
    expect(events[0]).toMatchObject({ retries: 0 });
  });
});

describe('Gemini adapter: server and client errors', () => {
  it('does not retry a 400 and reports Google message, status and body', async () => {
    const body = fixtureJson('gemini/gemini-error-400.json');
    google.respond(URL_FLASH, () => jsonResponse(body, { status: 400 }));
    const { gateway, events } = geminiGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100_000 }));

    expect(google.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 400, upstreamStatus: 400, isRetryable: false, type: 'INVALID_ARGUMENT', retryAfterMs: null, body });
    expect(error.message).toContain('maxOutputTokens value of 100000');
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 400, retries: 0 });
  });

  it.each([
    ['500 INTERNAL', 'gemini/gemini-error-500.json', 500, 'INTERNAL'],
    ['503 UNAVAILABLE', 'gemini/gemini-error-503.json', 503, 'UNAVAILABLE'],
  ])('retries a %s and succeeds', async (_name, file, status) => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson(file), { status }), ok);
    const { gateway, events } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(google.requests).toHaveLength(2);
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
  });

  it('surfaces a 503 as a retryable ProviderError once retries are used up', async () => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson('gemini/gemini-error-503.json'), { status: 503 }));
    const { gateway } = geminiGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(google.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 503, isRetryable: true, type: 'UNAVAILABLE', retryAfterMs: null });
    expect(error.message).toBe('gemini: The model is overloaded. Please try again later.');
  });

  it('retries a network error, then surfaces a 502 without upstream status', async () => {
    google.respond(URL_FLASH, () => HttpResponse.error());
    const { gateway } = geminiGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(google.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 502, upstreamStatus: null, isRetryable: true });
    expect(error.message).toMatch(/^gemini: network error/);
  });
});

describe('Gemini adapter: malformed answers', () => {
  it('turns a 200 whose body is not JSON into a 502, without retrying', async () => {
    google.respond(URL_FLASH, () => new HttpResponse('<html><body>Bad Gateway</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    const { gateway, events } = geminiGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(google.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 502, upstreamStatus: 200, isRetryable: false });
    expect(error.message).toMatch(/malformed response: the response body is not JSON/);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 200 });
  });

  it('turns a 200 JSON without candidates or block reason into a 502', async () => {
    google.respond(URL_FLASH, () => jsonResponse({ models: [{ name: 'models/gemini-2.5-flash' }] }));
    const { gateway } = geminiGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(google.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 502, isRetryable: false });
    expect(error.message).toMatch(/neither candidates nor a prompt block reason/);
  });

  it('rejects candidates whose parts are not a list as malformed', async () => {
    google.respond(URL_FLASH, () => jsonResponse({ candidates: [{ content: { parts: 'Hello' } }] }));
    const { gateway } = geminiGateway();

    const error = await providerFailure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(error.status).toBe(502);
    expect(error.message).toMatch(/candidates\.0\.content\.parts/);
  });
});
