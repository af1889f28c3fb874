import { ProviderError } from '../errors/provider-error.js';
import { asciiLower, RUN, secretPattern } from './secret-pattern.js';

const REDACTED = '[REDACTED]';
/**
 * A masked echo of a key: visible characters around a mask (`sk-abc1*****wxyz`, `sk-abc...wxyz`,
 * `sk-abc…wxyz`, `••••wxyz`). Redacted whole when it is a key's shape (`sk-`, `rk-`, `pk-`) or
 * when one of its visible ends is part of a secret: even the visible ends stay out.
 */
const MASK = /[A-Za-z0-9_-]*(?:\*{3,}|\.{3,}|…+|•+)[A-Za-z0-9_-]*/g;
const KEY_SHAPE = /^(?:sk|rk|pk)-/i;
const MASK_RUN = /\*{3,}|\.{3,}|…+|•+/;
/** A visible end of a mask this long that stands in a secret redacts the mask. */
const MIN_VISIBLE = 4;

/**
 * Replaces, in a string, every trace of the given secret values: any run of 8 characters of a
 * value, of its base64 or of its hex form, in any letter case (so a key cut short, without its
 * prefix, upper-cased or encoded is caught), a shorter value whole, and masked echoes of keys.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  const pattern = secretPattern(secrets);
  const lower = asciiLower(text);
  // Characters to hide, as ranges [from, to) in order of their start.
  const hide: Array<[number, number]> = [];
  if (pattern.runs.size > 0) {
    for (let i = 0; i + RUN <= lower.length; i++) if (pattern.runs.has(lower.slice(i, i + RUN))) hide.push([i, i + RUN]);
  }
  for (const value of pattern.short) {
    for (let at = lower.indexOf(value); at !== -1; at = lower.indexOf(value, at + 1)) hide.push([at, at + value.length]);
  }
  for (const match of text.matchAll(MASK)) {
    const token = match[0];
    const mask = MASK_RUN.exec(token)!;
    const head = asciiLower(token.slice(0, mask.index));
    const tail = asciiLower(token.slice(mask.index + mask[0].length));
    const visiblePart = (end: string) => end.length >= MIN_VISIBLE && pattern.values.some((v) => v.includes(end));
    if (KEY_SHAPE.test(token) || visiblePart(head) || visiblePart(tail)) hide.push([match.index, match.index + token.length]);
  }
  if (hide.length === 0) return text;
  hide.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  let end = -1;
  for (const [start, stop] of hide) {
    if (start > end) {
      // A new range: what lies between the last one and this is kept.
      if (end >= 0) out += REDACTED;
      out += text.slice(from, start);
    }
    end = Math.max(end, stop);
    from = end;
  }
  return out + REDACTED + text.slice(from);
}

/** Deep copy of a JSON-like value with every string redacted. */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, secrets);
    return out;
  }
  return value;
}

/**
 * A ProviderError safe to hand to callers: message, body, headers and cause without the
 * integration's credentials (providers echo keys in 401 bodies; network errors carry URLs).
 */
export function redactProviderError(error: ProviderError, secrets: readonly string[]): ProviderError {
  const prefix = `${error.provider}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  const cause = error.cause instanceof Error ? new Error(redactText(error.cause.message, secrets)) : undefined;
  return new ProviderError({
    provider: error.provider,
    message: redactText(message, secrets),
    upstreamStatus: error.upstreamStatus,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    isRetryable: error.isRetryable,
    body: redactValue(error.body, secrets),
    requestId: error.requestId,
    type: error.type,
    headers: redactValue(error.headers, secrets) as Record<string, string>,
    retriedByGateway: error.retriedByGateway,
    cause,
  });
}
