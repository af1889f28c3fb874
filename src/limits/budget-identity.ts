import type { Budget } from '../config/limits-schema.js';

/**
 * A budget's identity: its whole definition. Budgets cannot be edited, so any change (limit,
 * reset, threshold) makes another budget, with its own counters starting at zero.
 */
export function budgetId(budget: Budget): string {
  const id = `${budget.type}:${budget.limit}:${budget.reset}:${budget.alertThreshold ?? '-'}`;
  // Only budgets limited to models carry them: the ids (and counters) of the others never changed.
  return budget.models ? `${id}:m=${modelsId(budget.models)}` : id;
}

/** A limit's model list in an id: escaped (model ids may hold `:` and `,`), in its sorted order. */
export function modelsId(models: readonly string[]): string {
  return models.map(encodeURIComponent).join(',');
}

/** The definition back from an identity, for announcements of budgets no longer in the config. */
export function budgetFromId(id: string): Budget {
  const [type, limit, reset, threshold, models] = id.split(':');
  const budget: Budget = { type: type as Budget['type'], limit: Number(limit), reset: reset as Budget['reset'] };
  if (threshold !== undefined && threshold !== '-') budget.alertThreshold = Number(threshold);
  if (models?.startsWith('m=')) budget.models = models.slice(2).split(',').map(decodeURIComponent);
  return budget;
}
