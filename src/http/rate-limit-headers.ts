import type { LimitStatus } from '../limits/limit-status.js';
import type { RateLimitHeadroom, RateLimits } from '../limits/rate-limit-headroom.js';

/**
 * OpenAI's rate-limit headers from the key's limits: for requests and for tokens, the rate limit
 * closest to refusing (least remaining, then soonest reset) across every scope and window that
 * applies (key, grant, workspace, integration): `x-ratelimit-limit-*`, `x-ratelimit-remaining-*`
 * and `x-ratelimit-reset-*` (a duration such as `1s` or `6m0s`, as OpenAI writes it). A type with
 * no rate limit gets no headers.
 */
export function rateLimitHeaders(limits: readonly LimitStatus[], now: number): Record<string, string> {
  const tightest = (type: 'requests' | 'tokens'): RateLimitHeadroom | null => {
    let found: LimitStatus | null = null;
    for (const limit of limits) {
      if (limit.kind !== 'rateLimit' || limit.type !== type) continue;
      if (!found || limit.remaining < found.remaining || (limit.remaining === found.remaining && (limit.resetAt ?? '') < (found.resetAt ?? ''))) found = limit;
    }
    // Requests and tokens are limited per window: a reset time is always known.
    return found && { limit: found.limit, remaining: Math.max(0, found.remaining), resetMs: Math.max(0, Date.parse(found.resetAt ?? '') - now) };
  };
  return headroomHeaders({ requests: tightest('requests'), tokens: tightest('tokens') });
}

/** The headers of the tightest request and token limits (a call's `GatewayInfo.rateLimits`, or read from the store). */
export function headroomHeaders(limits: RateLimits): Record<string, string> {
  const headers: Record<string, string> = {};
  const { requests, tokens } = limits;
  if (requests) {
    headers['x-ratelimit-limit-requests'] = String(requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(requests.remaining);
    headers['x-ratelimit-reset-requests'] = formatDuration(requests.resetMs);
  }
  if (tokens) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
    headers['x-ratelimit-reset-tokens'] = formatDuration(tokens.resetMs);
  }
  return headers;
}

/** `17ms`, `1s`, `6m0s`, `1h0m0s`: OpenAI's format (Go's time.Duration, whole units). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
