import type { Budget } from '../config/limits-schema.js';

/**
 * A budget's identity: its whole definition. Budgets cannot be edited, so any change (limit,
 * reset, threshold) makes another budget, with its own counters starting at zero.
 */
export function budgetId(budget: Budget): string {
  // Parsed budgets are never changed, and a config made by code shares them among its keys: one
  // id per object, not one string built per key.
  let id = ids.get(budget);
  if (id === undefined) ids.set(budget, (id = buildBudgetId(budget)));
  return id;
}

const ids = new WeakMap<Budget, string>();

function buildBudgetId(budget: Budget): string {
  const id = `${budget.type}:${budget.limit}:${budget.reset}:${budget.alertThreshold ?? '-'}`;
  // Only budgets with models or thresholds carry them: the ids (and counters) of the others never changed.
  const models = budget.models ? `:m=${modelsId(budget.models)}` : '';
  const alerts = budget.alertThresholds ? `:a=${budget.alertThresholds.join(',')}` : '';
  return `${id}${models}${alerts}`;
}

/** A limit's model list in an id: escaped (model ids may hold `:` and `,`), in its sorted order. */
export function modelsId(models: readonly string[]): string {
  return models.map(encodeURIComponent).join(',');
}

/** The definition back from an identity, for announcements of budgets no longer in the config. */
export function budgetFromId(id: string): Budget {
  const [type, limit, reset, threshold, ...more] = id.split(':');
  const budget: Budget = { type: type as Budget['type'], limit: Number(limit), reset: reset as Budget['reset'] };
  if (threshold !== undefined && threshold !== '-') budget.alertThreshold = Number(threshold);
  for (const part of more) {
    if (part.startsWith('m=')) budget.models = part.slice(2).split(',').map(decodeURIComponent);
    if (part.startsWith('a=')) budget.alertThresholds = part.slice(2).split(',').map(Number);
  }
  return budget;
}
