import type { CounterState } from '../stores/store.js';
import { toIso } from '../util/to-iso.js';
import { spanAt, type PlannedLimit } from './limit-plan.js';
import { microsToUsd } from './money.js';

/** The fields shared by `budget.alert` and `budget.exhausted`, in the budget's unit. */
export function budgetEvent(limit: PlannedLimit, state: CounterState, now: number) {
  const span = spanAt(limit, now);
  const cost = limit.type === 'cost';
  return {
    scope: limit.scope,
    origin: limit.origin!,
    budget: limit.budget!,
    limit: limit.budget!.limit,
    used: cost ? microsToUsd(state.used) : state.used,
    unit: cost ? ('USD' as const) : ('tokens' as const),
    periodStart: toIso(span.start),
    resetAt: span.end === null ? null : toIso(span.end),
    at: toIso(now),
  };
}
