// npm test: a webhook receiver on a loopback port; retry waits on fake timers with a fetch of the test; milliseconds.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  RateLimitExceededError,
  createGateway,
  secret,
  type BudgetAlertEvent,
  type BudgetExhaustedEvent,
  type RateLimitConfig,
  type RateLimitExceededEvent,
  type Sink,
  type SinkErrorEvent,
} from '../../src/index.js';
import { WEBHOOK_HEADERS, WebhookDeliveryError, webhookSink, type WebhookPayload, type WebhookSinkOptions } from '../../src/sinks/webhook.js';
import { ask } from '../helpers/mock-gateway.js';
import { expectNoSecret } from '../helpers/redaction.js';
import { until } from '../helpers/until.js';
import { startWebhookReceiver, verifyTollgateSignature, type Reply } from '../helpers/webhook-receiver.js';

const SECRET = 'whk-test-secret-3f9a7c1e5b2d4086';
/** No backoff in tests: retries follow each other at once (Retry-After still applies). */
const NO_BACKOFF = { minDelayMs: 0, maxDelayMs: 0 };

const receivers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(script: Reply[] = [], fallback?: Reply) {
  const r = await startWebhookReceiver(script, fallback);
  receivers.push(r);
  return r;
}

type Grant = { rateLimits?: RateLimitConfig[] };

/**
 * The mock integration with a cost budget whose alert threshold the first call crosses, for
 * workspace `w`; `mock` usage and the grant's limits can be changed.
 */
function alertingGateway(sinks: Sink[], grant: Grant = {}, mock: Record<string, unknown> = {}) {
  const gateway = createGateway({
    integrations: [
      {
        slug: 'mock',
        provider: 'mock',
        workspaces: { w: { budgets: [{ type: 'cost', limit: 1, alertThreshold: 0.000001 }], ...grant } },
        pricing: { 'gpt-x': { input: 2, output: 8 } },
        mock: { usage: { inputTokens: 10, outputTokens: 20 }, ...mock },
      },
    ],
    sinks,
  });
  const errors: SinkErrorEvent[] = [];
  const alerts: BudgetAlertEvent[] = [];
  const exhausted: BudgetExhaustedEvent[] = [];
  const refusals: RateLimitExceededEvent[] = [];
  gateway.on('sink.error', (e) => errors.push(e));
  gateway.on('budget.alert', (e) => alerts.push(e));
  gateway.on('budget.exhausted', (e) => exhausted.push(e));
  gateway.on('ratelimit.exceeded', (e) => refusals.push(e));
  const call = () => gateway.chat(ask('@mock/gpt-x', { workspace: 'w' }));
  return { gateway, errors, alerts, exhausted, refusals, call };
}

const sinkTo = (url: string, options: Partial<WebhookSinkOptions> = {}) => webhookSink(url, { secret: SECRET, ...options });
const payloadOf = (body: string) => JSON.parse(body) as WebhookPayload;
const asJson = <T>(value: T) => JSON.parse(JSON.stringify(value)) as T;

describe('webhookSink: payload, headers and signature', () => {
  it('POSTs a budget.alert as signed JSON that the receiver verifies with the documented algorithm', async () => {
    const r = await receiver();
    const { gateway, alerts, call } = alertingGateway([sinkTo(r.url)]);
    await call();
    await gateway.flush();

    expect(alerts).toHaveLength(1);
    expect(r.requests).toHaveLength(1);
    const [req] = r.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/hooks/tollgate');
    expect(req!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'tollgate',
      'tollgate-event': 'budget.alert',
    });
    const payload = payloadOf(req!.body);
    expect(payload).toEqual({ id: req!.headers[WEBHOOK_HEADERS.delivery], type: 'budget.alert', createdAt: alerts[0]!.at, data: asJson(alerts[0]) });
    expect(payload.id).toMatch(/^[0-9a-f-]{36}$/);
    const signature = req!.headers[WEBHOOK_HEADERS.signature] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(signature.startsWith(`t=${req!.headers[WEBHOOK_HEADERS.timestamp] as string},`)).toBe(true);
    expect(verifyTollgateSignature(req!.body, signature, SECRET)).toBe(true);
    // The signature binds the body and the secret.
    expect(verifyTollgateSignature(req!.body, signature, `${SECRET}x`)).toBe(false);
    expect(verifyTollgateSignature(req!.body.replace('budget.alert', 'budget.alerT'), signature, SECRET)).toBe(false);
    expect(gateway.stats().sinks[0]).toMatchObject({ name: `webhook:127.0.0.1:${r.port}`, notified: 1, delivered: 0, dropped: 0, errors: 0 });
  });

  it('sends budget.exhausted when a call uses up the budget, and only the chosen event types', async () => {
    const r = await receiver();
    // 20,000,000 output tokens at USD 8 per 1M: USD 160, well past the USD 1 budget.
    const { gateway, exhausted, alerts, call } = alertingGateway([sinkTo(r.url, { events: ['budget.exhausted'] })], {}, { usage: { inputTokens: 10, outputTokens: 20_000_000 } });
    await call();
    await gateway.flush();
    expect(alerts).toHaveLength(1); // raised, but not asked for
    expect(exhausted).toHaveLength(1);
    expect(r.requests.map((q) => q.headers['tollgate-event'])).toEqual(['budget.exhausted']);
    const payload = payloadOf(r.requests[0]!.body);
    expect(payload).toMatchObject({ type: 'budget.exhausted', data: { ...asJson(exhausted[0]), reason: 'limit-reached', unit: 'USD' } });
    expect(verifyTollgateSignature(r.requests[0]!.body, r.requests[0]!.headers['tollgate-signature'] as string, SECRET)).toBe(true);
  });

  it('sends ratelimit.exceeded when a rate limit refuses a call; usage events are never posted', async () => {
    const r = await receiver();
    const sink = sinkTo(r.url, { events: ['ratelimit.exceeded'] });
    expect(sink.write).toBeUndefined();
    const { gateway, refusals, call } = alertingGateway([sink], { rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] });
    await call();
    await expect(call()).rejects.toBeInstanceOf(RateLimitExceededError);
    await gateway.flush();
    expect(refusals).toHaveLength(1);
    expect(r.requests).toHaveLength(1);
    expect(payloadOf(r.requests[0]!.body)).toMatchObject({ type: 'ratelimit.exceeded', createdAt: refusals[0]!.at, data: asJson(refusals[0]) });
    expect(gateway.stats()).toMatchObject({ events: 2, sinks: [{ notified: 1, delivered: 0 }] });
  });

  it('serializes an Error in a notice (store.degraded) as its name and message', async () => {
    const r = await receiver();
    const sink = sinkTo(r.url, { events: ['store.degraded'] });
    // Admission fails (the call goes ahead unchecked: fail-open); settlement works, so nothing is retried.
    const failing = {
      name: 'flaky',
      admit: () => Promise.reject(new Error('connection lost')),
      settle: () => Promise.resolve([]),
      read: () => Promise.resolve([]),
      registerBudgets: () => Promise.resolve([]),
    };
    const gateway = createGateway({
      integrations: [{ slug: 'mock', provider: 'mock', workspaces: { w: { rateLimits: [{ type: 'requests', limit: 10, per: 'minute' }] } } }],
      store: failing as never,
      onStoreError: 'fail-open',
      sinks: [sink],
    });
    await gateway.chat(ask('@mock/m', { workspace: 'w' }));
    await gateway.flush();
    expect(r.requests).toHaveLength(1);
    const payload = payloadOf(r.requests[0]!.body);
    expect(payload).toMatchObject({
      type: 'store.degraded',
      data: { store: 'flaky', operation: 'admit', decision: 'admitted', error: { name: 'Error', message: 'connection lost' } },
    });
  });
});

describe('webhookSink: retries', () => {
  it('retries after 503 with the same delivery id, each attempt signed', async () => {
    const r = await receiver([{ status: 503 }, { status: 502 }, { status: 200 }]);
    const { gateway, errors, call } = alertingGateway([sinkTo(r.url, { retry: NO_BACKOFF })]);
    await call();
    await gateway.flush();
    expect(r.requests).toHaveLength(3);
    const ids = r.requests.map((q) => q.headers['tollgate-delivery']);
    expect(new Set(ids).size).toBe(1);
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
    expect(r.requests.every((q) => verifyTollgateSignature(q.body, q.headers['tollgate-signature'] as string, SECRET))).toBe(true);
    expect(errors).toEqual([]);
    expect(gateway.stats().sinks[0]).toMatchObject({ notified: 1, dropped: 0, errors: 0 });
  });

  it('retries after 429, honouring Retry-After in seconds (0, then 1) and as an HTTP date', async () => {
    // The test's clock, and a fetch of the test's (no socket): each attempt's time is read off
    // the clock, which moves only when the test says.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const start = Date.now();
    const answers = [
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 503, headers: { 'retry-after': new Date(0).toUTCString() } },
      { status: 204 },
    ];
    const attempts: Array<{ at: number; delivery: string | null }> = [];
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      attempts.push({ at: Date.now() - start, delivery: new Headers(init?.headers).get('tollgate-delivery') });
      const answer = answers.shift()!;
      return new Response(null, { status: answer.status, headers: answer.headers });
    };
    // A backoff of a minute: an attempt that came sooner came by Retry-After.
    const { gateway, errors, call } = alertingGateway([sinkTo('https://hooks.example.com/t', { fetch, retry: { retries: 3, minDelayMs: 60_000, maxDelayMs: 60_000 } })]);
    await call();
    const flushed = gateway.flush();
    await vi.advanceTimersByTimeAsync(1_000);
    await flushed;
    // At once (0), a second later (1), at once again (a date in the past).
    expect(attempts.map((a) => a.at)).toEqual([0, 0, 1_000, 1_000]);
    expect(new Set(attempts.map((a) => a.delivery)).size).toBe(1);
    expect(errors).toEqual([]);
  });

  it('gives up when Retry-After is beyond maxRetryAfterMs, and says so', async () => {
    const r = await receiver([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const { gateway, errors, call } = alertingGateway([sinkTo(r.url, { retry: NO_BACKOFF })]);
    await call();
    await gateway.flush();
    expect(r.requests).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error.message).toContain('HTTP 429');
    expect(errors[0]!.error.message).toContain('Retry-After of 3600000 ms is beyond retry.maxRetryAfterMs');
  });

  it('does not retry a 400: the failure is reported as sink.error and the notice counted as dropped', async () => {
    const r = await receiver([{ status: 400 }]);
    const { gateway, errors, call } = alertingGateway([sinkTo(r.url, { retry: NO_BACKOFF })]);
    await expect(call()).resolves.toBeDefined();
    await gateway.flush();
    expect(r.requests).toHaveLength(1);
    expect(errors).toHaveLength(1);
    const error = errors[0]!.error as WebhookDeliveryError;
    expect(error).toBeInstanceOf(WebhookDeliveryError);
    expect(error).toMatchObject({ event: 'budget.alert', status: 400, attempts: 1, deliveryId: r.requests[0]!.headers['tollgate-delivery'], target: `http://127.0.0.1:${r.port}` });
    expect(error.message).toContain('HTTP 400 Bad Request (not retried)');
    expect(errors[0]).toMatchObject({ reason: 'error', dropped: 1 });
    expect(gateway.stats().sinks[0]).toMatchObject({ notified: 0, dropped: 1, errors: 1 });
  });

  it('does not follow redirects', async () => {
    const r = await receiver([{ status: 307, headers: { location: 'http://127.0.0.1:9/elsewhere' } }]);
    const { gateway, errors, call } = alertingGateway([sinkTo(r.url, { retry: NO_BACKOFF })]);
    await call();
    await gateway.flush();
    expect(r.requests).toHaveLength(1);
    expect(errors[0]!.error.message).toContain('HTTP 307');
    expect(errors[0]!.error.message).toContain('redirects are not followed');
  });

  it('an unreachable server: every attempt fails, reported as sink.error and counted in stats().sinks[i].dropped', async () => {
    const gone = await startWebhookReceiver();
    await gone.close(); // the port is free again: connections are refused
    const { gateway, errors, call } = alertingGateway([sinkTo(gone.url, { name: 'pager', retry: { retries: 2, ...NO_BACKOFF } })]);
    await expect(call()).resolves.toBeDefined();
    await gateway.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ sink: 'pager', reason: 'error', dropped: 1 });
    expect(errors[0]!.error).toMatchObject({ attempts: 3, status: null });
    expect(errors[0]!.error.message).toMatch(/network error: .*ECONNREFUSED/);
    expect(gateway.stats().sinks[0]).toMatchObject({ name: 'pager', notified: 0, dropped: 1, errors: 1 });
  });

  it('an attempt without an answer within attemptTimeoutMs is abandoned and retried', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // The first attempt gets no answer until its signal gives up on it; the second is answered.
    const attempts: Array<{ signal: AbortSignal; delivery: string | null }> = [];
    const fetch: typeof globalThis.fetch = (_url, init) => {
      const signal = init!.signal!;
      attempts.push({ signal, delivery: new Headers(init?.headers).get('tollgate-delivery') });
      if (attempts.length > 1) return Promise.resolve(new Response(null, { status: 200 }));
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    };
    const { gateway, errors, call } = alertingGateway([sinkTo('https://hooks.example.com/t', { fetch, attemptTimeoutMs: 10_000, retry: NO_BACKOFF })]);
    await call();
    const flushed = gateway.flush();
    // Ten seconds pass on the test's clock: the first attempt is abandoned, the sink tries again.
    await vi.advanceTimersByTimeAsync(10_000);
    await flushed;
    expect(attempts.map((a) => a.signal.aborted)).toEqual([true, false]);
    expect(attempts[0]!.delivery).toBe(attempts[1]!.delivery);
    expect(errors).toEqual([]);
  });

  it('when the gateway stops waiting (timeoutMs), the request in flight is aborted and nothing more is attempted', async () => {
    const r = await receiver([], { hang: true });
    // Whichever of the two timeouts fires first (equal here), the gateway's ends the delivery: a
    // retry would wait ten seconds, and the wait is cut short with it.
    const { gateway, errors, call } = alertingGateway([sinkTo(r.url, { timeoutMs: 60, attemptTimeoutMs: 60, retry: { retries: 3, minDelayMs: 10_000, maxDelayMs: 10_000 } })]);
    await expect(call()).resolves.toBeDefined();
    await gateway.flush();
    expect(errors).toMatchObject([{ reason: 'timeout', dropped: 1 }]);
    await until(() => r.requests[0]?.aborted === true);
    expect(r.requests).toHaveLength(1);
    expect(gateway.stats().sinks[0]).toMatchObject({ dropped: 1, errors: 1 });
  });
});

describe('webhookSink: secrets', () => {
  it('never shows the secret, the URL credentials, path or query: not in errors, sink.error, inspect, JSON or on the wire', async () => {
    const r = await receiver([{ status: 400 }]);
    const gone = await startWebhookReceiver();
    await gone.close();
    const secretValue = 'sv-9d2e7b41c6a85f30';
    const withCredentials = (base: string) => base.replace('http://', 'http://alice:pa55-w0rd-xyz@').replace('/hooks/tollgate', '/hooks/t0ken-in-path?key=qs-s3cret-abc');
    const sinks = [
      webhookSink(withCredentials(r.url), { secret: SECRET, retry: NO_BACKOFF }),
      webhookSink(withCredentials(gone.url), { secret: secret.value(secretValue), retry: { retries: 1, ...NO_BACKOFF } }),
    ];
    const { gateway, errors, call } = alertingGateway(sinks);
    await call();
    await gateway.flush();

    expect(errors).toHaveLength(2);
    // The receiver got the credentials as Basic auth, the path and query as given, and no secret.
    const [req] = r.requests;
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('alice:pa55-w0rd-xyz').toString('base64')}`);
    expect(req!.url).toBe('/hooks/t0ken-in-path?key=qs-s3cret-abc');
    expectNoSecret({ wire: JSON.stringify(req!.headers) + req!.body }, [SECRET, secretValue]);

    const leaks = ['pa55-w0rd-xyz', 't0ken-in-path', 'qs-s3cret-abc', SECRET, secretValue, Buffer.from('alice:pa55-w0rd-xyz').toString('base64')];
    expectNoSecret(
      {
        inspectSinks: inspect(sinks, { depth: 10, showHidden: true }),
        jsonSinks: JSON.stringify(sinks),
        sinkErrors: inspect(errors, { depth: 10 }),
        messages: errors.map((e) => `${e.error.message}\n${e.error.stack}`).join('\n'),
        jsonErrors: JSON.stringify(errors),
        stats: JSON.stringify(gateway.stats()),
      },
      leaks,
    );
  });

  it('an unresolvable secret fails the delivery naming its source, not a value', async () => {
    const r = await receiver();
    delete process.env.TOLLGATE_TEST_UNSET_WEBHOOK_SECRET;
    const { gateway, errors, call } = alertingGateway([webhookSink(r.url, { secret: secret.env('TOLLGATE_TEST_UNSET_WEBHOOK_SECRET') })]);
    await call();
    await gateway.flush();
    expect(r.requests).toHaveLength(0);
    expect(errors[0]!.error.message).toContain('the signing secret is unavailable: env:TOLLGATE_TEST_UNSET_WEBHOOK_SECRET is not set');
  });

  it('a Secret is resolved on each delivery (a rotated variable takes effect)', async () => {
    const r = await receiver();
    process.env.TOLLGATE_TEST_WEBHOOK_SECRET = 'first-secret-value-123';
    try {
      const sink = webhookSink(r.url, { secret: secret.env('TOLLGATE_TEST_WEBHOOK_SECRET') });
      const first = alertingGateway([sink]);
      await first.call();
      await first.gateway.flush();
      process.env.TOLLGATE_TEST_WEBHOOK_SECRET = 'second-secret-value-456';
      const second = alertingGateway([sink]);
      await second.call();
      await second.gateway.flush();
      expect(r.requests).toHaveLength(2);
      expect(verifyTollgateSignature(r.requests[0]!.body, r.requests[0]!.headers['tollgate-signature'] as string, 'first-secret-value-123')).toBe(true);
      expect(verifyTollgateSignature(r.requests[1]!.body, r.requests[1]!.headers['tollgate-signature'] as string, 'second-secret-value-456')).toBe(true);
    } finally {
      delete process.env.TOLLGATE_TEST_WEBHOOK_SECRET;
    }
  });
});

describe('webhookSink: options', () => {
  const issuesOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
      expectNoSecret({ message: (error as Error).message }, ['pw-s3cret', SECRET]);
      return (error as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  };

  it('has defaults that leave room for retries, and uses an injected fetch', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fetch: typeof globalThis.fetch = async (url, init) => {
      seen.push({ url: String(url), init: init! });
      return new Response(null, { status: 204 });
    };
    const sink = webhookSink(new URL('https://alerts.example.com/tollgate#frag'), { secret: SECRET, fetch });
    expect(sink).toMatchObject({ name: 'webhook:alerts.example.com', timeoutMs: 60_000, notices: ['budget.alert', 'budget.exhausted', 'ratelimit.exceeded'] });
    expect(sink.queueSize).toBeUndefined();
    const { gateway, call } = alertingGateway([sink]);
    await call();
    await gateway.flush();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('https://alerts.example.com/tollgate');
    expect(seen[0]!.init).toMatchObject({ method: 'POST', redirect: 'manual' });
    expect(seen[0]!.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('rejects invalid URLs and options with errors naming each field, never echoing the URL or secret', () => {
    expect(issuesOf(() => webhookSink('ftp://user:pw-s3cret@example.com/x', { secret: SECRET }))).toEqual([
      { path: 'url', message: 'must use http: or https: (got ftp:); webhooks are POSTed over HTTP' },
    ]);
    expect(issuesOf(() => webhookSink('not a url pw-s3cret', { secret: SECRET }))).toEqual([{ path: 'url', message: 'is not a valid absolute URL' }]);
    expect(issuesOf(() => webhookSink('https://example.com', {} as WebhookSinkOptions))).toEqual([
      { path: 'options.secret', message: expect.stringContaining('is required') },
    ]);
    expect(issuesOf(() => webhookSink('https://example.com', { secret: '' }))).toEqual([{ path: 'options.secret', message: 'must not be empty' }]);
    expect(issuesOf(() => webhookSink('https://example.com', undefined as never))).toEqual([{ path: 'options', message: expect.stringContaining('is required') }]);
    expect(
      issuesOf(() =>
        webhookSink('https://example.com', {
          secret: SECRET,
          events: ['budget.alert', 'usage' as 'budget.alert'],
          timeoutMs: 1_000,
          fetch: 'fetch' as never,
          retry: { retries: -1 },
          colour: 'red',
        } as WebhookSinkOptions),
      ),
    ).toEqual([
      { path: 'options.events[1]', message: expect.stringContaining('budget.alert') },
      { path: 'options.retry.retries', message: expect.any(String) },
      { path: 'options.fetch', message: 'must be a fetch function' },
      { path: 'options', message: expect.stringContaining('colour') },
    ]);
    expect(issuesOf(() => webhookSink('https://example.com', { secret: SECRET, events: ['budget.alert', 'budget.alert'] }))).toEqual([
      { path: 'options.events', message: 'must not list a type twice' },
    ]);
    expect(issuesOf(() => webhookSink('https://example.com', { secret: SECRET, timeoutMs: 1_000 }))).toEqual([
      { path: 'options.timeoutMs', message: expect.stringContaining('at least attemptTimeoutMs (10000)') },
    ]);
  });

  it('explains why a Secret from another copy of tollgate cannot be used', () => {
    const foreign = { description: 'env:X', toJSON: () => '[secret]', toString: () => '[secret]' };
    expect(issuesOf(() => webhookSink('https://example.com', { secret: foreign as never }))).toEqual([
      { path: 'options.secret', message: expect.stringContaining('another copy of tollgate') },
    ]);
  });
});
