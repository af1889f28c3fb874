// npm test: per-user scopes on an injected clock (10,000 and 1,000,000 users: templated-scopes.scale.test.ts).
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, RateLimitExceededError, RequestValidationError, memoryStore, type UsageEvent } from '../../src/index.js';
import { limitsGateway, PER_USER, PRICE, quietGateway } from '../helpers/limits-gateway.js';

/**
 * Templated scopes (`each: [{ by }]`): every distinct value of a request attribute (its `user`,
 * a `metadata` field) gets its own counters under the declaring scope, checked in the same
 * admission as every other limit. Every call uses 100 tokens and costs USD 0.10, reserving
 * USD 0.101 (test/helpers/limits-gateway.ts).
 */

describe('templated scopes', () => {
  it('each user gets its own rate limit and budget; one user refused leaves the others alone', async () => {
    const { gateway, call, advance } = limitsGateway({ workspaces: { 'team-a': PER_USER } });
    for (let i = 0; i < 5; i++) await call('team-a', { user: 'u-1' });
    const limited = await call('team-a', { user: 'u-1' }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitExceededError);
    expect((limited as RateLimitExceededError).scope).toBe('workspace:team-a/user:u-1');
    for (let i = 0; i < 5; i++) await call('team-a', { user: 'u-2' });
    advance(60_000);
    for (let i = 0; i < 4; i++) await call('team-a', { user: 'u-1' });
    // Nine calls: USD 0.90 spent, and a tenth could cost USD 0.101.
    const spent = await call('team-a', { user: 'u-1' }).catch((e: unknown) => e);
    expect(spent).toBeInstanceOf(BudgetExceededError);
    expect((spent as BudgetExceededError).scope).toBe('workspace:team-a/user:u-1');
    expect(await gateway.limits.status({ workspace: 'team-a', user: 'u-1' })).toEqual([
      expect.objectContaining({ scope: 'workspace:team-a/user:u-1', kind: 'budget', used: 0.9, reserved: 0 }),
      expect.objectContaining({ scope: 'workspace:team-a/user:u-1', kind: 'rateLimit', per: 'minute', used: 4 }),
    ]);
    // Without a user, the status has no templated counters to show.
    expect(await gateway.limits.status({ workspace: 'team-a' })).toEqual([]);
    await gateway.close();
  });

  it('a request without the attribute is refused, naming it; nothing is reserved', async () => {
    const { gateway, call, events } = limitsGateway({
      workspaces: { 'team-a': { each: [{ by: 'metadata.customerId', budgets: [{ type: 'cost', limit: 5 }] }] } },
      keys: [{ id: 'app', workspace: 'team-a', integration: 'mock', each: [{ by: 'user', rateLimits: [{ type: 'requests', limit: 10, per: 'minute' }] }] }],
    });
    const noCustomer = await call('team-a').catch((e: unknown) => e);
    expect(noCustomer).toBeInstanceOf(RequestValidationError);
    expect((noCustomer as RequestValidationError).issues).toEqual([{ path: 'metadata.customerId', message: 'workspace:team-a has limits for each metadata.customerId value: the request must give its metadata.customerId' }]);
    const noUser = await call(undefined, { workspace: undefined, key: 'app', metadata: { customerId: 'acme' } }).catch((e: unknown) => e);
    expect((noUser as RequestValidationError).issues[0]?.path).toBe('user');
    await call(undefined, { workspace: undefined, key: 'app', user: 'u-1', metadata: { customerId: 'acme' } });
    expect(events.usage.map((e: UsageEvent) => e.status)).toEqual(['rejected', 'rejected', 'success']);
    expect(await gateway.limits.status({ key: 'app', user: 'u-1', metadata: { customerId: 'acme' } })).toEqual([
      expect.objectContaining({ scope: 'workspace:team-a/metadata.customerId:acme', used: 0.1, reserved: 0 }),
      expect.objectContaining({ scope: 'key:app/user:u-1', used: 1 }),
    ]);
    await gateway.close();
  });

  it('tiers: the tier resolved once per request picks the limits; per-model and tier limits checked in one admission', async () => {
    const asked: string[] = [];
    const pro = new Set(['u-pro']);
    const { gateway, call } = limitsGateway({
      integration: { customModels: [{ id: 'm', pricing: PRICE }, { id: 'big', pricing: PRICE }] },
      workspaces: {
        'team-a': {
          each: [
            {
              by: 'user',
              budgets: [{ type: 'cost', limit: 1 }],
              tiers: { pro: { budgets: [{ type: 'cost', limit: 5 }, { type: 'cost', limit: 1, models: ['big'] }] } },
            },
          ],
        },
      },
      extra: {
        tier: ({ user, model }) => {
          asked.push(`${user}:${model}`);
          return pro.has(user ?? '') ? 'pro' : 'free';
        },
      },
    });
    const run = async (user: string, model: string) => {
      let ok = 0;
      for (let i = 0; i < 60; i++) {
        const error = await call('team-a', { user, model: `@mock/${model}` }).then(() => null, (e: unknown) => e);
        if (error) return { ok, error };
        ok++;
      }
      return { ok, error: null };
    };
    // Free: the default USD 1 for every model ('free' has no tier of its own).
    expect(await run('u-free', 'big')).toMatchObject({ ok: 9, error: expect.any(BudgetExceededError) });
    // Pro: USD 1 on 'big' inside USD 5 on everything.
    const big = await run('u-pro', 'big');
    expect(big).toMatchObject({ ok: 9 });
    expect((big.error as BudgetExceededError).limit).toBe(1);
    const rest = await run('u-pro', 'm');
    expect(rest.ok).toBe(40);
    expect((rest.error as BudgetExceededError).limit).toBe(5);
    // Asked once per call (refused ones included), with the provider's model id.
    expect(asked).toHaveLength(9 + 1 + 9 + 1 + 40 + 1);
    expect(asked[0]).toBe('u-free:big');
    expect(await gateway.limits.status({ workspace: 'team-a', user: 'u-pro' })).toEqual([
      expect.objectContaining({ scope: 'workspace:team-a/user:u-pro', limit: 5, used: 4.9 }),
      expect.objectContaining({ scope: 'workspace:team-a/user:u-pro', limit: 1, models: ['big'], used: 0.9 }),
    ]);
    await gateway.close();
  });

  it('attribute values are user input: escaped in store keys (no two values share a counter), length-limited', async () => {
    const { gateway, call } = limitsGateway({ workspaces: { 'team-a': { each: [{ by: 'user', rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] }] } } });
    // Values that would collide if keys were built by joining raw values with the key's separators.
    for (const user of ['a|b', 'a', 'a%7Cb', 'ユーザー', 'a|b|']) await call('team-a', { user });
    await expect(call('team-a', { user: 'a|b' })).rejects.toBeInstanceOf(RateLimitExceededError);
    const long = await call('team-a', { user: 'x'.repeat(257) }).catch((e: unknown) => e);
    expect((long as RequestValidationError).issues).toEqual([{ path: 'user', message: 'must be at most 256 characters (workspace:team-a keys limits by it)' }]);
    await call('team-a', { user: 'x'.repeat(256) });
    await gateway.close();
  });

  it('one user’s limits overridden at runtime through the policy log: every gateway on the store applies it; removed, the user is back to its tier', async () => {
    const store = memoryStore();
    const config = { workspaces: { 'team-a': { each: [{ by: 'user' as const, budgets: [{ type: 'cost' as const, limit: 1 }] }] } }, store };
    const a = quietGateway(config);
    const b = quietGateway(config);
    const drain = async (g: ReturnType<typeof quietGateway>, user: string) => {
      for (let ok = 0; ; ok++) if (await g.call('team-a', { user }).then(() => false, () => true)) return ok;
    };
    expect(await drain(a, 'u-vip')).toBe(9);
    const { version } = await a.gateway.provisioning.override({ workspace: 'team-a', by: 'user', value: 'u-vip', limits: { budgets: [{ type: 'cost', limit: 3 }] } });
    expect(version).toBe(1);
    await b.gateway.ready();
    // Its own budget, counted from zero; the others keep the template's.
    expect(await drain(b, 'u-vip')).toBe(29);
    expect(await drain(b, 'u-other')).toBe(9);
    expect(await b.gateway.limits.status({ workspace: 'team-a', user: 'u-vip' })).toEqual([expect.objectContaining({ scope: 'workspace:team-a/user:u-vip', limit: 3, used: 2.9 })]);
    await a.gateway.provisioning.override({ workspace: 'team-a', by: 'user', value: 'u-vip', limits: null });
    await b.gateway.ready();
    expect(await drain(b, 'u-vip')).toBe(0); // the template's budget, where it was left
    const wrong = await a.gateway.provisioning.override({ workspace: 'team-a', by: 'metadata.customerId', value: 'acme', limits: null }).catch((e: unknown) => e);
    expect(String((wrong as Error).message)).toMatch(/workspace 'team-a' has no limits for each metadata.customerId/);
    await Promise.all([a.gateway.close(), b.gateway.close()]);
  });
});
