// npm test: pure validation of limits; milliseconds.
import { describe, expect, it } from 'vitest';
import { ConfigError, createGateway, type GatewayConfig } from '../../src/index.js';

function issues(config: unknown) {
  try {
    createGateway(config as GatewayConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

const BAD_BUDGETS: Array<[string, unknown, string]> = [
  ['an unknown type', { type: 'dollars', limit: 5 }, 'type'],
  ['a cost limit under 1 USD', { type: 'cost', limit: 0.5 }, 'limit'],
  ['a token limit under 100', { type: 'tokens', limit: 50 }, 'limit'],
  ['a fractional token limit', { type: 'tokens', limit: 150.5 }, 'limit'],
  ['a negative limit', { type: 'cost', limit: -10 }, 'limit'],
  ['an infinite limit', { type: 'cost', limit: Number.POSITIVE_INFINITY }, 'limit'],
  ['a missing limit', { type: 'cost' }, 'limit'],
  ['an unknown reset', { type: 'cost', limit: 5, reset: 'daily' }, 'reset'],
  ['a threshold at the limit', { type: 'cost', limit: 5, alertThreshold: 5 }, 'alertThreshold'],
  ['a negative threshold', { type: 'cost', limit: 5, alertThreshold: -1 }, 'alertThreshold'],
  ['an unknown field', { type: 'cost', limit: 5, period: 'monthly' }, ''],
];

const BAD_RATE_LIMITS: Array<[string, unknown, string]> = [
  ['an unknown type', { type: 'calls', limit: 5, per: 'minute' }, 'type'],
  ['a negative limit', { type: 'requests', limit: -1, per: 'minute' }, 'limit'],
  ['a fractional limit', { type: 'requests', limit: 1.5, per: 'minute' }, 'limit'],
  ['an unknown window', { type: 'requests', limit: 5, per: 'week' }, 'per'],
  ['a missing window', { type: 'requests', limit: 5 }, 'per'],
];

/** Every place a limit can be set, and the path prefix an issue there gets. */
const PLACES: Array<[string, (limits: Record<string, unknown>) => Record<string, unknown>, string]> = [
  ['integration', (l) => ({ integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all', ...l }] }), 'integrations[0]'],
  ["'*' grant", (l) => ({ integrations: [{ slug: 'm', provider: 'mock', workspaces: { '*': l } }] }), 'integrations[0].workspaces["*"]'],
  ['named grant', (l) => ({ integrations: [{ slug: 'm', provider: 'mock', workspaces: { 'team-a': l } }] }), 'integrations[0].workspaces.team-a'],
  ['workspace', (l) => ({ integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all' }], workspaces: { 'team-a': l } }), 'workspaces.team-a'],
  [
    'key',
    (l) => ({ integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all' }], keys: [{ id: 'k', workspace: 'w', integration: 'm', ...l }] }),
    'keys[0]',
  ],
];

describe('limits config errors name the path', () => {
  for (const [place, build, prefix] of PLACES) {
    describe(place, () => {
      it.each(BAD_BUDGETS)('budget with %s', (_what, budget, field) => {
        const found = issues(build({ budgets: [{ type: 'cost', limit: 5 }, budget] }));
        expect(found.map((i) => i.path)).toContain(`${prefix}.budgets[1]${field ? `.${field}` : ''}`);
      });
      it.each(BAD_RATE_LIMITS)('rate limit with %s', (_what, rateLimit, field) => {
        const found = issues(build({ rateLimits: [rateLimit] }));
        expect(found.map((i) => i.path)).toContain(`${prefix}.rateLimits[0].${field}`);
      });
      it('budgets that is not a list', () => {
        expect(issues(build({ budgets: { type: 'cost', limit: 5 } })).map((i) => i.path)).toContain(`${prefix}.budgets`);
      });
    });
  }

  it('limits options and the store', () => {
    const found = issues({
      integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all' }],
      limits: { inputEstimate: 'exact', defaultMaxOutputTokens: 0, unpricedModels: 'free', reservationTtlMs: -5 },
      store: { admit() {} },
    });
    expect(found.map((i) => i.path).sort()).toEqual([
      'limits.defaultMaxOutputTokens',
      'limits.inputEstimate',
      'limits.reservationTtlMs',
      'limits.unpricedModels',
      'store',
    ]);
  });

  it('pricing: negative prices and unknown fields', () => {
    const found = issues({
      integrations: [
        {
          slug: 'm',
          provider: 'mock',
          workspaces: 'all',
          pricing: { a: { input: -1, output: 1 }, b: { input: 1 } },
          customModels: [{ id: 'x', pricing: { input: 1, output: 1, reasoning: 2 } }],
        },
      ],
    });
    expect(found.map((i) => i.path)).toEqual(
      expect.arrayContaining(['integrations[0].pricing.a.input', 'integrations[0].pricing.b.output', 'integrations[0].customModels[0].pricing']),
    );
  });
});
