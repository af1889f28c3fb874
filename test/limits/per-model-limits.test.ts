// npm test: per-model limits on the memory store and an injected clock; milliseconds.
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, ConfigError, createGateway, RateLimitExceededError } from '../../src/index.js';
import { budgetFromId, budgetId } from '../../src/limits/budget-identity.js';
import { limitsGateway, PRICE } from '../helpers/limits-gateway.js';

/**
 * Limits on listed models inside a scope (`models` on a budget or a rate limit): counted and
 * enforced only for calls to those models, in the same admission as every other limit.
 * Every call uses 100 tokens and costs USD 0.10 (test/helpers/limits-gateway.ts).
 */
const twoModels = { customModels: [{ id: 'm', pricing: PRICE }, { id: 'big', pricing: PRICE }] };

describe('per-model limits', () => {
  it('a budget on one model stops that model at its limit; the other models of the scope go on', async () => {
    const { gateway, call } = limitsGateway({
      integration: twoModels,
      workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 1, models: ['big'] }] } },
    });
    // A call reserves its worst case, USD 0.101: nine fit in USD 1.
    for (let i = 0; i < 9; i++) await call('team-a', { model: '@mock/big' });
    await expect(call('team-a', { model: '@mock/big' })).rejects.toBeInstanceOf(BudgetExceededError);
    for (let i = 0; i < 12; i++) await call('team-a', { model: '@mock/m' });
    const [budget] = await gateway.limits.status({ workspace: 'team-a' });
    expect(budget).toMatchObject({ kind: 'budget', type: 'cost', models: ['big'], limit: 1, used: 0.9, reserved: 0 });
    await gateway.close();
  });

  it('a rate limit on one model, inside a key: that model is limited per window, the others are not', async () => {
    const { gateway, call, advance } = limitsGateway({
      integration: twoModels,
      keys: [{ id: 'app', workspace: 'team-a', integration: 'mock', rateLimits: [{ type: 'requests', limit: 2, per: 'minute', models: ['big'] }] }],
    });
    const viaKey = (model: string) => call(undefined, { workspace: undefined, key: 'app', model });
    await viaKey('big');
    await viaKey('big');
    const refused = await viaKey('big').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitExceededError);
    expect((refused as RateLimitExceededError).scope).toBe('key:app');
    for (let i = 0; i < 5; i++) await viaKey('m');
    advance(60_000);
    await viaKey('big');
    const status = await gateway.limits.status({ key: 'app' });
    expect(status).toEqual([expect.objectContaining({ scope: 'key:app', type: 'requests', per: 'minute', models: ['big'], used: 1 })]);
    await gateway.close();
  });

  it('enforced in one admission with the scope-wide limits: a refusal by either reserves nothing on the other', async () => {
    const { gateway, call } = limitsGateway({
      integration: twoModels,
      workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 1 }, { type: 'cost', limit: 5, models: ['big'] }] } },
    });
    for (let i = 0; i < 9; i++) await call('team-a', { model: i % 2 ? '@mock/big' : '@mock/m' });
    // The scope-wide USD 1 has no room for another call: 'big' is refused though its own USD 5 has room, and that is left untouched.
    const refused = await call('team-a', { model: '@mock/big' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect((refused as BudgetExceededError).limit).toBe(1);
    const status = await gateway.limits.status({ workspace: 'team-a' });
    expect(status.map((s) => [s.models ?? 'all', s.used, s.reserved])).toEqual([
      ['all', 0.9, 0],
      [['big'], 0.4, 0],
    ]);
    await gateway.close();
  });

  it('a budget’s identity carries its models (escaped), and stays what it was for budgets without', () => {
    expect(budgetId({ type: 'cost', limit: 5, reset: 'none' })).toBe('cost:5:none:-');
    const fineTuned = { type: 'tokens' as const, limit: 1_000, reset: 'monthly' as const, models: ['ft:gpt-4o:acme:v1', 'gpt-4o'] };
    expect(budgetFromId(budgetId(fineTuned))).toEqual(fineTuned);
  });

  it('refuses an empty model list, a window on a concurrency limit, and a windowed limit without one', () => {
    const config = (limits: Record<string, unknown>) => () =>
      createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': limits as never } }] });
    expect(config({ budgets: [{ type: 'cost', limit: 5, models: [] }] })).toThrow(/budgets\[0\]\.models: must name at least one model/);
    expect(config({ rateLimits: [{ type: 'concurrency', limit: 3, per: 'minute' }] })).toThrow(/rateLimits\[0\]\.per: a concurrency limit has no window/);
    expect(config({ rateLimits: [{ type: 'requests', limit: 3 }] })).toThrow(/rateLimits\[0\]\.per: a requests limit needs its window/);
    expect(config({ rateLimits: [{ type: 'requests', limit: 3 }] })).toThrow(ConfigError);
  });
});
