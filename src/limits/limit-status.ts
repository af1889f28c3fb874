import type { Budget } from '../config/limits-schema.js';
import { toIso } from '../util/to-iso.js';
import type { LimiterContext } from './limiter-context.js';
import { counterAt, spanAt, type LimitPlan } from './limit-plan.js';
import { microsToUsd } from './money.js';

export interface LimitStatus {
  scope: string;
  kind: 'budget' | 'rateLimit';
  type: 'cost' | 'tokens' | 'requests' | 'concurrency';
  /** USD for cost budgets; tokens, requests or calls in flight otherwise. */
  limit: number;
  used: number;
  reserved: number;
  remaining: number;
  /**
   * The part of `used` that is not measured: reservations of calls whose process died before it
   * settled them, charged at the worst case each reserved when it expired (its caller may have
   * been served). Finance tells estimated spend from measured spend by it. 0 for concurrency limits.
   */
  unsettled: number;
  /** ISO time of the next reset; null for a budget that never resets. */
  resetAt: string | null;
  /** Budgets: `none`, `weekly` or `monthly`. */
  reset?: Budget['reset'];
  /** Budgets: the threshold of the `budget.alert` event, in the budget's unit. */
  alertThreshold?: number;
  /** Budgets: the thresholds of `budget.alert` events, in the budget's unit. */
  alertThresholds?: number[];
  /** Budgets: ISO start of the current period (never before the budget was set). */
  since?: string;
  /** Rate limits: the window (none for concurrency). */
  per?: 'minute' | 'hour' | 'day';
  /** The models the limit applies to, when not every model. */
  models?: string[];
}

export interface StatusQuery {
  integration?: string;
  workspace?: string;
  key?: string;
  /** The counters of this user's templated scopes (`each: [{ by: 'user' }]`). */
  user?: string;
  /** The counters of these metadata values' templated scopes (`each: [{ by: 'metadata.customerId' }]`). */
  metadata?: Record<string, string>;
  /** Only budgets, or only rate limits (fewer counters read). Default: both. */
  kind?: 'budget' | 'rateLimit';
}

/** Every limit of the plan (of the query's kind), with its current usage, in its unit. */
export async function readStatus(ctx: LimiterContext, plan: LimitPlan, kind: StatusQuery['kind']): Promise<LimitStatus[]> {
  const now = ctx.clock();
  const limits = plan.limits.filter((l) => kind === undefined || l.kind === kind);
  const keys = limits.map((l) => counterAt(l, now, ctx.options.reservationTtlMs).key);
  const states = await ctx.store.read(keys, now);
  return limits.map((limit, i) => {
    const state = states[i]!;
    const span = spanAt(limit, now);
    const unit = (n: number) => (limit.type === 'cost' ? microsToUsd(n) : n);
    // Calls in flight hold a concurrency slot as a reservation: they are its use.
    const inFlight = limit.type === 'concurrency';
    const status: LimitStatus = {
      scope: limit.scope,
      kind: limit.kind,
      type: limit.type,
      limit: unit(limit.limit),
      used: inFlight ? state.used + state.reserved : unit(state.used),
      reserved: inFlight ? 0 : unit(state.reserved),
      remaining: unit(Math.max(0, limit.limit - state.used - state.reserved)),
      unsettled: inFlight ? 0 : unit(state.unsettled ?? 0),
      resetAt: span.end === null ? null : toIso(span.end),
    };
    if (limit.budget) {
      status.reset = limit.budget.reset;
      if (limit.budget.alertThreshold !== undefined) status.alertThreshold = limit.budget.alertThreshold;
      if (limit.budget.alertThresholds) status.alertThresholds = limit.budget.alertThresholds;
      status.since = toIso(span.start);
      if (limit.budget.models) status.models = limit.budget.models;
    } else {
      const rateLimit = limit.rateLimit!;
      if (rateLimit.type !== 'concurrency') status.per = rateLimit.per;
      if (rateLimit.models) status.models = rateLimit.models;
    }
    return status;
  });
}
