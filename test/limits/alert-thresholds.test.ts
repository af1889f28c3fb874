// npm test: alerts on an injected clock, in memory and on a redis-server of its own; a few round trips.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type GatewayEventMap } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { limitsGateway, MESSAGES, PRICE } from '../helpers/limits-gateway.js';
import { useTestRedis } from '../helpers/redis-server.js';

/**
 * `alertThresholds` on a budget: each threshold announced (`budget.alert`) exactly once per
 * scope per period, by the settlement whose usage crosses it, in whichever process made it.
 * Every call uses 100 tokens and costs USD 0.10 (test/helpers/limits-gateway.ts).
 */
const redis = useTestRedis({ beforeAll, afterAll });

describe('several alert thresholds', () => {
  it('three thresholds of a USD budget fire once each, in order, at the call that crosses them', async () => {
    const { gateway, call, events } = limitsGateway({
      workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 2, alertThresholds: [1.5, 0.5, 1] }] } },
    });
    const firedAt: number[] = [];
    for (let i = 1; i <= 18; i++) {
      const before = events['budget.alert'].length;
      await call();
      if (events['budget.alert'].length > before) firedAt.push(i);
    }
    expect(events['budget.alert'].map((e) => e.threshold)).toEqual([0.5, 1, 1.5]);
    expect(firedAt).toEqual([5, 10, 15]);
    expect(events['budget.alert'][0]).toMatchObject({ scope: 'workspace:team-a', used: 0.5, unit: 'USD' });
    const [status] = await gateway.limits.status({ workspace: 'team-a' });
    expect(status).toMatchObject({ alertThresholds: [0.5, 1, 1.5], used: 1.8 });
    await gateway.close();
  });

  it('one settlement crossing two thresholds announces both; the single alertThreshold keeps working beside them', async () => {
    const { gateway, call, events } = limitsGateway({
      workspaces: { 'team-a': { budgets: [{ type: 'tokens', limit: 1_000, alertThreshold: 300, alertThresholds: [150, 180] }] } },
    });
    await call(); // 100 tokens
    expect(events['budget.alert']).toEqual([]);
    await call(); // 200: past 150 and 180
    expect(events['budget.alert'].map((e) => e.threshold).sort()).toEqual([150, 180]);
    await call(); // 300: the single threshold
    await call();
    expect(events['budget.alert'].map((e) => e.threshold).sort()).toEqual([150, 180, 300]);
    await gateway.close();
  });

  it('a new period announces each threshold again', async () => {
    const { gateway, call, events, setNow } = limitsGateway({
      start: '2026-11-30T12:00:00Z',
      workspaces: { 'team-a': { budgets: [{ type: 'tokens', limit: 1_000, reset: 'monthly', alertThresholds: [100, 200] }] } },
    });
    await call();
    await call();
    setNow('2026-12-01T00:00:01Z');
    await call();
    await call();
    expect(events['budget.alert'].map((e) => e.threshold)).toEqual([100, 200, 100, 200]);
    await gateway.close();
  });

  it('refuses a threshold at or above the limit, and an empty list', () => {
    const config = (budget: Record<string, unknown>) => () =>
      createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': { budgets: [budget as never] } } }] });
    expect(config({ type: 'cost', limit: 100, alertThresholds: [50, 100] })).toThrow(/budgets\[0\]\.alertThresholds: every alert threshold must be below the limit \(100; got 100\)/);
    expect(config({ type: 'cost', limit: 100, alertThresholds: [] })).toThrow(/budgets\[0\]\.alertThresholds: must hold at least one threshold/);
  });

  describe.skipIf(!redis.available)('across gateways sharing a Redis store', () => {
    it('two gateways calling at once: each threshold announced once in all', async () => {
      const prefix = `alerts-${randomUUID()}`;
      const gateways = [0, 1].map(() =>
        createGateway({
          integrations: [{ slug: 'mock', provider: 'mock', customModels: [{ id: 'm', pricing: PRICE }], workspaces: { '*': {} }, mock: { usage: { inputTokens: 20, outputTokens: 80 } } }],
          workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 10, alertThresholds: [1, 2, 3] }] } },
          store: redisStore({ client: redis.client, prefix }),
        }),
      );
      const alerts: Array<GatewayEventMap['budget.alert']> = [];
      for (const g of gateways) g.on('budget.alert', (e) => alerts.push(e));
      await Promise.all(
        gateways.map(async (g) => {
          for (let round = 0; round < 4; round++) {
            await Promise.all(Array.from({ length: 5 }, () => g.chat({ workspace: 'team-a', model: '@mock/m', messages: MESSAGES, max_tokens: 80 })));
          }
        }),
      );
      // 40 calls of USD 0.10: USD 4, past every threshold.
      expect(alerts.map((e) => e.threshold).sort()).toEqual([1, 2, 3]);
      await Promise.all(gateways.map((g) => g.close()));
    });
  });
});
