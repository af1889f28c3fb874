import { ProviderError } from '../errors/provider-error.js';

const REDACTED = '[REDACTED]';
/** Key shapes that providers echo masked (`sk-abc1*****wxyz`): even the visible ends stay out. */
const MASKED_KEY = /\b(?:sk|rk|pk)-[A-Za-z0-9_-]*\*{3,}[A-Za-z0-9_-]*/g;
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of the given secret values, and masked key echoes, in a string. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED);
  return out.replace(MASKED_KEY, REDACTED);
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
    cause,
  });
}
