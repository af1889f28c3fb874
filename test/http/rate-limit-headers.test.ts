// npm test: the rate-limit headers computed alone; milliseconds.
import { describe, expect, it } from 'vitest';
import type { LimitStatus } from '../../src/index.js';
import { formatDuration, rateLimitHeaders } from '../../src/http/rate-limit-headers.js';

/** OpenAI's x-ratelimit-* headers from a key's limit statuses, on a fixed clock. */

const NOW = Date.parse('2026-11-21T14:00:30.000Z');

const rate = (type: 'requests' | 'tokens', limit: number, remaining: number, resetAt: string, scope = 'key:app-1'): LimitStatus => ({
  scope,
  kind: 'rateLimit',
  type,
  limit,
  used: limit - remaining,
  reserved: 0,
  remaining,
  unsettled: 0,
  resetAt,
  per: 'minute',
});

describe('formatDuration', () => {
  it('writes durations as OpenAI does: ms under a second, then whole seconds rounded up', () => {
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(17)).toBe('17ms');
    expect(formatDuration(999.2)).toBe('1000ms');
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(1001)).toBe('2s');
    expect(formatDuration(59_000)).toBe('59s');
    expect(formatDuration(60_000)).toBe('1m0s');
    expect(formatDuration(360_000)).toBe('6m0s');
    expect(formatDuration(3_599_000)).toBe('59m59s');
    expect(formatDuration(3_600_000)).toBe('1h0m0s');
    expect(formatDuration(86_400_000)).toBe('24h0m0s');
  });
});

describe('rateLimitHeaders', () => {
  it('reports, per type, the rate limit with the least remaining, then the soonest reset', () => {
    const headers = rateLimitHeaders(
      [
        rate('requests', 100, 40, '2026-11-21T14:01:00.000Z', 'key:app-1'),
        rate('requests', 1000, 3, '2026-11-21T15:00:00.000Z', 'grant:mock/team-a'),
        rate('tokens', 5000, 700, '2026-11-22T00:00:00.000Z', 'workspace:team-a'),
        rate('tokens', 9000, 700, '2026-11-21T14:01:00.000Z', 'key:app-1'),
      ],
      NOW,
    );
    expect(headers).toEqual({
      'x-ratelimit-limit-requests': '1000',
      'x-ratelimit-remaining-requests': '3',
      'x-ratelimit-reset-requests': '59m30s',
      'x-ratelimit-limit-tokens': '9000',
      'x-ratelimit-remaining-tokens': '700',
      'x-ratelimit-reset-tokens': '30s',
    });
  });

  it('ignores budgets, even of tokens; no rate limit of a type, no headers for it', () => {
    const budget: LimitStatus = { scope: 'key:app-1', kind: 'budget', type: 'tokens', limit: 100, used: 99, reserved: 0, remaining: 1, unsettled: 0, resetAt: null, reset: 'none' };
    const cost: LimitStatus = { ...budget, type: 'cost', limit: 5 };
    expect(rateLimitHeaders([budget, cost], NOW)).toEqual({});
    expect(Object.keys(rateLimitHeaders([budget, cost, rate('requests', 10, 9, '2026-11-21T14:01:00.000Z')], NOW))).toEqual([
      'x-ratelimit-limit-requests',
      'x-ratelimit-remaining-requests',
      'x-ratelimit-reset-requests',
    ]);
  });

  it('never reports a negative remaining or a reset in the past', () => {
    expect(rateLimitHeaders([rate('requests', 10, -2, '2026-11-21T14:00:00.000Z')], NOW)).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '0ms',
    });
  });
});
