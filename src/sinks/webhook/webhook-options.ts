import { z } from 'zod';
import { toConfigIssues } from '../../errors/format-issues.js';
import { isSecret, revealSecret, type Secret } from '../../secrets/secret.js';
import { ConfigError, type ConfigIssue } from '../../errors/config-error.js';
import { SINK_NOTICE_TYPES } from '../../config/config-schema.js';
import { DEFAULT_SINK_NOTICES, type SinkNoticeType } from '../../events/sink.js';
import { parseWebhookUrl, type WebhookTarget } from './webhook-target.js';

/** How failed deliveries are retried. */
export interface WebhookRetryOptions {
  /**
   * Retries after the first attempt, on network errors, timeouts, 408, 429 and 5xx (never on
   * other statuses). Default: 3.
   * @example 5
   */
  retries?: number;
  /**
   * First backoff delay; doubled on each retry, minus up to 25 % jitter. Default: 1,000 ms.
   * @example 500
   */
  minDelayMs?: number;
  /**
   * Backoff cap. Default: 8,000 ms.
   * @example 4_000
   */
  maxDelayMs?: number;
  /**
   * A `Retry-After` (seconds or HTTP date) is waited for when it is at most this long; a longer
   * one ends the delivery as failed. Keep it below `timeoutMs`. Default: 30,000 ms.
   * @example 10_000
   */
  maxRetryAfterMs?: number;
}

/**
 * Options of `webhookSink(url, options)`.
 *
 * @example
 * webhookSink('https://alerts.example.com/tollgate', {
 *   secret: secret.env('TOLLGATE_WEBHOOK_SECRET'),
 *   events: ['budget.alert', 'budget.exhausted'],
 * })
 */
export interface WebhookSinkOptions {
  /**
   * The key of the HMAC-SHA256 signature (its UTF-8 bytes), shared with the receiver. A string
   * or a `Secret` (`secret.env`, `secret.value`, `secret.from`), resolved on each delivery so
   * that a rotated variable takes effect. Required. Use at least 32 random bytes, e.g.
   * `crypto.randomBytes(32).toString('hex')`.
   * @example secret.env('TOLLGATE_WEBHOOK_SECRET')
   */
  secret: string | Secret;
  /**
   * The notices POSTed, one request each. Usage events are not sent (one POST per call would
   * put an HTTP request behind every LLM call: use a jsonl or OpenTelemetry sink for usage).
   * Default: `['budget.alert', 'budget.exhausted', 'ratelimit.exceeded']`.
   * @example ['budget.alert', 'budget.exhausted', 'budget.changed', 'store.degraded']
   */
  events?: readonly SinkNoticeType[];
  /**
   * Name in `gateway.stats().sinks` and `sink.error` events. Default: `webhook:<host>`.
   * @example 'pagerduty'
   */
  name?: string;
  /**
   * Retries of a failed delivery.
   * Default: `{ retries: 3, minDelayMs: 1000, maxDelayMs: 8000, maxRetryAfterMs: 30000 }`.
   * @example { retries: 5, maxRetryAfterMs: 10_000 }
   */
  retry?: WebhookRetryOptions;
  /**
   * One attempt (until the response headers) that takes longer is abandoned and retried.
   * Default: 10,000 ms.
   * @example 5_000
   */
  attemptTimeoutMs?: number;
  /**
   * The whole delivery, retries and their waits included; past it the delivery is abandoned and
   * the notice counted as dropped. Default: 60,000 ms, room for the default retries (4 attempts
   * of up to 10 s plus 7 s of backoff). At least `attemptTimeoutMs`. Notices are delivered one
   * at a time, so `gateway.close()` may wait this long for each notice still queued.
   * @example 120_000
   */
  timeoutMs?: number;
  /**
   * Notices this sink may have waiting. Default: the gateway's `events.queueSize`.
   * @example 100
   */
  queueSize?: number;
  /**
   * The fetch used for deliveries: a proxy, a custom agent, a test double. Redirects are not
   * followed (a 3xx is a failure: point the sink at the final URL). Default: `globalThis.fetch`.
   * @example (url, init) => fetch(url, { ...init, dispatcher: proxyAgent })
   */
  fetch?: typeof globalThis.fetch;
}

export interface ParsedWebhookOptions {
  target: WebhookTarget;
  /** Resolves the signing secret; its value lives only in this closure. */
  secret: () => Promise<string>;
  events: readonly SinkNoticeType[];
  name: string;
  retry: Required<WebhookRetryOptions>;
  attemptTimeoutMs: number;
  timeoutMs: number;
  queueSize: number | undefined;
  fetch: typeof globalThis.fetch;
}

const ms = z.number().int().min(0);

const optionsSchema = z
  .strictObject({
    // Checked below: zod must never hold (or print) the value.
    secret: z.unknown().optional(),
    events: z
      .array(z.enum(SINK_NOTICE_TYPES))
      .min(1, 'must list at least one notice type')
      .refine((list) => new Set(list).size === list.length, 'must not list a type twice')
      .default([...DEFAULT_SINK_NOTICES]),
    name: z.string().min(1).optional(),
    retry: z
      .strictObject({
        retries: z.number().int().min(0).max(20).default(3),
        minDelayMs: ms.default(1_000),
        maxDelayMs: ms.default(8_000),
        maxRetryAfterMs: ms.default(30_000),
      })
      .default({ retries: 3, minDelayMs: 1_000, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 }),
    attemptTimeoutMs: z.number().int().positive().default(10_000),
    timeoutMs: z.number().int().positive().default(60_000),
    queueSize: z.number().int().positive().optional(),
    fetch: z.custom<typeof globalThis.fetch>((v) => typeof v === 'function', 'must be a fetch function').optional(),
  })
  .superRefine((o, ctx) => {
    if (o.timeoutMs < o.attemptTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeoutMs'],
        message: `must be at least attemptTimeoutMs (${o.attemptTimeoutMs}): the delivery would be abandoned during its first attempt`,
      });
    }
  });

/**
 * A Secret made by another copy of tollgate (two installed versions, or `require` of one entry and
 * `import` of another, which load the two builds): its value is private to that copy.
 */
const looksLikeForeignSecret = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function' && (v as { toJSON(): unknown }).toJSON() === '[secret]';

function secretReader(value: unknown): (() => Promise<string>) | { problem: string } {
  if (typeof value === 'string') {
    if (value === '') return { problem: 'must not be empty' };
    return () => Promise.resolve(value);
  }
  if (isSecret(value)) return () => revealSecret(value);
  if (looksLikeForeignSecret(value)) {
    return {
      problem:
        'is a Secret from another copy of tollgate, which this entry cannot read (two installed versions, or tollgate loaded with require and this sink with import, or the reverse): load both the same way, or pass the value as a string',
    };
  }
  return { problem: "is required: a string, or a secret (secret.env('NAME'), secret.value(v), secret.from(load))" };
}

/**
 * Checks the URL and the options; throws one ConfigError listing every problem. Messages never
 * repeat the URL or the secret.
 */
export function parseWebhookOptions(url: unknown, options: unknown): ParsedWebhookOptions {
  const issues: ConfigIssue[] = [];
  const target = parseWebhookUrl(url);
  if ('problem' in target) issues.push({ path: 'url', message: target.problem });
  const isObject = typeof options === 'object' && options !== null;
  if (!isObject) issues.push({ path: 'options', message: 'is required: { secret, ... }' });
  const result = optionsSchema.safeParse(isObject ? options : {});
  const secret = secretReader(isObject ? (options as { secret?: unknown }).secret : undefined);
  if (typeof secret !== 'function' && isObject) issues.push({ path: 'options.secret', message: secret.problem });
  if (!result.success) issues.push(...toConfigIssues(result.error, ['options']));
  if (issues.length > 0 || 'problem' in target || typeof secret !== 'function' || !result.success) {
    throw new ConfigError(issues, 'Invalid webhookSink options');
  }
  const o = result.data;
  const fetch = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    target,
    secret,
    events: o.events,
    name: o.name ?? `webhook:${new URL(target.url).host}`,
    retry: o.retry,
    attemptTimeoutMs: o.attemptTimeoutMs,
    timeoutMs: o.timeoutMs,
    queueSize: o.queueSize,
    fetch,
  };
}
