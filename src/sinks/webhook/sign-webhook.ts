import { createHmac } from 'node:crypto';

/**
 * The signature header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the
 * secret's UTF-8 bytes as the key. Stripe's scheme (its `Stripe-Signature` header), so
 * receivers can reuse what they know; the body carries the delivery id, so the id is signed too.
 * More `v1=` entries may follow in a later version (secret rotation): verifiers should accept
 * the request when any `v1` matches.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${digest}`;
}
