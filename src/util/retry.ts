import { sleep } from './sleep.js';

/** How often and how long to retry: the gateway's `retry` option and the webhook sink's share it. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** The first backoff delay; doubled on each retry, up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
  /** A server's Retry-After is waited for up to this long; a longer one ends the retries. */
  maxRetryAfterMs: number;
}

/** Why a retry loop stopped on a retryable failure: the retries used up, or a Retry-After too long to wait for. */
export type GiveUpReason = 'exhausted' | 'retry-after';

export interface RetryOptions {
  policy: RetryPolicy;
  /** Ends the loop at once, and its wait: the loop rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Whether a failure may pass on another attempt, and the wait its server asked for (null: none). */
  retryable(error: unknown): { retryAfterMs: number | null } | null;
  /** Before the wait for retry number `retry` (0-based). */
  onRetry?(error: unknown, delayMs: number, retry: number): void;
  /** The error to reject with when a retryable failure is not retried (default: the failure). */
  giveUp?(error: unknown, reason: GiveUpReason, retries: number): unknown;
}

/**
 * How long to wait before retry number `retry` (0-based), or null not to retry. The server's
 * Retry-After wins when it is within `maxRetryAfterMs` (beyond it, waiting inside a request is
 * worse than failing with the wait for the caller to schedule). Otherwise exponential backoff,
 * `minDelayMs * 2^retry` capped at `maxDelayMs`, minus up to 25 % jitter so that many clients
 * failing together do not come back together.
 */
export function retryDelay(retryAfterMs: number | null, retry: number, policy: RetryPolicy, random: () => number = Math.random): number | null {
  if (retryAfterMs !== null) return retryAfterMs <= policy.maxRetryAfterMs ? retryAfterMs : null;
  const base = Math.min(policy.minDelayMs * 2 ** retry, policy.maxDelayMs);
  return Math.round(base * (1 - 0.25 * random()));
}

/**
 * Runs `attempt` (numbered from 1) until it succeeds, fails in a way `retryable` refuses, or the
 * retries are used up: a plain loop, openai-node's shape. The first attempt costs one `await`
 * and nothing else (most calls never fail); a retry's delay is `retryDelay`'s.
 */
export async function retrying<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal } = options;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(retry + 1);
    } catch (error) {
      const failure = options.retryable(error);
      if (failure === null) throw error;
      const delay = retry < policy.retries ? retryDelay(failure.retryAfterMs, retry, policy) : null;
      if (delay === null) throw options.giveUp ? options.giveUp(error, retry < policy.retries ? 'retry-after' : 'exhausted', retry) : error;
      options.onRetry?.(error, delay, retry);
      await sleep(delay, signal);
    }
  }
}
