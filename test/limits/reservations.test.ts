// npm test: reservations on the memory store; calls held by a middleware, not by a sleep; milliseconds.
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, ProviderError } from '../../src/index.js';
import { holdCalls } from '../helpers/hold-calls.js';
import { CALL_COST, MAX_TOKENS, RESERVED_TOKENS, limitsGateway } from '../helpers/limits-gateway.js';

const budgetStatus = async (t: ReturnType<typeof limitsGateway>) =>
  (await t.gateway.limits.status({ workspace: 'team-a', integration: 'mock' })).find((s) => s.kind === 'budget')!;

describe('reservations', () => {
  it('hold the worst case while a call runs, then become its actual usage', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'tokens', limit: 10_000 }] } } });
    const stream = await t.stream();
    expect(await budgetStatus(t)).toMatchObject({ used: 0, reserved: RESERVED_TOKENS });
    for await (const _ of stream);
    expect(await budgetStatus(t)).toMatchObject({ used: 100, reserved: 0 });
  });

  it('reserve max_tokens for each of n choices, and a default output when max_tokens is absent', async () => {
    const t = limitsGateway({
      grants: { 'team-a': { budgets: [{ type: 'tokens', limit: 100_000 }] } },
      extra: { limits: { defaultMaxOutputTokens: 1_000 } },
    });
    const hold = holdCalls(t.gateway);
    const inputBound = RESERVED_TOKENS - MAX_TOKENS;
    const running = t.call('team-a', { n: 3 });
    await hold.admitted(1);
    expect(await budgetStatus(t)).toMatchObject({ reserved: inputBound + 3 * MAX_TOKENS });
    hold.release();
    await running;
    const noMax = t.gateway.chat({ workspace: 'team-a', model: '@mock/m', messages: [{ role: 'user', content: 'Hello' }] });
    await hold.admitted(2);
    expect(await budgetStatus(t)).toMatchObject({ reserved: inputBound + 1_000 });
    hold.release();
    await noMax;
  });

  it('a failed call releases its tokens and cost', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1 }] } }, mock: { failures: [{ status: 400 }] } });
    await expect(t.call()).rejects.toBeInstanceOf(ProviderError);
    expect(await budgetStatus(t)).toMatchObject({ used: 0, reserved: 0 });
    expect(t.events.usage[0]).toMatchObject({ status: 'error', cost: 0 });
  });

  it('an aborted call releases its reservation', async () => {
    // The provider would answer in an hour: only the abort ends the call.
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'cost', limit: 1 }] } }, mock: { latencyMs: 3_600_000 } });
    const hold = holdCalls(t.gateway);
    const controller = new AbortController();
    const call = t.gateway.chat({ workspace: 'team-a', model: '@mock/m', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 80 }, { signal: controller.signal });
    await hold.admitted();
    expect((await budgetStatus(t)).reserved).toBeGreaterThan(0);
    hold.release();
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'request_aborted' });
    expect(await budgetStatus(t)).toMatchObject({ used: 0, reserved: 0 });
  });

  it('a cut stream settles the usage delivered (estimated)', async () => {
    const t = limitsGateway({
      grants: { 'team-a': { budgets: [{ type: 'tokens', limit: 10_000 }] } },
      mock: { chunks: ['aaaa', 'bbbb', 'cccc', 'dddd'], cutStreamAfter: 2, omitUsage: true },
    });
    const stream = await t.stream();
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toBeInstanceOf(ProviderError);
    const event = t.events.usage[0]!;
    expect(event).toMatchObject({ status: 'error', usage: { estimated: true, outputTokens: 2 } });
    expect(await budgetStatus(t)).toMatchObject({ used: event.usage.totalTokens, reserved: 0 });
  });

  it('a reservation not settled within reservationTtlMs is charged at its worst case, as unsettled; its settlement, late, gives back what it did not use', async () => {
    const t = limitsGateway({ grants: { 'team-a': { budgets: [{ type: 'tokens', limit: RESERVED_TOKENS + 100 }] } }, extra: { limits: { reservationTtlMs: 60_000 } } });
    const stream = await t.stream(); // not read for now: its process might as well have died
    await expect(t.call()).rejects.toBeInstanceOf(BudgetExceededError);
    t.advance(61_000);
    // Its caller may have been served: the reservation became usage, and says it is not measured.
    expect(await budgetStatus(t)).toMatchObject({ used: RESERVED_TOKENS, reserved: 0, unsettled: RESERVED_TOKENS });
    await expect(t.call()).rejects.toBeInstanceOf(BudgetExceededError);
    for await (const _ of stream);
    // Read to its end after all: its 100 tokens replace the charge.
    expect(await budgetStatus(t)).toMatchObject({ used: 100, reserved: 0, unsettled: 0 });
    await expect(t.call()).resolves.toBeDefined();
  });

  it('1,000 concurrent calls against a budget that fits exactly K: K succeed, the spend is theirs', async () => {
    // Each call reserves exactly USD 0.10 (100 tokens at USD 0.001), so a budget of K x 0.10 fits K.
    const K = 37;
    const t = limitsGateway({
      grants: { 'team-a': { budgets: [{ type: 'cost', limit: K * CALL_COST }] } },
      mock: { latencyMs: 20, usage: { inputTokens: 10, outputTokens: 60 } },
    });
    const maxTokens = 100 - (RESERVED_TOKENS - MAX_TOKENS);
    const results = await Promise.allSettled(
      Array.from({ length: 1_000 }, () => t.gateway.chat({ workspace: 'team-a', model: '@mock/m', messages: [{ role: 'user', content: 'Hello' }], max_tokens: maxTokens })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(K);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof BudgetExceededError)).toBe(true);
    const spend = ok.reduce((sum, r) => sum + (r as PromiseFulfilledResult<{ gateway: { cost: number | null } }>).value.gateway.cost!, 0);
    const status = await budgetStatus(t);
    expect(status.used).toBeCloseTo(spend, 9);
    expect(status.used).toBe((K * 70 * 1_000) / 1e6);
    expect(status.reserved).toBe(0);
    expect(status.used).toBeLessThanOrEqual(K * CALL_COST);
  });

  it('concurrent calls never push a token limit past it', async () => {
    const limit = RESERVED_TOKENS * 25 + 7;
    const t = limitsGateway({
      grants: { 'team-a': { rateLimits: [{ type: 'tokens', limit, per: 'day' }], budgets: [{ type: 'tokens', limit }] } },
      mock: { latencyMs: 10, usage: { inputTokens: RESERVED_TOKENS - 80, outputTokens: 80 } },
    });
    const results = await Promise.allSettled(Array.from({ length: 300 }, () => t.call()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(25);
    const status = await t.gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    for (const s of status) expect(s.used + s.reserved).toBeLessThanOrEqual(limit);
  });
});
