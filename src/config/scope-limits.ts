import type { Budget, Each, RateLimit } from './limits-schema.js';

/**
 * A budget and where the config defines it (`integration:<slug>`, `grant:<slug>/<workspace or *>`,
 * `workspace:<name or *>`, `key:<id>`). A `'*'` budget has one origin but applies to each
 * workspace separately; the origin is what the store registers (see Store.registerBudgets).
 */
export interface OriginBudget {
  readonly origin: string;
  readonly budget: Budget;
}

/** Budgets and rate limits. */
export interface Limits {
  readonly budgets: readonly OriginBudget[];
  readonly rateLimits: readonly RateLimit[];
}

/**
 * A templated scope: the limits each value of a request attribute gets, under the scope that
 * declares it. Its budgets have one origin (`<scope origin>/each:<by>`, a tier's
 * `.../tier:<name>`), registered once for every value, as a `'*'` budget is for every workspace.
 */
export interface EachLimits extends Limits {
  /** `user` or `metadata.<field>`. */
  readonly by: string;
  readonly tiers: ReadonlyMap<string, Limits>;
  /** Limits of single values, replacing their tier's. */
  readonly overrides: ReadonlyMap<string, Limits>;
}

/** Budgets and rate limits that apply in one scope, and its templated scopes. */
export interface ScopeLimits extends Limits {
  readonly each: readonly EachLimits[];
}

const NO_BUDGETS: readonly OriginBudget[] = Object.freeze([]);

/** The budgets of `origin`, each with it (one shared empty list when there are none). */
export const withOrigin = (origin: string, budgets: readonly Budget[]): readonly OriginBudget[] =>
  budgets.length === 0 ? NO_BUDGETS : budgets.map((budget) => ({ origin, budget }));

const NO_EACH: readonly EachLimits[] = Object.freeze([]);

/** Where a templated scope's budgets are registered (a tier's with `tier`, one value's with `value`). */
export const eachOrigin = (origin: string, by: string, part?: { tier: string } | { value: string }): string =>
  `${origin}/each:${by}${part === undefined ? '' : 'tier' in part ? `/tier:${part.tier}` : `/value:${encodeURIComponent(part.value)}`}`;

/** The templated scopes of `origin` (one shared empty list when there are none). */
export function withEach(origin: string, each: readonly Each[]): readonly EachLimits[] {
  if (each.length === 0) return NO_EACH;
  return each.map((e) => ({
    by: e.by,
    budgets: withOrigin(eachOrigin(origin, e.by), e.budgets),
    rateLimits: e.rateLimits,
    tiers: new Map(Object.entries(e.tiers).map(([tier, limits]) => [tier, { budgets: withOrigin(eachOrigin(origin, e.by, { tier }), limits.budgets), rateLimits: limits.rateLimits }])),
    overrides: new Map(Object.entries(e.overrides).map(([value, limits]) => [value, { budgets: withOrigin(eachOrigin(origin, e.by, { value }), limits.budgets), rateLimits: limits.rateLimits }])),
  }));
}

/** Every origin of templated budgets under `origin`, with its budgets (for registration). */
export function eachBudgetOrigins(origin: string, each: readonly Each[]): Array<{ origin: string; budgets: readonly Budget[] }> {
  return each.flatMap((e) => [
    { origin: eachOrigin(origin, e.by), budgets: e.budgets },
    ...Object.entries(e.tiers).map(([tier, limits]) => ({ origin: eachOrigin(origin, e.by, { tier }), budgets: limits.budgets })),
    ...Object.entries(e.overrides).map(([value, limits]) => ({ origin: eachOrigin(origin, e.by, { value }), budgets: limits.budgets })),
  ]);
}
