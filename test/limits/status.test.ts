import { describe, expect, it } from 'vitest';
import { IntegrationNotFoundError, KeyNotFoundError, WorkspaceNotProvisionedError } from '../../src/index.js';
import { CALL_COST, limitsGateway } from '../helpers/limits-gateway.js';

describe('limits.status', () => {
  const setup = () =>
    limitsGateway({
      start: '2026-11-18T12:00:30.000Z',
      integration: { budgets: [{ type: 'cost', limit: 100, reset: 'monthly', alertThreshold: 80 }] },
      grants: { 'team-a': { rateLimits: [{ type: 'requests', limit: 1_000, per: 'minute' }] } },
      workspaces: { 'team-a': { budgets: [{ type: 'tokens', limit: 50_000, reset: 'weekly' }] } },
      keys: [{ id: 'app', workspace: 'team-a', integration: 'mock', rateLimits: [{ type: 'tokens', limit: 10_000, per: 'day' }] }],
    });

  it('lists every limit of a workspace on an integration, with used, reserved, remaining and reset', async () => {
    const t = setup();
    await t.call();
    await t.call();
    expect(await t.gateway.limits.status({ workspace: 'team-a', integration: 'mock' })).toEqual([
      {
        scope: 'integration:mock',
        kind: 'budget',
        type: 'cost',
        limit: 100,
        used: 2 * CALL_COST,
        reserved: 0,
        remaining: 100 - 2 * CALL_COST,
        resetAt: '2026-12-01T00:00:00.000Z',
        reset: 'monthly',
        alertThreshold: 80,
        since: '2026-11-18T12:00:30.000Z',
      },
      {
        scope: 'grant:mock/team-a',
        kind: 'rateLimit',
        type: 'requests',
        limit: 1_000,
        used: 2,
        reserved: 0,
        remaining: 998,
        resetAt: '2026-11-18T12:01:00.000Z',
        per: 'minute',
      },
      {
        scope: 'workspace:team-a',
        kind: 'budget',
        type: 'tokens',
        limit: 50_000,
        used: 200,
        reserved: 0,
        remaining: 49_800,
        resetAt: '2026-11-22T00:00:00.000Z',
        reset: 'weekly',
        since: '2026-11-18T12:00:30.000Z',
      },
    ]);
  });

  it('for a key: every scope the key passes through, the key last', async () => {
    const t = setup();
    await t.gateway.chat({ key: 'app', model: 'm', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 80 });
    const status = await t.gateway.limits.status({ key: 'app' });
    expect(status.map((s) => s.scope)).toEqual(['integration:mock', 'grant:mock/team-a', 'workspace:team-a', 'key:app']);
    expect(status.at(-1)).toMatchObject({ type: 'tokens', used: 100, per: 'day', resetAt: '2026-11-19T00:00:00.000Z' });
  });

  it('for an integration or a workspace alone', async () => {
    const t = setup();
    expect((await t.gateway.limits.status({ integration: 'mock' })).map((s) => s.scope)).toEqual(['integration:mock']);
    expect((await t.gateway.limits.status({ workspace: 'team-a' })).map((s) => s.scope)).toEqual(['workspace:team-a']);
    expect(await t.gateway.limits.status({ workspace: 'team-z' })).toEqual([]);
  });

  it('refuses unknown names', async () => {
    const t = setup();
    await expect(t.gateway.limits.status({ integration: 'nope' })).rejects.toBeInstanceOf(IntegrationNotFoundError);
    await expect(t.gateway.limits.status({ key: 'nope' })).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(t.gateway.limits.status({ integration: 'mock', workspace: 'team-z' })).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
  });
});
