// npm test: providers' own rate limits learned from their answers and shared by the gateways on a store (memory, PostgreSQL, and a redis-server of its own); milliseconds.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGateway, memoryStore, RateLimitExceededError, secret, type Gateway, type ProviderLimitedEvent, type Store } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { parseDuration, providerLimitOf } from '../../src/providers/shared/provider-limit.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { postgresAvailable, usePostgres } from '../helpers/postgres.js';
import { postgresStore } from '../../src/postgres.js';
import { until } from '../helpers/until.js';

/** A provider that says it has nothing left is not called again before its reset, by any gateway on the store. */

const redis = useTestRedis({ beforeAll, afterAll });
const pgAvailable = await postgresAvailable();
const pg = usePostgres();
afterAll(() => pg.cleanup(), 30_000);
afterEach(() => {
  vi.useRealTimers();
});

const T0 = Date.parse('2026-12-06T12:00:00Z');

describe('reading the providers\u2019 rate-limit headers', () => {
  it('OpenAI and Azure: remaining 0 with the reset as a duration; Anthropic: remaining 0 with the reset as a time; any 429: Retry-After', () => {
    expect(providerLimitOf(new Headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' }), 200, T0)).toEqual({ waitMs: 2_000, reason: 'requests' });
    expect(providerLimitOf(new Headers({ 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' }), 200, T0)).toEqual({ waitMs: 360_000, reason: 'tokens' });
    expect(providerLimitOf(new Headers({ 'anthropic-ratelimit-input-tokens-remaining': '0', 'anthropic-ratelimit-input-tokens-reset': '2026-12-06T12:00:12Z' }), 200, T0)).toEqual({ waitMs: 12_000, reason: 'tokens' });
    expect(providerLimitOf(new Headers({ 'retry-after': '2' }), 429, T0)).toEqual({ waitMs: 2_000, reason: 'retry-after' });
    // The longest wait wins; room left, or a Retry-After on another status, says nothing.
    expect(providerLimitOf(new Headers({ 'retry-after': '2', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '5s' }), 429, T0)).toEqual({ waitMs: 5_000, reason: 'requests' });
    expect(providerLimitOf(new Headers({ 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-reset-requests': '120ms' }), 200, T0)).toBeNull();
    expect(providerLimitOf(new Headers({ 'retry-after': '2' }), 503, T0)).toBeNull();
    expect([parseDuration('120ms'), parseDuration('1h2m3.5s'), parseDuration('soon'), parseDuration(null)]).toEqual([120, 3_723_500, null, null]);
  });
});

/** An OpenAI-shaped upstream answering with the given headers (and status), counting the calls that reach it. */
function upstream(answer: () => { status?: number; headers?: Record<string, string> }) {
  const calls: string[] = [];
  const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(String(init?.body));
    const { status = 200, headers = {} } = answer();
    const body =
      status === 200
        ? { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }
        : { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } };
    return Response.json(body, { status, headers });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

function gatewayOn(store: Store, fetch: typeof globalThis.fetch, now: { ms: number }): { gateway: Gateway; limited: ProviderLimitedEvent[] } {
  const gateway = createGateway({
    integrations: [{ slug: 'openai-prod', provider: 'openai', baseURL: 'http://openai.test/v1', credentials: { apiKey: secret.value('sk-test') }, workspaces: 'all' }],
    store,
    fetch,
    clock: () => now.ms,
    retry: { retries: 0 },
  });
  const limited: ProviderLimitedEvent[] = [];
  gateway.on('provider.limited', (e) => limited.push(e));
  return { gateway, limited };
}

const ask = { workspace: 'team', model: '@openai-prod/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

async function holdsUntilReset(stores: () => [Store, Store], answer: () => { status?: number; headers?: Record<string, string> }, reason: string) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const now = { ms: T0 };
  let exhausted = true;
  const up = upstream(() => (exhausted ? answer() : {}));
  const [storeA, storeB] = stores();
  const a = gatewayOn(storeA, up.fetch, now);
  const b = gatewayOn(storeB, up.fetch, now);
  await Promise.all([a.gateway.ready(), b.gateway.ready()]);
  // A's call is answered (or refused) with "nothing left for 2 s".
  await a.gateway.chat(ask).catch(() => {});
  expect(up.calls).toHaveLength(1);
  expect(a.limited).toEqual([expect.objectContaining({ integration: 'openai-prod', retryAfterMs: 2_000, reason, told: false })]);
  // B is told through the store.
  await until(() => b.limited.length === 1);
  expect(b.limited[0]).toMatchObject({ integration: 'openai-prod', until: new Date(T0 + 2_000).toISOString(), told: true });
  exhausted = false;
  // Neither sends a call before the reset: refused on provider:openai-prod with the provider's time.
  for (const g of [a.gateway, b.gateway]) {
    const refusal = await g.chat(ask).then(() => null, (e: unknown) => e);
    expect(RateLimitExceededError.isInstance(refusal)).toBe(true);
    expect(refusal).toMatchObject({ scope: 'provider:openai-prod', retryAfterMs: 2_000 });
  }
  expect(up.calls).toHaveLength(1);
  // With wait, both calls wait for the reset and are sent then.
  const waiting = [a.gateway.chat(ask, { wait: { maxMs: 10_000 } }), b.gateway.chat(ask, { wait: { maxMs: 10_000 } })];
  await until(() => a.gateway.stats().waiting + b.gateway.stats().waiting === 2);
  now.ms += 1_999;
  await vi.advanceTimersByTimeAsync(1_999);
  expect(up.calls).toHaveLength(1);
  now.ms += 1;
  await vi.advanceTimersByTimeAsync(1);
  await expect(Promise.all(waiting)).resolves.toHaveLength(2);
  expect(up.calls).toHaveLength(3);
  await Promise.all([a.gateway.close(), b.gateway.close()]);
}

const remainingZero = () => ({ headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-limit-requests': '500' } });
const tooMany = () => ({ status: 429, headers: { 'retry-after': '2' } });

describe('a provider\u2019s own limit, held by every gateway on the store', () => {
  it('memory store: x-ratelimit-remaining-requests 0 with a reset of 2 s holds both gateways until the reset; with wait they succeed then', async () => {
    const store = memoryStore();
    await holdsUntilReset(() => [store, store], remainingZero, 'requests');
  });

  it('memory store: a 429 with retry-after 2 does the same', async () => {
    const store = memoryStore();
    await holdsUntilReset(() => [store, store], tooMany, 'retry-after');
  });

  it.skipIf(!pgAvailable)('postgres: two gateways with pools of their own, told by NOTIFY', async () => {
    const schema = pg.schema();
    const first = await pg.store(pg.pool(), schema);
    await holdsUntilReset(() => [first, postgresStore({ pool: pg.pool(), schema })], remainingZero, 'requests');
  });

  it.skipIf(!redis.available)('redis: two gateways with clients of their own, told by pub/sub', async () => {
    const prefix = `hold-${randomUUID()}`;
    await holdsUntilReset(() => [redisStore({ client: redis.newClient(), prefix }), redisStore({ client: redis.newClient(), prefix })], remainingZero, 'requests');
  });
});
