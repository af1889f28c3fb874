// npm test: rate-limit windows on an injected clock; milliseconds.
import { describe, expect, it } from 'vitest';
import { RateLimitExceededError, ScopeDisabledError } from '../../src/index.js';
import { RESERVED_TOKENS, limitsGateway } from '../helpers/limits-gateway.js';

describe('rate limits', () => {
  it('admit exactly the limit per UTC minute, then refuse with the exact time to the reset', async () => {
    const t = limitsGateway({ start: '2026-11-18T12:00:20.000Z', grants: { 'team-a': { rateLimits: [{ type: 'requests', limit: 3, per: 'minute' }] } } });
    for (let i = 0; i < 3; i++) await t.call();
    const error = await t.call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect(error).toMatchObject({
      status: 429,
      scope: 'grant:mock/team-a',
      limit: 3,
      remaining: 0,
      resetAt: '2026-11-18T12:01:00.000Z',
      retryAfterMs: 40_000,
    });
    t.setNow('2026-11-18T12:00:59.999Z');
    await expect(t.call()).rejects.toMatchObject({ retryAfterMs: 1 });
    t.setNow('2026-11-18T12:01:00.000Z');
    for (let i = 0; i < 3; i++) await t.call();
    await expect(t.call()).rejects.toBeInstanceOf(RateLimitExceededError);
    // Announced once per window.
    expect(t.events['ratelimit.exceeded'].map((e) => e.resetAt)).toEqual(['2026-11-18T12:01:00.000Z', '2026-11-18T12:02:00.000Z']);
  });

  it.each([
    ['hour', '2026-11-18T12:34:56.000Z', '2026-11-18T13:00:00.000Z', 25 * 60_000 + 4_000],
    ['day', '2026-12-31T18:00:00.000Z', '2027-01-01T00:00:00.000Z', 6 * 3_600_000],
  ] as const)('per %s: windows end on the UTC boundary', async (per, start, resetAt, retryAfterMs) => {
    const t = limitsGateway({ start, grants: { 'team-a': { rateLimits: [{ type: 'requests', limit: 1, per }] } } });
    await t.call();
    await expect(t.call()).rejects.toMatchObject({ resetAt, retryAfterMs });
  });

  it('token limits reserve the worst case, then keep only what was used', async () => {
    // Room for 2 reservations at once, but each call uses 100 tokens: 10 calls fit in 1,000.
    const t = limitsGateway({ grants: { 'team-a': { rateLimits: [{ type: 'tokens', limit: 1_000, per: 'hour' }] } } });
    const ok = (await t.drain()).ok;
    expect(ok).toBe(Math.floor((1_000 - RESERVED_TOKENS) / 100) + 1);
    const [status] = await t.gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    expect(status).toMatchObject({ kind: 'rateLimit', type: 'tokens', per: 'hour', used: ok * 100, reserved: 0 });
  });

  it('a call whose worst case exceeds a token limit says so', async () => {
    const t = limitsGateway({ grants: { 'team-a': { rateLimits: [{ type: 'tokens', limit: 50, per: 'minute' }] } } });
    await expect(t.call()).rejects.toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining(`may need up to ${RESERVED_TOKENS}`) });
  });

  it('several limits in one scope all apply', async () => {
    const t = limitsGateway({
      grants: { 'team-a': { rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }, { type: 'requests', limit: 2, per: 'hour' }] } },
    });
    await t.call();
    await t.call();
    await expect(t.call()).rejects.toMatchObject({ message: expect.stringContaining('2 requests per hour') });
  });

  it('a limit of 0 disables the scope', async () => {
    const t = limitsGateway({ grants: { 'team-a': { rateLimits: [{ type: 'requests', limit: 0, per: 'minute' }] }, 'team-b': {} } });
    const error = await t.call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScopeDisabledError);
    expect(error).toMatchObject({ status: 403, scope: 'grant:mock/team-a' });
    await expect(t.call('team-b')).resolves.toBeDefined();
    expect(t.events.usage.at(-2)).toMatchObject({ status: 'rejected', errorCode: 'scope_disabled' });
  });

  it('a failed call still counts as a request', async () => {
    const t = limitsGateway({
      grants: { 'team-a': { rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }] } },
      mock: { failures: [{ status: 400 }] },
    });
    await expect(t.call()).rejects.toMatchObject({ code: 'provider_error' });
    await t.call();
    await expect(t.call()).rejects.toBeInstanceOf(RateLimitExceededError);
  });
});
