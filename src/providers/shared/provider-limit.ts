import { parseRetryAfter } from '../../util/retry-after.js';
import type { HeaderReader } from '../transport/provider-transport.js';

/**
 * What a provider's answer says of its own rate limits, normalized: nothing left until `waitMs`
 * from now, and why. Read from the headers each provider documents:
 * - OpenAI and Azure OpenAI: `x-ratelimit-remaining-requests` / `-tokens` with
 *   `x-ratelimit-reset-requests` / `-tokens` (a duration: `1s`, `6m0s`, `120ms`);
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-remaining` with
 *   `-reset` (an RFC 3339 time);
 * - any provider's 429: `retry-after-ms` or `retry-after` (seconds or an HTTP date).
 * Null when the answer leaves room (or says nothing).
 */
export interface ProviderLimit {
  waitMs: number;
  reason: 'requests' | 'tokens' | 'retry-after';
}

const OPENAI = [
  ['requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  ['tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
] as const;

const ANTHROPIC = [
  ['requests', 'anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset'],
  ['tokens', 'anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-reset'],
  ['tokens', 'anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-reset'],
  ['tokens', 'anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset'],
] as const;

export function providerLimitOf(headers: Pick<HeaderReader, 'get'>, status: number, now: number = Date.now()): ProviderLimit | null {
  let limit: ProviderLimit | null = null;
  const consider = (waitMs: number | null, reason: ProviderLimit['reason']) => {
    if (waitMs !== null && waitMs > 0 && (limit === null || waitMs > limit.waitMs)) limit = { waitMs, reason };
  };
  if (status === 429) consider(parseRetryAfter(headers, now), 'retry-after');
  for (const [reason, remaining, reset] of OPENAI) {
    if (headers.get(remaining) === '0') consider(parseDuration(headers.get(reset)), reason);
  }
  for (const [reason, remaining, reset] of ANTHROPIC) {
    if (headers.get(remaining) === '0') {
      const at = Date.parse(headers.get(reset) ?? '');
      consider(Number.isNaN(at) ? null : at - now, reason);
    }
  }
  return limit;
}

/** OpenAI's reset durations (`1s`, `6m0s`, `1h2m3.5s`, `120ms`), in ms; null when unreadable. */
export function parseDuration(text: string | null): number | null {
  if (text === null) return null;
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(trimmed)) return null;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    const n = Number(amount);
    ms += unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1_000 : n;
  }
  return Math.ceil(ms);
}
