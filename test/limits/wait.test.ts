// npm test: calls waiting for capacity in one process, on fake timers and an injected clock; milliseconds.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BudgetExceededError, createGateway, memoryStore, RateLimitExceededError, RequestAbortedError, type Gateway, type GatewayConfig, type UsageEvent } from '../../src/index.js';
import { createFetchHandler, generateKey } from '../../src/http.js';
import { until } from '../helpers/until.js';

/**
 * `wait`: a call refused by a rate or concurrency limit waits for capacity instead, woken by a
 * slot given back or by the window's reset (never by polling), highest priority first.
 */

afterEach(() => {
  vi.useRealTimers();
});

const ask = (extra: Record<string, unknown> = {}) => ({ workspace: 'team', model: '@llm/m', messages: [{ role: 'user' as const, content: 'hi' }], ...extra });

function gatewayWith(limits: Pick<NonNullable<GatewayConfig['workspaces']>[string], 'rateLimits' | 'budgets'>, extra: Partial<GatewayConfig> = {}) {
  const now = { ms: Date.parse('2026-12-06T12:00:10Z') };
  const gateway = createGateway({
    integrations: [{ slug: 'llm', provider: 'mock', workspaces: { team: limits }, pricing: { m: { input: 1, output: 1 } } }],
    clock: () => now.ms,
    ...extra,
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  return { gateway, now, events };
}

/** Holds every admitted call before its provider call until the test lets it go: the calls in flight, counted. */
function upstream(gateway: Gateway) {
  const held: Array<{ tag: string; go: () => void }> = [];
  const counts = { inFlight: 0, max: 0 };
  gateway.use(async (ctx, next) => {
    counts.inFlight++;
    counts.max = Math.max(counts.max, counts.inFlight);
    await new Promise<void>((go) => held.push({ tag: ctx.metadata.tag ?? '', go }));
    try {
      return await next();
    } finally {
      counts.inFlight--;
    }
  });
  return {
    counts,
    held,
    /** Lets the oldest held call go on. */
    next(): string {
      const first = held.shift()!;
      first.go();
      return first.tag;
    },
  };
}

describe('wait: concurrency', () => {
  it('a limit of 2 and 10 calls with wait { maxMs: 5000 }: all 10 succeed, never more than 2 upstream at once; each slot given back admits a waiter', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { gateway, now, events } = gatewayWith({ rateLimits: [{ type: 'concurrency', limit: 2 }] });
    const up = upstream(gateway);
    const calls = Array.from({ length: 10 }, (_, i) => gateway.chat(ask({ metadata: { tag: String(i) } }), { wait: { maxMs: 5_000 } }));
    await until(() => up.held.length === 2 && gateway.stats().waiting === 8);
    for (let done = 0; done < 10; done++) {
      now.ms += 100;
      up.next();
      await until(() => up.held.length === Math.min(2, 9 - done));
    }
    const answers = await Promise.all(calls);
    expect(answers).toHaveLength(10);
    expect(up.counts.max).toBe(2);
    expect(gateway.stats().waiting).toBe(0);
    await gateway.flush();
    // The first two did not wait; each waiter was admitted as a slot came back, 100 ms apart.
    const waited = events.map((e) => e.waitedMs).sort((a, b) => a - b);
    expect(waited.slice(0, 2)).toEqual([0, 0]);
    expect(waited.slice(2)).toEqual([100, 200, 300, 400, 500, 600, 700, 800]);
    expect((await gateway.limits.status({ workspace: 'team', integration: 'llm', kind: 'rateLimit' }))[0]).toMatchObject({ used: 0, reserved: 0 });
  });

  it('with wait { maxMs: 0 }, 8 of the 10 are refused at once, saying they waited 0 ms', async () => {
    const { gateway } = gatewayWith({ rateLimits: [{ type: 'concurrency', limit: 2 }] });
    const up = upstream(gateway);
    const calls = Array.from({ length: 10 }, () => gateway.chat(ask(), { wait: { maxMs: 0 } }).then(() => null, (e: unknown) => e));
    await until(() => up.held.length === 2);
    up.next();
    up.next();
    const outcomes = await Promise.all(calls);
    const refused = outcomes.filter((e) => e !== null);
    expect(refused).toHaveLength(8);
    for (const e of refused) {
      expect(RateLimitExceededError.isInstance(e)).toBe(true);
      expect(e).toMatchObject({ type: 'concurrency', waitedMs: 0, message: expect.stringContaining('refused after waiting 0 ms') });
    }
  });

  it('waiters are admitted highest priority first, then in arrival order', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { gateway } = gatewayWith({ rateLimits: [{ type: 'concurrency', limit: 1 }] });
    const up = upstream(gateway);
    const first = gateway.chat(ask({ metadata: { tag: 'first' } }));
    await until(() => up.held.length === 1);
    const waiters = (
      [
        ['low', 0],
        ['high', 5],
        ['mid', 1],
        ['low-later', 0],
        ['high-later', 5],
      ] as const
    ).map(([tag, priority]) => gateway.chat(ask({ metadata: { tag } }), { wait: { maxMs: 60_000, priority } }));
    await until(() => gateway.stats().waiting === 5);
    const order: string[] = [up.next()];
    for (let i = 0; i < 5; i++) {
      await until(() => up.held.length === 1);
      order.push(up.next());
    }
    await Promise.all([first, ...waiters]);
    expect(order).toEqual(['first', 'high', 'high-later', 'mid', 'low', 'low-later']);
  });

  it('a waiter whose time runs out is refused then, saying how long it waited; one aborted stops at once, and neither holds anything', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { gateway, now, events } = gatewayWith({ rateLimits: [{ type: 'concurrency', limit: 1 }] });
    const up = upstream(gateway);
    const first = gateway.chat(ask());
    await until(() => up.held.length === 1);
    const late = gateway.chat(ask(), { wait: { maxMs: 1_000 } }).then(() => null, (e: unknown) => e);
    const abort = new AbortController();
    const aborted = gateway.chat(ask(), { wait: { maxMs: 60_000 }, signal: abort.signal }).then(() => null, (e: unknown) => e);
    await until(() => gateway.stats().waiting === 2);
    abort.abort();
    expect(RequestAbortedError.isInstance(await aborted)).toBe(true);
    expect(gateway.stats().waiting).toBe(1);
    now.ms += 1_000;
    await vi.advanceTimersByTimeAsync(1_000);
    const refusal = await late;
    expect(refusal).toMatchObject({ code: 'rate_limit_exceeded', type: 'concurrency', waitedMs: 1_000, message: expect.stringContaining('refused after waiting 1000 ms') });
    expect(gateway.stats().waiting).toBe(0);
    up.next();
    await first;
    await gateway.flush();
    expect(events.map((e) => [e.status, e.waitedMs]).sort()).toEqual([['aborted', 0], ['rejected', 1_000], ['success', 0]].sort());
    expect((await gateway.limits.status({ workspace: 'team', integration: 'llm', kind: 'rateLimit' }))[0]).toMatchObject({ used: 0, reserved: 0 });
  });
});

describe('wait: across gateways on one store', () => {
  it('a slot given back by one gateway wakes a waiter of another on the same store (memory: in-process notices)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = memoryStore();
    const a = gatewayWith({ rateLimits: [{ type: 'concurrency', limit: 1 }] }, { store });
    const b = gatewayWith({ rateLimits: [{ type: 'concurrency', limit: 1 }] }, { store });
    const upA = upstream(a.gateway);
    const first = a.gateway.chat(ask());
    await until(() => upA.held.length === 1);
    const waiting = b.gateway.chat(ask(), { wait: { maxMs: 60_000 } });
    await until(() => b.gateway.stats().waiting === 1);
    upA.next();
    await first;
    await expect(waiting).resolves.toMatchObject({ object: 'chat.completion' });
    expect(b.gateway.stats().waiting).toBe(0);
    await Promise.all([a.gateway.close(), b.gateway.close()]);
  });
});

describe('wait: rate limits', () => {
  it('a requests-per-minute limit: the call waits until the window resets, then succeeds; the event says how long it waited', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { gateway, now, events } = gatewayWith({ rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }] });
    await gateway.chat(ask());
    await gateway.chat(ask());
    const third = gateway.chat(ask(), { wait: { maxMs: 60_000 } });
    await until(() => gateway.stats().waiting === 1);
    // The window (12:00:00 to 12:01:00) resets in 50 s.
    now.ms += 49_999;
    await vi.advanceTimersByTimeAsync(49_999);
    expect(gateway.stats().waiting).toBe(1);
    now.ms += 1;
    await vi.advanceTimersByTimeAsync(1);
    await expect(third).resolves.toMatchObject({ object: 'chat.completion' });
    await gateway.flush();
    expect(events.at(-1)).toMatchObject({ status: 'success', waitedMs: 50_000 });
  });

  it('a reset beyond what is left of maxMs: refused at once; a budget never waits', async () => {
    const { gateway } = gatewayWith({ rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] });
    await gateway.chat(ask());
    await expect(gateway.chat(ask(), { wait: { maxMs: 10_000 } })).rejects.toMatchObject({ code: 'rate_limit_exceeded', retryAfterMs: 50_000, waitedMs: 0 });
    expect(gateway.stats().waiting).toBe(0);
    const budget = gatewayWith({ budgets: [{ type: 'tokens', limit: 100, reset: 'monthly' }] }).gateway;
    await budget.chat(ask({ max_tokens: 60 }));
    const refusal = await budget.chat(ask({ max_tokens: 95 }), { wait: { maxMs: 60_000 } }).then(() => null, (e: unknown) => e);
    expect(BudgetExceededError.isInstance(refusal)).toBe(true);
    expect(budget.stats().waiting).toBe(0);
  });

  it('createGateway({ wait }) is the default of every call; a bad wait is a 400 naming the field', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { gateway, now } = gatewayWith({ rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] }, { wait: { maxMs: 60_000 } });
    await gateway.chat(ask());
    const second = gateway.chat(ask());
    await until(() => gateway.stats().waiting === 1);
    now.ms += 50_000;
    await vi.advanceTimersByTimeAsync(50_000);
    await expect(second).resolves.toMatchObject({ object: 'chat.completion' });
    await expect(gateway.chat(ask(), { wait: { maxMs: -1, priority: Number.NaN } })).rejects.toMatchObject({
      code: 'invalid_request',
      issues: [
        { path: 'wait.maxMs', message: expect.stringContaining('non-negative integer') },
        { path: 'wait.priority', message: expect.stringContaining('finite number') },
      ],
    });
    expect(() => createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: 'all' }], wait: { maxMs: 1.5 } })).toThrow(/wait\.maxMs/);
  });

  it('over HTTP, the tollgate-wait-ms header lets a call wait; a bad one is a 400 naming the header', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { token, hash } = generateKey();
    const { gateway, now } = gatewayWith({ rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] }, { keys: [{ id: 'app', workspace: 'team', integration: 'llm', hash }] });
    const handler = createFetchHandler(gateway);
    const post = (headers: Record<string, string>) =>
      handler(new Request('http://gw.test/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] }) }));
    expect((await post({})).status).toBe(200);
    expect((await post({})).status).toBe(429);
    const bad = await post({ 'tollgate-wait-ms': 'soon' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('header tollgate-wait-ms');
    const waiting = post({ 'tollgate-wait-ms': '60000' });
    await until(() => gateway.stats().waiting === 1);
    now.ms += 50_000;
    await vi.advanceTimersByTimeAsync(50_000);
    expect((await waiting).status).toBe(200);
  });
});
