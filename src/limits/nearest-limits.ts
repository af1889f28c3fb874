import type { Policy } from '../config/policy.js';
import type { CallPlans } from './call-plans.js';
import type { LimiterContext } from './limiter-context.js';
import { bindPlan, rankIndexOf, spanAt, type LimitPlan, type PlannedLimit, type TemplatePlan } from './limit-plan.js';
import { hasTemplates, limitScopes } from './limit-scopes.js';
import { readStatus, type LimitStatus } from './limit-status.js';

/** A limit of a templated scope (one user's, one customer's), as `limits.nearest` lists it. */
export interface NearestLimit extends LimitStatus {
  /** The scope that declares the template, e.g. `workspace:team-a`. */
  template: string;
  /** What it is keyed by: `user` or `metadata.<field>`. */
  by: string;
  /** The value whose limit this is: the user, the customer. */
  value: string;
}

export interface NearestQuery {
  /** How many to list. Default 20, at most 1,000. */
  n?: number;
  /** Budgets (default) or rate limits. */
  kind?: 'budget' | 'rateLimit';
}

/**
 * The limits of templated scopes closest to their ends, closest first: for every template the
 * policy declares (in scopes it names), the values its store ranks nearest, read as
 * `limits.status` reads them. A limit's share is (used + reserved) / limit.
 */
export async function nearestLimits(ctx: LimiterContext, plans: CallPlans, policy: Policy, query: Required<NearestQuery>): Promise<NearestLimit[]> {
  const store = ctx.store.store;
  if (typeof store.nearest !== 'function') return [];
  const now = ctx.clock();
  const found: NearestLimit[] = [];
  const indexes = new Set<string>();
  for (const { scope, query: scopeQuery } of limitScopes(policy, hasTemplates)) {
    for (const template of plans.forStatus(policy, scopeQuery).templates) {
      // An enclosing scope's template is listed with the scope that declares it.
      if (template.scope !== scope) continue;
      for (const [tier, limits] of limitLists(template)) {
        for (const limit of limits) {
          if (limit.kind !== query.kind) continue;
          const index = `${rankIndexOf(limit)}${spanAt(limit, now).start}`;
          if (indexes.has(index)) continue;
          indexes.add(index);
          for (const value of await store.nearest(index, query.n, now)) {
            for (const status of await valueStatus(ctx, template, value, tier, query.kind)) found.push({ ...status, template: scope, by: template.by, value });
          }
        }
      }
    }
  }
  const seen = new Set<string>();
  return found
    .filter((s) => {
      // A value ranked in two indexes of its template (a cost and a token budget) is read twice.
      const id = `${s.scope}|${s.type}|${s.limit}|${s.resetAt}|${s.per ?? s.reset}`;
      return !seen.has(id) && seen.add(id);
    })
    .sort((a, b) => share(b) - share(a))
    .slice(0, query.n);
}

const share = (s: LimitStatus) => (s.limit > 0 ? (s.used + s.reserved) / s.limit : 0);

/** A template's lists of limits: every value's, each tier's (with its name), each override's. */
function limitLists(template: TemplatePlan): Array<[string | null, readonly PlannedLimit[]]> {
  return [[null, template.limits], ...[...template.tiers].map(([tier, limits]) => [tier, limits] as [string, readonly PlannedLimit[]]), ...[...template.overrides.values()].map((limits) => [null, limits] as [null, readonly PlannedLimit[]])];
}

/** One value's limits of a template (its override's, its tier's or every value's), with their usage. */
function valueStatus(ctx: LimiterContext, template: TemplatePlan, value: string, tier: string | null, kind: 'budget' | 'rateLimit'): Promise<LimitStatus[]> {
  const field = template.by.startsWith('metadata.') ? template.by.slice('metadata.'.length) : null;
  const only: LimitPlan = { limits: [], disabledScope: null, costLimit: null, metersOutput: false, hasConcurrency: false, templates: [template] };
  const bound = bindPlan(only, { user: field === null ? value : null, metadata: field === null ? {} : { [field]: value }, tier: () => tier });
  return readStatus(ctx, bound, kind);
}
