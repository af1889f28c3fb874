import { BudgetExceededError, RateLimitExceededError } from '../errors/limit-errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type { LimitSnapshot } from '../events/usage-event.js';
import type { CounterState } from '../stores/store.js';
import { toIso } from '../util/to-iso.js';
import { budgetEvent } from './budget-event.js';
import { spanAt, type PlannedLimit } from './limit-plan.js';
import { NO_LIMITS, snapshot } from './limit-snapshot.js';
import { microsToUsd } from './money.js';

/** When a call refused by a concurrency limit is told to retry: slots free as calls end, not at a time. */
const CONCURRENCY_RETRY_MS = 1_000;

/** The limit that refused a call, by the error it was refused with (for the call's usage event). */
const refusals = new WeakMap<object, LimitSnapshot[]>();

/** The limits of a refused call's usage event: the one that refused it. */
export function refusedLimits(error: unknown): LimitSnapshot[] {
  return (typeof error === 'object' && error !== null && refusals.get(error)) || NO_LIMITS;
}

/**
 * The error a call is refused with by a limit without room for `amount`; the first refusal of a
 * period is announced (`budget.exhausted`, `ratelimit.exceeded`).
 */
export function refusal(events: GatewayEvents, limit: PlannedLimit, state: CounterState, amount: number, first: boolean, now: number): Error {
  const error = refusalError(events, limit, state, amount, first, now);
  refusals.set(error, [snapshot(limit, state, false, false, true)]);
  return error;
}

function refusalError(events: GatewayEvents, limit: PlannedLimit, state: CounterState, amount: number, first: boolean, now: number): Error {
  const span = spanAt(limit, now);
  const resetAt = span.end === null ? null : toIso(span.end);
  if (limit.kind === 'budget') {
    // The store says `first` only for a budget that is spent, or has no more than `exhaustedShare`
    // of it left, so a call that merely does not fit never announces exhaustion, nor uses up the
    // one announcement.
    if (first) events.emit('budget.exhausted', { ...budgetEvent(limit, state, now), reason: state.used >= limit.limit ? 'refused' : 'insufficient' });
    const unit = limit.type === 'cost' ? microsToUsd : (n: number) => n;
    const left = limit.limit - state.used - state.reserved;
    return new BudgetExceededError({
      scope: limit.scope,
      limit: limit.budget!.limit,
      used: unit(state.used),
      remaining: unit(Math.max(0, left)),
      resetAt,
      retryAfterMs: span.end === null ? null : span.end - now,
      unit: limit.type === 'cost' ? 'USD' : 'tokens',
      reason: left > 0 ? 'reservation-exceeds-remaining' : 'exhausted',
      detail: `${unit(state.reserved)} reserved by calls in flight; this call may need up to ${unit(amount)}`,
    });
  }
  const rateLimit = limit.rateLimit!;
  // No window to wait for: a slot frees when a call in flight ends. A second is the hint.
  const retryAfterMs = rateLimit.type === 'concurrency' ? CONCURRENCY_RETRY_MS : span.end! - now;
  if (first) {
    events.emit('ratelimit.exceeded', {
      scope: limit.scope,
      rateLimit: limit.rateLimit!,
      limit: limit.limit,
      resetAt: resetAt ?? toIso(now + retryAfterMs),
      retryAfterMs,
      at: toIso(now),
    });
  }
  return new RateLimitExceededError({
    scope: limit.scope,
    type: rateLimit.type,
    limit: limit.limit,
    remaining: Math.max(0, limit.limit - state.used - state.reserved),
    resetAt: resetAt ?? toIso(now + retryAfterMs),
    retryAfterMs,
    detail:
      rateLimit.type === 'concurrency'
        ? `${limit.limit} calls in flight at once`
        : rateLimit.type === 'tokens'
          ? `${limit.limit} tokens per ${rateLimit.per}; this call may need up to ${amount}`
          : `${limit.limit} requests per ${rateLimit.per}`,
  });
}
