// npm test: pure validation of configs; milliseconds.
import { describe, expect, it } from 'vitest';
import { ConfigError, createGateway, secret, type GatewayConfig } from '../../src/index.js';
import { parseConfig } from '../../src/config/parse-config.js';
import { keySchema } from '../../src/config/config-schema.js';

function configError(config: unknown): ConfigError {
  try {
    createGateway(config as GatewayConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const openai = (slug: string, extra: Record<string, unknown> = {}) => ({
  slug,
  provider: 'openai',
  credentials: { apiKey: secret.value('sk-test-config') },
  workspaces: 'all',
  ...extra,
});

describe('config validation', () => {
  it('keys sharing one limits array (a config made by code): parsed as keySchema parses each key, an issue reported at every key', () => {
    const budgets = [{ type: 'cost' as const, limit: 5, reset: 'monthly' as const }];
    const bad = [{ type: 'requests' as const, limit: -1, per: 'minute' as const }];
    const keys = [0, 1, 2].map((i) => ({ id: `k-${i}`, workspace: 'w', integration: 'mock', budgets, rateLimits: i === 1 ? [] : bad }));
    const integrations = [{ slug: 'mock', provider: 'mock' as const, workspaces: 'all' as const }];
    expect(configError({ integrations, keys }).issues.map((i) => i.path)).toEqual(['keys[0].rateLimits[0].limit', 'keys[2].rateLimits[0].limit']);
    const good = keys.map((k) => ({ ...k, rateLimits: [] }));
    const result = parseConfig({ integrations, keys: good }, { requireKeyAccess: true });
    expect('config' in result && result.config.keys).toEqual(good.map((k) => keySchema.parse(k)));
    // A key's own fields are checked as before, with the limits of others in the same array.
    expect(configError({ integrations, keys: [...good, { ...good[0]!, id: 'bad id', colour: 'red', budgets }] }).issues.map((i) => i.path)).toEqual(['keys[3].id', 'keys[3]']);
  });

  it('accepts a minimal config', () => {
    expect(() => createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }] })).not.toThrow();
  });

  it('lists every problem at once, each with its path', () => {
    const error = configError({
      integrations: [
        openai('openai-prod', { models: ['gpt-4o-mini'], workspaces: { 'team-a': { models: ['gpt-4o'] } } }),
        openai('openai-prod'),
        { slug: 'azure', provider: 'azure-openai', credentials: { apiKey: secret.value('k-azure-1') }, workspaces: 'all' },
        { slug: 'x', provider: 'gpt', workspaces: 'all' },
      ],
      keys: [{ id: 'app-1', workspace: 'team-b', integration: 'openai-prod' }, { id: 'app-2', workspace: 'team-a', integration: 'nope' }],
    });
    expect(error.code).toBe('invalid_config');
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: 'integrations[1].slug', message: "duplicate slug 'openai-prod' (also integrations[0])" },
        { path: 'integrations[2].resourceName', message: expect.stringContaining('give resourceName') },
        { path: 'integrations[3].provider', message: expect.stringContaining("unknown provider 'gpt'") },
        {
          path: 'integrations[0].workspaces.team-a.models[0]',
          message: expect.stringContaining("model 'gpt-4o' is not allowed by integration 'openai-prod'"),
        },
        { path: 'keys[0].integration', message: "integration 'openai-prod' is not provisioned to the key's workspace 'team-b'" },
        { path: 'keys[1].integration', message: "unknown integration 'nope'" },
      ]),
    );
    expect(error.issues).toHaveLength(6);
    for (const issue of error.issues) expect(error.message).toContain(issue.path);
  });

  it('rejects unknown fields (typos) with their path', () => {
    const error = configError({ integrations: [openai('a', { modles: ['x'] })], retries: 3 });
    const paths = error.issues.map((i) => i.path);
    expect(paths).toContain('integrations[0]');
    expect(error.message).toMatch(/modles/);
    expect(error.message).toMatch(/retries/);
  });

  it('requires credentials to be secrets, without echoing the value', () => {
    const error = configError({ integrations: [openai('a', { credentials: { apiKey: 'sk-live-plaintext-value' } })] });
    expect(error.issues).toEqual([{ path: 'integrations[0].credentials.apiKey', message: expect.stringContaining('must be a secret') }]);
    expect(JSON.stringify(error)).not.toContain('plaintext');
    expect(error.message).not.toContain('plaintext');
  });

  it('enforces budget minimums and threshold placement', () => {
    const error = configError({
      integrations: [
        openai('a', {
          budgets: [
            { type: 'cost', limit: 0.99 },
            { type: 'tokens', limit: 99 },
            { type: 'cost', limit: 10, alertThreshold: 10 },
          ],
          rateLimits: [{ type: 'requests', limit: -1, per: 'minute' }, { type: 'tokens', limit: 5, per: 'week' }],
        }),
      ],
    });
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: 'integrations[0].budgets[0].limit', message: 'a cost budget must be at least 1 USD (got 0.99)' },
        { path: 'integrations[0].budgets[1].limit', message: 'a token budget must be a whole number of at least 100 tokens (got 99)' },
        { path: 'integrations[0].budgets[2].alertThreshold', message: expect.stringContaining('must be below the limit') },
        { path: 'integrations[0].rateLimits[0].limit', message: expect.any(String) },
        { path: 'integrations[0].rateLimits[1].per', message: expect.any(String) },
      ]),
    );
  });

  it('accepts the minimum budgets exactly', () => {
    expect(() =>
      createGateway({
        integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all', budgets: [{ type: 'cost', limit: 1 }, { type: 'tokens', limit: 100 }] }],
      }),
    ).not.toThrow();
  });

  it('rejects a key that would widen its grant', () => {
    const error = configError({
      integrations: [openai('a', { models: ['m1', 'm2', 'm3'], workspaces: { 'team-a': { models: ['m1', 'm2'] } } })],
      keys: [{ id: 'k', workspace: 'team-a', integration: 'a', models: ['m1', 'm3', 'm9'] }],
    });
    expect(error.issues).toEqual([
      { path: 'keys[0].models[1]', message: expect.stringContaining("not allowed by the grant of 'a' to 'team-a'") },
      { path: 'keys[0].models[2]', message: expect.stringContaining("not allowed by integration 'a'") },
    ]);
  });

  it("rejects a named grant that lists a model outside the '*' grant", () => {
    const error = configError({
      integrations: [openai('a', { workspaces: { '*': { models: ['m1'] }, 'team-a': { models: ['m1', 'm2'] } } })],
    });
    expect(error.issues).toEqual([{ path: 'integrations[0].workspaces.team-a.models[1]', message: expect.stringContaining("not in the '*' grant") }]);
  });

  it('counts custom models as part of the allowlist', () => {
    expect(() =>
      createGateway({
        integrations: [
          {
            slug: 'a',
            provider: 'mock',
            models: ['m1'],
            customModels: [{ id: 'ft:m1:acme', pricing: { input: 1, output: 2 } }],
            workspaces: { 'team-a': { models: ['ft:m1:acme'] } },
          },
        ],
      }),
    ).not.toThrow();
  });

  it('rejects invalid names, URLs and duplicate keys', () => {
    const error = configError({
      integrations: [openai('bad slug', { baseURL: 'ftp://x' }), { slug: 'm', provider: 'mock', workspaces: { 'bad name': {} } }],
      keys: [
        { id: 'k', workspace: 'w', integration: 'm' },
        { id: 'k', workspace: 'w', integration: 'm' },
      ],
    });
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['integrations[0].slug', 'integrations[0].baseURL', 'integrations[1].workspaces["bad name"]', 'keys[1].id']),
    );
  });

  it('rejects a config that is not an object, or has no integrations', () => {
    expect(configError(null).issues.length).toBeGreaterThan(0);
    expect(configError({ integrations: [] }).issues).toEqual([{ path: 'integrations', message: 'at least one integration is required' }]);
  });
});
