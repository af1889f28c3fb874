// npm test: a redis-server of its own on a free port; a few round trips.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardHandler, type Overview } from '../../src/dashboard.js';
import { createGateway, type GatewayConfig } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { ADMIN_AUTHORIZATION, authorize } from '../helpers/dashboard-gateway.js';

const redis = useTestRedis({ beforeAll, afterAll });

describe.skipIf(!redis.available)('the dashboard on a shared store', () => {
  it("shows the calls and the budgets' usage of another gateway on the same Redis", async () => {
    const prefix = `dash-${randomUUID()}`;
    const config = (): GatewayConfig => ({
      integrations: [{ slug: 'llm', provider: 'mock', pricing: { m: { input: 1_000, output: 1_000 } }, workspaces: { 'team-a': { budgets: [{ type: 'tokens', limit: 10_000, reset: 'monthly' }] } } }],
      store: redisStore({ client: redis.newClient(), prefix }),
      storeTimeoutMs: 2_000,
    });
    const caller = createGateway(config());
    const viewer = createGateway(config());
    for (let i = 0; i < 7; i++) await caller.chat({ workspace: 'team-a', model: '@llm/m', max_tokens: 20, messages: [{ role: 'user', content: `call ${i}` }] });
    await caller.flush();

    const handler = createDashboardHandler(viewer, { authorize });
    const res = await handler(new Request('http://localhost/dashboard/api/overview?range=1h&groupBy=workspace', { headers: { authorization: ADMIN_AUTHORIZATION } }));
    const overview = (await res.json()) as Overview;
    const [mine] = (await caller.analytics.query({ from: Date.now() - 3_600_000 })).rows;
    expect(overview.totals.requests).toBe(7);
    expect(overview.totals.totalTokens).toBe(mine!.totalTokens);
    expect(overview.totals.cost).toBe(mine!.cost);
    const [budget] = await caller.limits.status({ integration: 'llm', workspace: 'team-a', kind: 'budget' });
    expect(overview.budgets).toEqual([expect.objectContaining({ scope: 'grant:llm/team-a', used: budget!.used, limit: 10_000 })]);
    expect(budget!.used).toBe(mine!.totalTokens);
    await Promise.all([caller.close(), viewer.close()]);
  });
});
