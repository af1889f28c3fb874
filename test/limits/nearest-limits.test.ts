// npm test: templated limits ranked on an injected clock, in memory and on a redis-server of its own; milliseconds.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestValidationError, type Store } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { limitsGateway } from '../helpers/limits-gateway.js';
import { useTestRedis } from '../helpers/redis-server.js';

/**
 * `gateway.limits.nearest({ n })`: the limits of templated scopes (one per user, per customer)
 * closest to their ends, closest first, whichever process made the calls. Every call costs USD
 * 0.10 (test/helpers/limits-gateway.ts).
 */
const redis = useTestRedis({ beforeAll, afterAll });

const workspaces = {
  'team-a': {
    each: [
      { by: 'user' as const, budgets: [{ type: 'cost' as const, limit: 1, reset: 'monthly' as const }], tiers: { pro: { budgets: [{ type: 'cost' as const, limit: 5, reset: 'monthly' as const }] } } },
      { by: 'metadata.customer' as const, budgets: [{ type: 'tokens' as const, limit: 2_000 }] },
    ],
  },
};
const pro = new Set(['u-pro']);

function setup(store?: Store) {
  return limitsGateway({ workspaces, extra: { tier: ({ user }) => (pro.has(user ?? '') ? 'pro' : null), ...(store ? { store } : {}) } });
}

/**
 * Six users spend: u-k makes k calls (USD 0.10 and 100 tokens each) for customer initech (1,500
 * tokens of 2,000); u-pro, on a USD 5 tier, makes 8 (USD 0.80): 5 for acme, 3 for globex.
 */
async function spend(t: ReturnType<typeof setup>) {
  for (let k = 1; k <= 5; k++) for (let i = 0; i < k; i++) await t.call('team-a', { user: `u-${k}`, metadata: { customer: 'initech' } });
  for (let i = 0; i < 8; i++) await t.call('team-a', { user: 'u-pro', metadata: { customer: i < 5 ? 'acme' : 'globex' } });
}

async function expectNearest(t: ReturnType<typeof setup>) {
  const nearest = await t.gateway.limits.nearest({ n: 4 });
  // By share of the limit, whatever its unit: initech at 0.75 of its tokens, then u-5 at 0.5 of USD 1...
  expect(nearest.map((l) => [l.scope, l.used, l.limit, l.template, l.by, l.value])).toEqual([
    ['workspace:team-a/metadata.customer:initech', 1_500, 2_000, 'workspace:team-a', 'metadata.customer', 'initech'],
    ['workspace:team-a/user:u-5', 0.5, 1, 'workspace:team-a', 'user', 'u-5'],
    ['workspace:team-a/user:u-4', 0.4, 1, 'workspace:team-a', 'user', 'u-4'],
    ['workspace:team-a/user:u-3', 0.3, 1, 'workspace:team-a', 'user', 'u-3'],
  ]);
  expect(nearest[1]).toMatchObject({ kind: 'budget', type: 'cost', reserved: 0, remaining: 0.5, reset: 'monthly', resetAt: '2026-12-01T00:00:00.000Z' });
  const all = await t.gateway.limits.nearest({ n: 100 });
  expect(all.map((l) => l.value)).toEqual(['initech', 'u-5', 'u-4', 'u-3', 'acme', 'u-2', 'u-pro', 'globex', 'u-1']);
  // u-pro is read with its tier's budget: USD 0.80 of 5.
  expect(all.find((l) => l.value === 'u-pro')).toMatchObject({ used: 0.8, limit: 5 });
}

describe('limits.nearest', () => {
  it('lists the templated limits closest to their ends, by share of the limit, with their template, key and value', async () => {
    const t = setup();
    await spend(t);
    await expectNearest(t);
    // Only budgets by default; none of these templates has a rate limit.
    expect(await t.gateway.limits.nearest({ kind: 'rateLimit' })).toEqual([]);
    // A new period: nothing is near its end any more.
    t.setNow('2026-12-01T00:00:01Z');
    expect((await t.gateway.limits.nearest()).map((l) => l.value)).toEqual(['initech', 'acme', 'globex']);
  });

  it('refuses a bad query, naming the field', async () => {
    const t = setup();
    await expect(t.gateway.limits.nearest({ n: 0 })).rejects.toBeInstanceOf(RequestValidationError);
    await expect(t.gateway.limits.nearest({ n: 5, kind: 'everything' as never })).rejects.toMatchObject({ issues: [{ path: 'kind' }] });
  });

  it.skipIf(!redis.available)('on Redis: what one gateway spent, another lists', async () => {
    const prefix = `nearest-${randomUUID()}`;
    await spend(setup(redisStore({ client: redis.newClient(), prefix })));
    await expectNearest(setup(redisStore({ client: redis.newClient(), prefix })));
  });
});
