import type { Budget } from '../config/limits-schema.js';

/**
 * A budget's identity: its whole definition. Budgets cannot be edited, so any change (limit,
 * reset, threshold) makes another budget, with its own counters starting at zero.
 */
export function budgetId(budget: Budget): string {
  return `${budget.type}:${budget.limit}:${budget.reset}:${budget.alertThreshold ?? '-'}`;
}

/** The definition back from an identity, for announcements of budgets no longer in the config. */
export function budgetFromId(id: string): Budget {
  const [type, limit, reset, threshold] = id.split(':');
  const budget: Budget = { type: type as Budget['type'], limit: Number(limit), reset: reset as Budget['reset'] };
  if (threshold !== undefined && threshold !== '-') budget.alertThreshold = Number(threshold);
  return budget;
}
