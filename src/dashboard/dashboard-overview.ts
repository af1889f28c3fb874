import type { Gateway } from '../gateway/gateway.js';
import type { AnalyticsRow } from '../analytics/analytics-query.js';
import type { LimitStatus } from '../limits/limit-status.js';
import { RequestValidationError } from '../errors/request-validation-error.js';

/** The timeframes the page offers; `custom` takes `from` and `to`. */
export const RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export const GROUPS = ['workspace', 'key', 'model', 'user'] as const;
export type Group = (typeof GROUPS)[number];

/** At most this many groups get a series of their own; the rest are summed as `(other)`. */
const MAX_SERIES = 8;

export interface OverviewQuery {
  range: keyof typeof RANGES | 'custom';
  from?: string;
  to?: string;
  groupBy: Group;
}

/** One metric over time for each group. */
export interface SeriesGroup {
  name: string;
  cost: number[];
  totalTokens: number[];
  requests: number[];
  errors: number[];
  latencyP50: Array<number | null>;
  latencyP95: Array<number | null>;
}

export interface Overview {
  from: string;
  to: string;
  interval: 'minute' | 'hour' | 'day';
  groupBy: Group;
  totals: Pick<AnalyticsRow, 'requests' | 'errors' | 'rejected' | 'aborted' | 'inputTokens' | 'outputTokens' | 'totalTokens' | 'cost' | 'latencyMs'>;
  /** Bucket starts (ISO), and each group's values in them. */
  series: { buckets: string[]; groups: SeriesGroup[] };
  /** Each group's totals for the range, most expensive first. */
  byGroup: Array<{ name: string; requests: number; errors: number; rejected: number; aborted: number; totalTokens: number; cost: number; latencyMs: AnalyticsRow['latencyMs'] }>;
  /**
   * Every budget, closest to its limit first. `share`: (used + reserved) / limit. Templated
   * scopes' (one per user, customer or tag) are those `limits.nearest` lists.
   */
  budgets: Array<LimitStatus & { share: number }>;
  /** Every rate limit, least headroom first. */
  rateLimits: Array<LimitStatus & { share: number }>;
  /** Failed calls of the range by error code, the most frequent first. */
  failures: Array<{ code: string; requests: number; errors: number; rejected: number; aborted: number }>;
  /** Scopes whose limits were not read (more than `maxScopes`). */
  scopesLeftOut: number;
  warnings: string[];
}

const intervalFor = (span: number): Overview['interval'] => (span <= 6 * 3_600_000 ? 'minute' : span <= 8 * 86_400_000 ? 'hour' : 'day');
const nameOf = (value: string | null | undefined) => value ?? '(none)';

/** The query string of `/api/overview`, validated: a bad value is a RequestValidationError naming it. */
export function parseOverviewQuery(params: URLSearchParams): OverviewQuery {
  const range = params.get('range') ?? '24h';
  const groupBy = params.get('groupBy') ?? 'model';
  if (range !== 'custom' && !(range in RANGES)) throw new RequestValidationError([{ path: 'range', message: `must be one of ${Object.keys(RANGES).join(', ')} or custom` }]);
  if (!(GROUPS as readonly string[]).includes(groupBy)) throw new RequestValidationError([{ path: 'groupBy', message: `must be one of ${GROUPS.join(', ')}` }]);
  const query: OverviewQuery = { range: range as OverviewQuery['range'], groupBy: groupBy as Group };
  if (range === 'custom') {
    for (const name of ['from', 'to'] as const) {
      const value = params.get(name);
      if (value === null || Number.isNaN(Date.parse(value))) throw new RequestValidationError([{ path: name, message: 'a custom range needs from and to as ISO dates' }]);
      query[name] = value;
    }
  }
  return query;
}

/**
 * What the page shows, read through the gateway's public `analytics` and `limits` APIs only, so
 * that it shows every process's calls on a shared store.
 */
export async function buildOverview(gateway: Gateway, query: OverviewQuery, now: number, maxScopes: number): Promise<Overview> {
  const to = query.range === 'custom' ? Date.parse(query.to!) : now;
  const from = query.range === 'custom' ? Date.parse(query.from!) : now - RANGES[query.range];
  const interval = intervalFor(to - from);
  const [total, timeline, groups, codes, limits] = await Promise.all([
    gateway.analytics.query({ from, to }),
    gateway.analytics.query({ from, to, interval, groupBy: [query.groupBy] }),
    gateway.analytics.query({ from, to, groupBy: [query.groupBy] }),
    gateway.analytics.query({ from, to, groupBy: ['errorCode'] }),
    readLimits(gateway, maxScopes),
  ]);
  const row = total.rows[0];
  const byGroup = groups.rows
    .map((r) => ({ name: nameOf(r[query.groupBy]), requests: r.requests, errors: r.errors, rejected: r.rejected, aborted: r.aborted, totalTokens: r.totalTokens, cost: r.cost, latencyMs: r.latencyMs }))
    .sort((a, b) => b.cost - a.cost || b.requests - a.requests || a.name.localeCompare(b.name));
  return {
    from: timeline.from,
    to: timeline.to,
    interval,
    groupBy: query.groupBy,
    totals: {
      requests: row?.requests ?? 0,
      errors: row?.errors ?? 0,
      rejected: row?.rejected ?? 0,
      aborted: row?.aborted ?? 0,
      inputTokens: row?.inputTokens ?? 0,
      outputTokens: row?.outputTokens ?? 0,
      totalTokens: row?.totalTokens ?? 0,
      cost: row?.cost ?? 0,
      latencyMs: row?.latencyMs ?? null,
    },
    series: seriesOf(timeline.rows, query.groupBy, timeline.from, timeline.to, interval, byGroup.map((g) => g.name)),
    byGroup,
    budgets: limits.statuses.filter((s) => s.kind === 'budget').sort(closestFirst),
    rateLimits: limits.statuses.filter((s) => s.kind === 'rateLimit').sort(closestFirst),
    failures: codes.rows
      .filter((r) => r.errorCode != null)
      .map((r) => ({ code: r.errorCode!, requests: r.requests, errors: r.errors, rejected: r.rejected, aborted: r.aborted }))
      .sort((a, b) => b.requests - a.requests || a.code.localeCompare(b.code)),
    scopesLeftOut: limits.leftOut,
    warnings: [...new Set([...total.warnings, ...timeline.warnings])],
  };
}

const closestFirst = (a: { share: number; scope: string }, b: { share: number; scope: string }) => b.share - a.share || a.scope.localeCompare(b.scope);

const STEP = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

function seriesOf(rows: AnalyticsRow[], groupBy: Group, from: string, to: string, interval: Overview['interval'], ranked: string[]): Overview['series'] {
  const buckets: string[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += STEP[interval]) buckets.push(new Date(t).toISOString());
  const index = new Map(buckets.map((b, i) => [b, i]));
  const shown = new Set(ranked.slice(0, MAX_SERIES));
  const groups = new Map<string, SeriesGroup>();
  const groupOf = (name: string): SeriesGroup => {
    let g = groups.get(name);
    if (!g) {
      const zeros = () => buckets.map(() => 0);
      g = { name, cost: zeros(), totalTokens: zeros(), requests: zeros(), errors: zeros(), latencyP50: buckets.map(() => null), latencyP95: buckets.map(() => null) };
      groups.set(name, g);
    }
    return g;
  };
  for (const r of rows) {
    const i = index.get(r.start);
    if (i === undefined) continue;
    const name = nameOf(r[groupBy]);
    const g = groupOf(shown.has(name) ? name : '(other)');
    g.cost[i] = round6(g.cost[i]! + r.cost);
    g.totalTokens[i]! += r.totalTokens;
    g.requests[i]! += r.requests;
    g.errors[i]! += r.errors;
    // Percentiles do not add up: the `(other)` group shows none.
    if (g.name !== '(other)' && r.latencyMs) {
      g.latencyP50[i] = r.latencyMs.p50;
      g.latencyP95[i] = r.latencyMs.p95;
    }
  }
  const order = [...ranked.filter((n) => groups.has(n)), ...(groups.has('(other)') ? ['(other)'] : [])];
  return { buckets, groups: order.map((n) => groups.get(n)!) };
}

const round6 = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** Templated scopes' limits shown, of each kind: those nearest their ends. */
const NEAREST = 50;

/**
 * The limits of every scope (at most `maxScopes`), each limit once although queries overlap,
 * and the templated scopes' limits nearest their ends.
 */
async function readLimits(gateway: Gateway, maxScopes: number): Promise<{ statuses: Array<LimitStatus & { share: number }>; leftOut: number }> {
  const scopes = gateway.limits.scopes();
  const read = scopes.slice(0, maxScopes);
  const [answers, budgets, rateLimits] = await Promise.all([
    Promise.all(read.map(({ query }) => gateway.limits.status(query))),
    gateway.limits.nearest({ n: NEAREST, kind: 'budget' }),
    gateway.limits.nearest({ n: NEAREST, kind: 'rateLimit' }),
  ]);
  const seen = new Map<string, LimitStatus & { share: number }>();
  const keep = (s: LimitStatus) => {
    const id = `${s.scope}|${s.kind}|${s.type}|${s.per ?? ''}|${s.limit}|${s.models?.join(',') ?? ''}|${s.reset ?? ''}`;
    if (!seen.has(id)) seen.set(id, { ...s, share: s.limit > 0 ? (s.used + s.reserved) / s.limit : 1 });
  };
  answers.forEach((statuses, i) => {
    // A status answer includes the enclosing scopes: each limit is kept from its own scope's query.
    for (const s of statuses) if (s.scope === read[i]!.scope) keep(s);
  });
  for (const s of [...budgets, ...rateLimits]) {
    const { template: _t, by: _b, value: _v, ...status } = s;
    keep(status);
  }
  return { statuses: [...seen.values()], leftOut: scopes.length - read.length };
}
