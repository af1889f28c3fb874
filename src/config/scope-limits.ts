import type { Budget, RateLimit } from './limits-schema.js';

/**
 * A budget and where the config defines it (`integration:<slug>`, `grant:<slug>/<workspace or *>`,
 * `workspace:<name or *>`, `key:<id>`). A `'*'` budget has one origin but applies to each
 * workspace separately; the origin is what the store registers (see Store.registerBudgets).
 */
export interface OriginBudget {
  readonly origin: string;
  readonly budget: Budget;
}

/** Budgets and rate limits that apply in one scope. */
export interface ScopeLimits {
  readonly budgets: readonly OriginBudget[];
  readonly rateLimits: readonly RateLimit[];
}

const NO_BUDGETS: readonly OriginBudget[] = Object.freeze([]);

/** The budgets of `origin`, each with it (one shared empty list when there are none). */
export const withOrigin = (origin: string, budgets: readonly Budget[]): readonly OriginBudget[] =>
  budgets.length === 0 ? NO_BUDGETS : budgets.map((budget) => ({ origin, budget }));
