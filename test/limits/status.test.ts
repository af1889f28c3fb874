// npm test: limits.status on the memory store and an injected clock; milliseconds.
import { describe, expect, it } from 'vitest';
import { createGateway, IntegrationNotFoundError, KeyNotFoundError, WorkspaceNotProvisionedError } from '../../src/index.js';
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
        unsettled: 0,
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
        unsettled: 0,
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
        unsettled: 0,
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

describe('limits.scopes', () => {
  it("lists every scope with limits of its own, with the query that reads it; a '*' grant once per workspace the policy names; runtime keys too", async () => {
    const gateway = createGateway({
      integrations: [
        { slug: 'a', provider: 'mock', budgets: [{ type: 'cost', limit: 10 }], workspaces: { '*': { rateLimits: [{ type: 'requests', limit: 5, per: 'minute' }] }, 'team-b': {} } },
        // No limits of its own, nor its grant: not listed.
        { slug: 'b', provider: 'mock', workspaces: { 'team-c': {} } },
      ],
      workspaces: { 'team-c': { budgets: [{ type: 'tokens', limit: 1_000 }] } },
      keys: [
        { id: 'limited', workspace: 'team-a', integration: 'a', rateLimits: [{ type: 'tokens', limit: 100, per: 'hour' }] },
        { id: 'open', workspace: 'team-a', integration: 'a' },
      ],
    });
    const { id } = await gateway.keys.create({ workspace: 'team-c', integration: 'b', budgets: [{ type: 'cost', limit: 1 }] });
    expect(gateway.limits.scopes()).toEqual([
      { scope: 'integration:a', query: { integration: 'a' } },
      // '*' reaches team-a (a key's workspace), team-b (named, with the '*' limits merged in) and team-c (workspace limits).
      { scope: 'grant:a/team-a', query: { integration: 'a', workspace: 'team-a' } },
      { scope: 'grant:a/team-b', query: { integration: 'a', workspace: 'team-b' } },
      { scope: 'grant:a/team-c', query: { integration: 'a', workspace: 'team-c' } },
      { scope: 'workspace:team-c', query: { workspace: 'team-c' } },
      { scope: 'key:limited', query: { key: 'limited' } },
      { scope: `key:${id}`, query: { key: id } },
    ]);
    // Each query reads its scope's limits (with the enclosing scopes' around them).
    for (const { scope, query } of gateway.limits.scopes()) {
      expect((await gateway.limits.status(query)).some((s) => s.scope === scope)).toBe(true);
    }
    await gateway.keys.revoke('limited');
    expect(gateway.limits.scopes().map((s) => s.scope)).not.toContain('key:limited');
  });
});
