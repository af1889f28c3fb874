// npm run test:scale: ten thousand users at once and a million users one after another (seconds of CPU each).
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, RateLimitExceededError, memoryStore } from '../../src/index.js';
import { PER_USER, quietGateway } from '../helpers/limits-gateway.js';

/** Templated scopes (`each: [{ by: 'user' }]`) at scale; test/limits/templated-scopes.test.ts has their behaviour. */
describe('templated scopes at scale', () => {
  it('10,000 users at once against USD 1 and 5 a minute each: no user exceeds either; each user’s spend is its successful calls', async () => {
    const { gateway, call, advance } = quietGateway({ workspaces: { 'team-a': PER_USER } });
    const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const served = new Map<string, number>();
    const wave = async () => {
      let okInWave = 0;
      await Promise.all(
        users.flatMap((user) =>
          Array.from({ length: 7 }, () =>
            call('team-a', { user }).then(
              () => {
                served.set(user, (served.get(user) ?? 0) + 1);
                okInWave++;
              },
              (error: unknown) => {
                if (!(error instanceof RateLimitExceededError) && !(error instanceof BudgetExceededError)) throw error;
              },
            ),
          ),
        ),
      );
      return okInWave;
    };
    // A minute's window lets 5 of 7 through; the next minute, the budget stops each user at 9 calls.
    expect(await wave()).toBe(50_000);
    advance(60_000);
    expect(await wave()).toBe(40_000);
    for (const user of users) {
      expect(served.get(user)).toBe(9);
      const [budget, window] = await gateway.limits.status({ workspace: 'team-a', user });
      expect(budget).toMatchObject({ used: 0.9, reserved: 0 });
      expect(window).toMatchObject({ used: 4, reserved: 0 });
    }
    await gateway.close();
  });

  it('after 1,000,000 users made one call each, the memory store holds no more counters than its bound', async () => {
    const store = memoryStore({ maxCounters: 20_000 });
    const { gateway, call } = quietGateway({ workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 1_000_000 }], ...PER_USER } }, store });
    for (let i = 0; i < 1_000_000; i++) {
      await call('team-a', { user: `user-${i}` });
      if (i % 100_000 === 0) expect(store.counterStats().counters).toBeLessThanOrEqual(20_000);
    }
    const { counters, evicted } = store.counterStats();
    expect(counters).toBeLessThanOrEqual(20_000);
    // Two counters per user (budget, window), one for the workspace's budget, which stays: it is in use.
    expect(evicted).toBe(2 * 1_000_000 + 1 - counters);
    expect((await gateway.limits.status({ workspace: 'team-a' }))[0]).toMatchObject({ used: 100_000 });
    await gateway.close();
  }, 120_000);
});
