import type { Budget, RateLimit } from '../config/limits-schema.js';
import type { ScopeLimits } from '../config/policy.js';
import type { CounterSpec } from '../stores/store.js';
import { budgetId, modelsId } from './budget-identity.js';
import { usdToMicros } from './money.js';
import { budgetPeriod, windowAt, type Span } from '../util/periods.js';

/** One limit a call is checked against, in one scope, with its counter's key built once. */
export interface PlannedLimit {
  readonly scope: string;
  readonly kind: 'budget' | 'rateLimit';
  readonly type: 'cost' | 'tokens' | 'requests' | 'concurrency';
  /** In the counter's unit: micro-dollars, tokens or requests. */
  readonly limit: number;
  readonly budget: Budget | null;
  readonly rateLimit: RateLimit | null;
  readonly origin: string | null;
  /** When the budget was set (registered in the store); 0 for rate limits. */
  readonly setAt: number;
  /** The alert threshold the store announces (a budget's `alertThreshold`), in the counter's unit. */
  readonly alertAt: number | undefined;
  /**
   * A budget's `alertThresholds`, in the counter's unit: each announced by the settlement whose
   * usage crosses it (the store adds usage atomically, so exactly one does, in every process).
   */
  readonly thresholds: readonly number[] | null;
  readonly prefix: string;
  /** The counter of the current period, reused until the period ends. */
  current: { span: Span; spec: CounterSpec } | null;
}

export interface LimitPlan {
  readonly limits: readonly PlannedLimit[];
  /** The first scope with a rate limit of 0 (every call refused), if any. */
  readonly disabledScope: string | null;
  /** The first cost budget, if any: a call needs a price. */
  readonly costLimit: PlannedLimit | null;
  /** Whether a limit counts tokens or cost: then the output a call may produce is reserved, and capped upstream. */
  readonly metersOutput: boolean;
}

/**
 * Every limit of every scope a call passes through. `setAtOf` gives when a budget was set; the
 * counter keys embed it, so a budget defined again later starts from zero. With `model`, limits
 * of other models (`models` on the limit) are left out; without (a status query), every limit is in.
 */
export function buildPlan(scopes: ReadonlyArray<readonly [string, ScopeLimits]>, setAtOf: (origin: string, id: string) => number, model: string | null = null): LimitPlan {
  const applies = (models: readonly string[] | undefined) => model === null || models === undefined || models.includes(model);
  const limits: PlannedLimit[] = [];
  let disabledScope: string | null = null;
  let costLimit: PlannedLimit | null = null;
  for (const [scope, scopeLimits] of scopes) {
    const seen = new Set<string>();
    for (const { origin, budget } of scopeLimits.budgets) {
      if (!applies(budget.models)) continue;
      const id = budgetId(budget);
      if (seen.has(`${origin}|${id}`)) continue;
      seen.add(`${origin}|${id}`);
      const setAt = setAtOf(origin, id);
      const toUnits = budget.type === 'cost' ? usdToMicros : (n: number) => n;
      const planned: PlannedLimit = {
        scope,
        kind: 'budget',
        type: budget.type,
        limit: toUnits(budget.limit),
        budget,
        rateLimit: null,
        origin,
        setAt,
        alertAt: budget.alertThreshold === undefined ? undefined : toUnits(budget.alertThreshold),
        thresholds: budget.alertThresholds ? budget.alertThresholds.map(toUnits) : null,
        prefix: `b|${origin}|${id}|${setAt}|${scope}|`,
        current: null,
      };
      limits.push(planned);
      if (budget.type === 'cost') costLimit ??= planned;
    }
    for (const rateLimit of scopeLimits.rateLimits) {
      if (!applies(rateLimit.models)) continue;
      const window = rateLimit.type === 'concurrency' ? '' : `:${rateLimit.per}`;
      const id = `${rateLimit.type}:${rateLimit.limit}${window}${rateLimit.models ? `:m=${modelsId(rateLimit.models)}` : ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      if (rateLimit.limit === 0) disabledScope ??= scope;
      limits.push({
        scope,
        kind: 'rateLimit',
        type: rateLimit.type,
        limit: rateLimit.limit,
        budget: null,
        rateLimit,
        origin: null,
        setAt: 0,
        alertAt: undefined,
        thresholds: null,
        prefix: `r|${scope}|${id}|`,
        current: null,
      });
    }
  }
  return { limits, disabledScope, costLimit, metersOutput: limits.some((l) => l.type === 'tokens' || l.type === 'cost') };
}

/** A concurrency limit's one span: calls in flight are counted, never reset. */
const FOREVER: Span = { start: 0, end: null };

/** The limit's period (budget) or window (rate limit) containing `now`. */
export function spanAt(limit: PlannedLimit, now: number): Span {
  const rateLimit = limit.rateLimit;
  if (rateLimit) return rateLimit.type === 'concurrency' ? FOREVER : windowAt(rateLimit.per, now);
  return budgetPeriod(limit.budget!.reset, limit.setAt, now);
}

/**
 * The counter for `now`. Counter specs are immutable and shared by every call of the same period,
 * which keeps the hot path free of per-call key building.
 */
export function counterAt(limit: PlannedLimit, now: number, expiryMarginMs: number): CounterSpec {
  const current = limit.current;
  if (current && now >= current.span.start && (current.span.end === null || now < current.span.end)) return current.spec;
  const span = spanAt(limit, now);
  const spec: CounterSpec = {
    key: `${limit.prefix}${span.start}`,
    limit: limit.limit,
    expiresAt: span.end === null ? null : span.end + expiryMarginMs,
    ...(limit.alertAt === undefined ? {} : { alertAt: limit.alertAt }),
    ...(limit.kind === 'budget' ? { announceAtLimit: true } : {}),
  };
  limit.current = { span, spec };
  return spec;
}
