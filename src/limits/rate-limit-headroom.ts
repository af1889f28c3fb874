import type { Admission } from './reserve-call.js';
import { untilWindowEnd } from '../util/periods.js';

/** A rate limit as it stood when a call was admitted (see GatewayInfo.rateLimits). */
export interface RateLimitHeadroom {
  limit: number;
  /**
   * What was left for other calls once this one was counted: its request, or the tokens it
   * reserved (its input and its most output, as OpenAI counts a request against its limits).
   */
  remaining: number;
  /** Milliseconds from the admission until the window resets. */
  resetMs: number;
}

/** For requests and for tokens, the windowed rate limit closest to refusing (least remaining, then soonest reset); null: none of that type. */
export interface RateLimits {
  requests: RateLimitHeadroom | null;
  tokens: RateLimitHeadroom | null;
}

/**
 * The rate limits of an admission closest to refusing, from what the store said while reserving
 * (`AdmitResult.totals`): no read of the store. Null when the store did not say, or the call was
 * admitted without a reservation.
 */
export function rateLimitHeadroom(admission: Admission): RateLimits | null {
  const totals = admission.totals;
  if (totals === null) return null;
  let requests: RateLimitHeadroom | null = null;
  let tokens: RateLimitHeadroom | null = null;
  const limits = admission.plan.limits;
  for (let i = 0; i < limits.length; i++) {
    const rateLimit = limits[i]!.rateLimit;
    if (rateLimit === null || rateLimit.type === 'concurrency') continue;
    const remaining = Math.max(0, rateLimit.limit - totals[i]!);
    const resetMs = untilWindowEnd(rateLimit.per, admission.admittedAt);
    const tightest: RateLimitHeadroom | null = rateLimit.type === 'requests' ? requests : tokens;
    if (tightest !== null && (tightest.remaining < remaining || (tightest.remaining === remaining && tightest.resetMs <= resetMs))) continue;
    const headroom: RateLimitHeadroom = { limit: rateLimit.limit, remaining, resetMs };
    if (rateLimit.type === 'requests') requests = headroom;
    else tokens = headroom;
  }
  return { requests, tokens };
}
