// npm test: budgets on the memory store and an injected clock; milliseconds.
import { describe, expect, it } from 'vitest';
import { BudgetExceededError } from '../../src/index.js';
import { CALL_COST, RESERVED_TOKENS, limitsGateway } from '../helpers/limits-gateway.js';

/** Calls a budget of `limit` USD admits: each reserves RESERVED_TOKENS x 0.001, then costs 0.10. */
const fits = (limit: number) => {
  const reserve = RESERVED_TOKENS / 1000;
  let n = 0;
  while (n * CALL_COST + reserve <= limit + 1e-9) n++;
  return n;
};

describe('cost budgets', () => {
  it('refuse calls that no longer fit, with scope, limit, used, what remains and the next reset', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] } } });
    const { ok, error } = await t.drain();
    expect(ok).toBe(fits(1));
    expect(error).toBeInstanceOf(BudgetExceededError);
    const used = Math.round(ok * CALL_COST * 1e6) / 1e6;
    expect(error).toMatchObject({
      status: 429,
      code: 'budget_exceeded',
      scope: 'grant:mock/team-a',
      limit: 1,
      used,
      remaining: Math.round((1 - used) * 1e6) / 1e6,
      reason: 'reservation-exceeds-remaining',
      resetAt: '2026-12-01T00:00:00.000Z',
      retryAfterMs: Date.parse('2026-12-01T00:00:00.000Z') - Date.parse('2026-11-18T09:30:00.000Z'),
    });
    expect((error as Error).message).toContain("This request's reservation exceeds what remains");
    // The refusal is a usage event too; the budget has room left, so nothing announces exhaustion.
    expect(t.events.usage.at(-1)).toMatchObject({ status: 'rejected', errorCode: 'budget_exceeded', httpStatus: 429 });
    await expect(t.call()).rejects.toBeInstanceOf(BudgetExceededError);
    expect(t.events['budget.exhausted']).toEqual([]);
  });

  it('reset monthly on the 1st 00:00 UTC, whatever the day they were set', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] } } });
    await t.drain();
    t.setNow('2026-11-30T23:59:59.999Z');
    await expect(t.call()).rejects.toBeInstanceOf(BudgetExceededError);
    t.setNow('2026-12-01T00:00:00.000Z');
    expect((await t.drain()).ok).toBe(fits(1));
    // Each period's last calls did not fit; no period was spent to its limit.
    expect(t.events['budget.exhausted']).toEqual([]);
  });

  it('reset weekly on Sunday 00:00 UTC', async () => {
    const t = limitsGateway({ start: '2026-11-20T10:00:00Z', grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1, reset: 'weekly' }] } } });
    const { error } = await t.drain();
    expect(error).toMatchObject({ resetAt: '2026-11-22T00:00:00.000Z' });
    t.setNow('2026-11-21T23:59:59.000Z');
    await expect(t.call()).rejects.toBeInstanceOf(BudgetExceededError);
    t.setNow('2026-11-22T00:00:00.000Z');
    await expect(t.call()).resolves.toBeDefined();
  });

  it("with reset: 'none' never reset (resetAt null)", async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1 }] } } });
    const { error } = await t.drain();
    expect(error).toMatchObject({ resetAt: null });
    t.setNow('2031-01-01T00:00:00Z');
    await expect(t.call()).rejects.toMatchObject({ code: 'budget_exceeded', resetAt: null });
  });

  it('alert exactly once per period when usage crosses the threshold; calls continue', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1, alertThreshold: 0.45, reset: 'monthly' }] } } });
    for (let i = 0; i < 4; i++) await t.call();
    expect(t.events['budget.alert']).toHaveLength(0);
    await t.call(); // 0.50 >= 0.45
    expect(t.events['budget.alert']).toEqual([
      expect.objectContaining({ scope: 'grant:mock/team-a', threshold: 0.45, used: 0.5, limit: 1, unit: 'USD', resetAt: '2026-12-01T00:00:00.000Z' }),
    ]);
    await t.drain();
    expect(t.events['budget.alert']).toHaveLength(1);
    t.setNow('2026-12-02T00:00:00Z');
    for (let i = 0; i < 5; i++) await t.call();
    expect(t.events['budget.alert']).toHaveLength(2);
  });

  it('announce exhaustion when usage reaches the limit exactly', async () => {
    // A token budget of 3 calls, where each call uses exactly what it reserved.
    const t = limitsGateway({
      mock: { usage: { inputTokens: RESERVED_TOKENS - 80, outputTokens: 80 } },
      grants: { 'team-a': { budgets: [{ type: 'tokens', limit: RESERVED_TOKENS * 3 }] } },
    });
    for (let i = 0; i < 3; i++) await t.call();
    expect(t.events['budget.exhausted']).toEqual([expect.objectContaining({ reason: 'limit-reached', used: RESERVED_TOKENS * 3, unit: 'tokens' })]);
    await expect(t.call()).rejects.toBeInstanceOf(BudgetExceededError);
    expect(t.events['budget.exhausted']).toHaveLength(1);
  });

  it('a call too large for the budget cannot suppress its exhaustion alert: it is refused quietly, the real exhaustion fires once', async () => {
    const t = limitsGateway({
      mock: { usage: { inputTokens: RESERVED_TOKENS - 80, outputTokens: 80 } },
      grants: { 'team-a': { budgets: [{ type: 'tokens', limit: RESERVED_TOKENS * 3 }] } },
    });
    // Anyone with access asks for more than the whole budget first.
    const oversized = await t.call('team-a', { max_tokens: RESERVED_TOKENS * 10 }).catch((e: unknown) => e);
    expect(oversized).toMatchObject({ code: 'budget_exceeded', reason: 'reservation-exceeds-remaining', used: 0, remaining: RESERVED_TOKENS * 3 });
    expect((oversized as Error).message).not.toContain('is exhausted');
    expect(t.events['budget.exhausted']).toEqual([]);
    for (let i = 0; i < 3; i++) await t.call();
    expect(t.events['budget.exhausted']).toEqual([expect.objectContaining({ reason: 'limit-reached', used: RESERVED_TOKENS * 3 })]);
    await expect(t.call()).rejects.toMatchObject({ reason: 'exhausted' });
    expect(t.events['budget.exhausted']).toHaveLength(1);
  });
});

describe('a budget that stops serving before its limit', () => {
  it("calls of one size leave a remainder none fits: the first refusal announces it ('insufficient'), once; an oversized call before announces nothing", async () => {
    // USD 10 per 1M tokens: a call of 100 tokens costs USD 0.001, and reserves a little more.
    const t = limitsGateway({
      integration: { customModels: [{ id: 'm', pricing: { input: 10, output: 10 } }] },
      grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] } },
      mock: { usage: { inputTokens: 20, outputTokens: 80 } },
    });
    const oversized = await t.call('team-a', { max_tokens: 1_000_000 }).catch((e: unknown) => e);
    expect(oversized).toMatchObject({ code: 'budget_exceeded', reason: 'reservation-exceeds-remaining' });
    const { ok, error } = await t.drain('team-a', 2_000);
    expect(error).toMatchObject({ code: 'budget_exceeded', reason: 'reservation-exceeds-remaining' });
    expect(ok).toBe(999);
    // Less than a call is left, far under 5 % of the budget: it is as good as spent, and said so once.
    expect(t.events['budget.exhausted']).toEqual([expect.objectContaining({ reason: 'insufficient', scope: 'grant:mock/team-a', limit: 1, used: 0.999 })]);
    await expect(t.call()).rejects.toMatchObject({ code: 'budget_exceeded' });
    expect(t.events['budget.exhausted']).toHaveLength(1);
    // Next month, the budget serves again.
    t.setNow('2026-12-01T00:00:00Z');
    await expect(t.call()).resolves.toBeDefined();
  });

  it('exhaustedShare sets how little must be left: 0 keeps the announcement for a spent budget', async () => {
    const t = limitsGateway({
      integration: { customModels: [{ id: 'm', pricing: { input: 10, output: 10 } }] },
      grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] } },
      mock: { usage: { inputTokens: 20, outputTokens: 80 } },
      extra: { limits: { exhaustedShare: 0 } },
    });
    await t.drain('team-a', 2_000);
    await expect(t.call()).rejects.toMatchObject({ code: 'budget_exceeded' });
    expect(t.events['budget.exhausted']).toEqual([]);
  });
});

describe('token budgets', () => {
  it('count input + output tokens', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'tokens', limit: 1_000 }] } } });
    await t.call();
    await t.call();
    const status = await t.gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    expect(status.find((s) => s.kind === 'budget')).toMatchObject({ type: 'tokens', limit: 1_000, used: 200, reserved: 0, remaining: 800 });
  });
});

describe('when budgets were set, and changes', () => {
  it('count usage only from when the budget was set, never retroactively', async () => {
    const t = limitsGateway({ grants: { 'team-a': {} } });
    for (let i = 0; i < 5; i++) await t.call();
    t.advance(60_000);
    await t.gateway.provisioning.provision({ integration: 'mock', workspace: 'team-a', budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] });
    const [budget] = await t.gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    expect(budget).toMatchObject({ used: 0, since: '2026-11-18T09:31:00.000Z' });
    expect((await t.drain()).ok).toBe(fits(1));
  });

  it('a changed definition is a new budget starting at zero, and the change is announced', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] } } });
    await t.drain();
    await t.gateway.provisioning.provision({ integration: 'mock', workspace: 'team-a', budgets: [{ type: 'cost', limit: 2, reset: 'monthly' }] });
    expect(t.events['budget.changed']).toEqual([
      {
        origin: 'grant:mock/team-a',
        added: [{ type: 'cost', limit: 2, reset: 'monthly' }],
        removed: [{ type: 'cost', limit: 1, reset: 'monthly' }],
        at: '2026-11-18T09:30:00.000Z',
      },
    ]);
    expect((await t.drain()).ok).toBe(fits(2));
  });

  it('a budget removed and defined again later starts again from zero', async () => {
    const budget = { type: 'cost' as const, limit: 1 };
    const t = limitsGateway({ grants: { 'team-a': { budgets: [budget] } } });
    await t.drain();
    await t.gateway.provisioning.provision({ integration: 'mock', workspace: 'team-a' });
    t.advance(1_000);
    await t.gateway.provisioning.provision({ integration: 'mock', workspace: 'team-a', budgets: [budget] });
    expect((await t.drain()).ok).toBe(fits(1));
  });

  it('an unchanged budget keeps its usage across unrelated provisioning changes', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1 }] } } });
    await t.call();
    await t.gateway.provisioning.provision({ integration: 'mock', workspace: 'team-b' });
    const [status] = await t.gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    expect(status).toMatchObject({ used: CALL_COST });
    expect(t.events['budget.changed']).toEqual([]);
  });
});

describe('scopes and cascade', () => {
  it("a '*' grant budget applies to each workspace separately", async () => {
    const t = limitsGateway({ grants: { '*': { budgets: [{ type: 'cost', limit: 1 }] } } });
    expect((await t.drain('team-a')).ok).toBe(fits(1));
    expect((await t.drain('team-b')).ok).toBe(fits(1));
    const error = await t.call('team-a').catch((e: unknown) => e);
    expect(error).toMatchObject({ scope: 'grant:mock/team-a' });
  });

  it('an integration-wide budget is shared by every workspace under it', async () => {
    const t = limitsGateway({ integration: { budgets: [{ type: 'cost', limit: 1 }] } });
    let ok = 0;
    for (let i = 0; i < 20; i++) {
      try {
        await t.call(i % 2 ? 'team-a' : 'team-b');
        ok++;
      } catch (error) {
        expect(error).toMatchObject({ scope: 'integration:mock' });
      }
    }
    expect(ok).toBe(fits(1));
  });

  it('a workspace-wide budget is shared across integrations', async () => {
    const t = limitsGateway({
      workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 1 }] } },
      extra: {
        integrations: [
          { slug: 'mock', provider: 'mock', customModels: [{ id: 'm', pricing: { input: 1_000, output: 1_000 } }], workspaces: 'all', mock: { usage: { inputTokens: 20, outputTokens: 80 } } },
          { slug: 'mock2', provider: 'mock', customModels: [{ id: 'm', pricing: { input: 1_000, output: 1_000 } }], workspaces: 'all', mock: { usage: { inputTokens: 20, outputTokens: 80 } } },
        ],
      },
    });
    let ok = 0;
    for (let i = 0; i < 20; i++) {
      const model = i % 2 ? '@mock/m' : '@mock2/m';
      try {
        await t.gateway.chat({ workspace: 'team-a', model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 80 });
        ok++;
      } catch (error) {
        expect(error).toMatchObject({ scope: 'workspace:team-a' });
      }
    }
    expect(ok).toBe(fits(1));
    await expect(t.gateway.chat({ workspace: 'team-b', model: '@mock/m', messages: [{ role: 'user', content: 'Hello' }] })).resolves.toBeDefined();
  });

  it('a key budget applies to calls through the key only', async () => {
    const t = limitsGateway({ keys: [{ id: 'app', workspace: 'team-a', integration: 'mock', budgets: [{ type: 'cost', limit: 1 }] }] });
    let ok = 0;
    let error: unknown;
    for (; ok < 50; ok++) {
      error = await t.gateway.chat({ key: 'app', model: 'm', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 80 }).catch((e: unknown) => e);
      if (error instanceof Error) break;
    }
    expect(ok).toBe(fits(1));
    expect(error).toMatchObject({ scope: 'key:app' });
    await expect(t.call('team-a')).resolves.toBeDefined();
  });

  it('is all or nothing: a refusal in one scope reserves nothing in the others', async () => {
    const t = limitsGateway({
      integration: { budgets: [{ type: 'cost', limit: 100 }], rateLimits: [{ type: 'tokens', limit: 100_000, per: 'minute' }] },
      grants: { 'team-a': { rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] } },
    });
    await t.call();
    await expect(t.call()).rejects.toMatchObject({ code: 'rate_limit_exceeded', scope: 'grant:mock/team-a' });
    const status = await t.gateway.limits.status({ integration: 'mock' });
    expect(status).toEqual([
      expect.objectContaining({ scope: 'integration:mock', kind: 'budget', used: CALL_COST, reserved: 0 }),
      expect.objectContaining({ scope: 'integration:mock', kind: 'rateLimit', type: 'tokens', used: 100, reserved: 0 }),
    ]);
  });
});
