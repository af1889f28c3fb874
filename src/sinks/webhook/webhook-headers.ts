import type { SinkNoticeType } from '../../events/sink.js';
import { signWebhook } from './sign-webhook.js';

/**
 * The names of tollgate's webhook headers. Without the `X-` prefix (RFC 6648 retired it);
 * lower case, as HTTP/2 sends every header name.
 */
export const WEBHOOK_HEADERS = Object.freeze({
  /** The notice type, e.g. `budget.alert` (also the body's `type`). */
  event: 'tollgate-event',
  /** The delivery id, the same on every retry (also the body's `id`): dedupe on it. */
  delivery: 'tollgate-delivery',
  /** Unix seconds when this attempt was signed (also the signature's `t`). */
  timestamp: 'tollgate-timestamp',
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
  signature: 'tollgate-signature',
} as const);

export interface AttemptHeaders {
  id: string;
  type: SinkNoticeType;
  body: string;
  secret: string;
  /** Unix seconds: each attempt is signed anew, so that a receiver's replay window counts from the send. */
  timestamp: number;
  authorization: string | null;
}

export function webhookHeaders(h: AttemptHeaders): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'tollgate',
    [WEBHOOK_HEADERS.event]: h.type,
    [WEBHOOK_HEADERS.delivery]: h.id,
    [WEBHOOK_HEADERS.timestamp]: String(h.timestamp),
    [WEBHOOK_HEADERS.signature]: signWebhook(h.secret, h.timestamp, h.body),
  };
  if (h.authorization) headers.authorization = h.authorization;
  return headers;
}
