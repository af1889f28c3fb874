import pRetry from 'p-retry';
import { ProviderError } from '../errors/provider-error.js';
import { sleep } from '../util/sleep.js';

export interface RetryPolicy {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

/**
 * How long to wait before retry number `retry` (0-based), or null not to retry. The provider's
 * Retry-After wins when it is within `maxRetryAfterMs` (beyond it, waiting inside a request is
 * worse than returning the error with `retryAfterMs` for the caller to schedule). Otherwise
 * exponential backoff, `minDelayMs * 2^retry` capped at `maxDelayMs`, minus up to 25 % jitter
 * so that many clients failing together do not come back together.
 */
export function retryDelay(error: ProviderError, retry: number, policy: RetryPolicy, random: () => number = Math.random): number | null {
  if (error.retryAfterMs !== null) return error.retryAfterMs <= policy.maxRetryAfterMs ? error.retryAfterMs : null;
  const base = Math.min(policy.minDelayMs * 2 ** retry, policy.maxDelayMs);
  return Math.round(base * (1 - 0.25 * random()));
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not a retryable ProviderError,
 * or the retries are used up. p-retry drives the retry loop and its abort handling; the delay is
 * ours (Retry-After aware), so p-retry's own backoff is set to zero.
 *
 * The first attempt runs outside p-retry: its setup costs about 10 µs per call, which is the
 * gateway's whole overhead budget, and most calls never fail.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  onRetry: (error: ProviderError, delayMs: number) => void,
): Promise<T> {
  try {
    return await attempt(1);
  } catch (error) {
    if (!(await backOff(error, 0, policy, signal, onRetry))) throw error;
  }
  try {
    return await pRetry((n) => attempt(n + 1), {
      retries: policy.retries - 1,
      minTimeout: 0,
      factor: 1,
      randomize: false,
      signal,
      shouldRetry: ({ error, retriesConsumed }) => backOff(error, retriesConsumed + 1, policy, signal, onRetry),
    });
  } catch (error) {
    // The last attempt's error, after at least one retry (p-retry does not ask shouldRetry then).
    if (ProviderError.isInstance(error) && error.isRetryable) settledByRetryPolicy.add(error);
    throw error;
  }
}

/**
 * Upstream errors the gateway's retry policy has dealt with: retried until the retries ran out,
 * or not retried because the provider asked for a longer wait than `maxRetryAfterMs`. A server
 * answering them tells its client not to retry again (`x-should-retry: false`), so that retries
 * never multiply through layers.
 */
const settledByRetryPolicy = new WeakSet<object>();

/** Whether the gateway's retry policy already retried (or deliberately did not retry) this error. */
export function retriedByGateway(error: unknown): boolean {
  return typeof error === 'object' && error !== null && settledByRetryPolicy.has(error);
}

/** `to` replaces `from` (a redacted copy): it keeps what the retry policy knew of `from`. */
export function sameRetryHistory<T>(from: unknown, to: T): T {
  if (retriedByGateway(from) && typeof to === 'object' && to !== null) settledByRetryPolicy.add(to);
  return to;
}

/** Waits before retry number `retry` (0-based) if the error deserves one; false = give up. */
async function backOff(
  error: unknown,
  retry: number,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  onRetry: (error: ProviderError, delayMs: number) => void,
): Promise<boolean> {
  if (!ProviderError.isInstance(error) || !error.isRetryable) return false;
  if (retry >= policy.retries) {
    if (retry > 0) settledByRetryPolicy.add(error);
    return false;
  }
  const delay = retryDelay(error, retry, policy);
  if (delay === null) {
    settledByRetryPolicy.add(error);
    return false;
  }
  onRetry(error, delay);
  await sleep(delay, signal);
  return true;
}
