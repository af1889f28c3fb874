import { createGateway, type Gateway } from '../../src/index.js';

export const ADMIN = { username: 'admin', password: 'correct horse' };
/** What a browser sends for ADMIN after the Basic challenge. */
export const ADMIN_AUTHORIZATION = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;
export const authorize = (request: Request) => request.headers.get('authorization') === ADMIN_AUTHORIZATION;

/**
 * A gateway that has made calls for the dashboard to show: two models, two workspaces, a key
 * made at runtime (its token returned, to check no page shows it), failures and refusals, and
 * budgets at several distances from their limits.
 */
export async function dashboardGateway(): Promise<{ gateway: Gateway; token: string }> {
  const gateway = createGateway({
    integrations: [
      {
        slug: 'llm',
        provider: 'mock',
        mock: { failures: [{ status: 500, message: 'upstream broke', times: 2 }] },
        // USD per 1M tokens: a call of 'large' costs tens of cents, so team-a's USD 1 budget fills.
        pricing: { small: { input: 100, output: 200 }, large: { input: 3_000, output: 9_000 } },
        budgets: [{ type: 'cost', limit: 100, reset: 'monthly', alertThresholds: [50, 80] }],
        workspaces: {
          'team-a': { rateLimits: [{ type: 'requests', limit: 1_000, per: 'minute' }] },
          'team-b': { budgets: [{ type: 'tokens', limit: 2_000, reset: 'weekly' }], rateLimits: [{ type: 'requests', limit: 12, per: 'hour' }] },
        },
      },
    ],
    retry: { retries: 0 },
    // team-a's users each have a budget of their own too (a templated scope), listed by limits.nearest.
    workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 1, reset: 'monthly', alertThreshold: 0.5 }], each: [{ by: 'user', budgets: [{ type: 'tokens', limit: 5_000, reset: 'monthly' }] }] } },
  });
  const { token, id } = await gateway.keys.create({ workspace: 'team-b', integration: 'llm', name: 'ci bot', budgets: [{ type: 'tokens', limit: 500 }] });
  const ask = (workspace: string, model: string, user?: string) =>
    gateway.chat({ workspace, model: `@llm/${model}`, max_tokens: 20, messages: [{ role: 'user', content: 'Summarize the report, please.' }], ...(user ? { user } : {}) }).catch(() => null);
  for (let i = 0; i < 6; i++) await ask('team-a', i % 2 ? 'large' : 'small', `u-${(i % 3) + 1}`);
  for (let i = 0; i < 12; i++) await ask('team-b', 'small');
  for (let i = 0; i < 4; i++) await gateway.chat({ key: id, model: 'large', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).catch(() => null);
  await gateway.flush();
  return { gateway, token };
}
