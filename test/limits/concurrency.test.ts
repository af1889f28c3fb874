// npm test: concurrency limits in one process, against a loopback upstream (across processes: concurrency.scale.test.ts).
import { describe, expect, it } from 'vitest';
import { createGateway, RateLimitExceededError } from '../../src/index.js';
import { countingIntegration, countingUpstream } from '../helpers/counting-upstream.js';
import { limitsGateway } from '../helpers/limits-gateway.js';

/**
 * `rateLimits: [{ type: 'concurrency', limit }]`: calls in flight at once. A slot is taken in the
 * admission (with every other limit) and given back when the call ends, a stream when it ends or
 * is abandoned; held across processes by a shared store; freed by reservation expiry when a
 * process dies with calls in flight.
 */

const ask = { workspace: 'team-a', model: '@up/m', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('concurrency limits', () => {
  it('50 calls at once under a limit of 3: never more than 3 at the upstream; the others refused at once with a 429; nothing left in flight', async () => {
    const upstream = await countingUpstream(50);
    const gateway = createGateway({ integrations: [countingIntegration(upstream.baseURL, 3)], retry: { retries: 0 } });
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => gateway.chat(ask).then(() => null, (e: unknown) => e)));
    const refused = outcomes.filter((o) => o !== null);
    expect(upstream.counts.max).toBe(3);
    expect(upstream.counts.served).toBe(50 - refused.length);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error).toBeInstanceOf(RateLimitExceededError);
      expect(error).toMatchObject({ scope: 'grant:up/team-a', limit: 3, remaining: 0, retryAfterMs: 1_000 });
    }
    const [status] = await gateway.limits.status({ workspace: 'team-a', integration: 'up' });
    expect(status).toEqual({ scope: 'grant:up/team-a', kind: 'rateLimit', type: 'concurrency', limit: 3, used: 0, reserved: 0, remaining: 3, unsettled: 0, resetAt: null });
    // Slots come back as calls end: the next wave is served again.
    await Promise.all([gateway.chat(ask), gateway.chat(ask), gateway.chat(ask)]);
    await gateway.close();
  });

  it('a stream holds its slot until it ends; an abandoned stream gives it back', async () => {
    const { gateway, stream, call } = limitsGateway({
      workspaces: { 'team-a': { rateLimits: [{ type: 'concurrency', limit: 1 }] } },
      mock: { chunks: ['a', 'b', 'c'] },
    });
    const first = await stream();
    expect((await gateway.limits.status({ workspace: 'team-a' }))[0]).toMatchObject({ type: 'concurrency', used: 1, remaining: 0 });
    await expect(call()).rejects.toBeInstanceOf(RateLimitExceededError);
    for await (const _ of first) break; // one chunk, then walk away
    expect((await gateway.limits.status({ workspace: 'team-a' }))[0]).toMatchObject({ used: 0, remaining: 1 });
    const second = await stream();
    for await (const _ of second); // read to the end
    await call();
    expect((await gateway.limits.status({ workspace: 'team-a' }))[0]).toMatchObject({ used: 0 });
    await gateway.close();
  });

  it('a call that never ends (its process died) holds its slot until its reservation expires', async () => {
    const { gateway, call, advance } = limitsGateway({
      workspaces: { 'team-a': { rateLimits: [{ type: 'concurrency', limit: 1 }] } },
      extra: { limits: { reservationTtlMs: 60_000 } },
    });
    await gateway.admit({ workspace: 'team-a', model: '@mock/m', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 }); // never ended
    await expect(call()).rejects.toBeInstanceOf(RateLimitExceededError);
    advance(60_001);
    await call();
    // The admitted call is never ended, as in a process that died: nothing to wait for.
    await gateway.close({ timeoutMs: 0 });
  });

  it('with limits of its own for one model: a slow model cannot take the slots of the others', async () => {
    const { gateway, stream, call } = limitsGateway({
      integration: { customModels: [{ id: 'm', pricing: { input: 1, output: 1 } }, { id: 'slow', pricing: { input: 1, output: 1 } }] },
      workspaces: { 'team-a': { rateLimits: [{ type: 'concurrency', limit: 1, models: ['slow'] }, { type: 'concurrency', limit: 3 }] } },
      mock: { chunks: ['a', 'b'] },
    });
    const held = await stream('team-a', { model: '@mock/slow' });
    await expect(call('team-a', { model: '@mock/slow' })).rejects.toMatchObject({ limit: 1 });
    await call('team-a', { model: '@mock/m' });
    for await (const _ of held);
    await call('team-a', { model: '@mock/slow' });
    await gateway.close();
  });
});
