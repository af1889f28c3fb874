import type { SinkObject } from '../../events/sink.js';
import { deliverWebhook } from './deliver-webhook.js';
import { parseWebhookOptions, type WebhookSinkOptions } from './webhook-options.js';

/**
 * A sink that POSTs the gateway's alerts to a URL as signed JSON, one request per notice,
 * retried on network errors, timeouts, 408, 429 and 5xx (honouring Retry-After within a bound).
 * It takes no usage events.
 *
 * Each request carries `tollgate-signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
 * `<t>.<raw body>` keyed with `secret`, and `tollgate-delivery`, the delivery id that stays the
 * same on retries (see docs/sinks.md for the verification code).
 *
 * The secret and the URL's credentials, path and query never appear in errors, `sink.error`
 * events, `util.inspect(sink)` or `JSON.stringify(sink)`: they live in closures only.
 *
 * @throws ConfigError when the URL or an option is invalid (every problem, with its path)
 * @example
 * const gateway = createGateway({
 *   integrations,
 *   sinks: [webhookSink('https://alerts.example.com/tollgate', { secret: secret.env('TOLLGATE_WEBHOOK_SECRET') })],
 * });
 */
export function webhookSink(url: string | URL, options: WebhookSinkOptions): SinkObject {
  const o = parseWebhookOptions(url, options);
  const sink: SinkObject = {
    name: o.name,
    notices: o.events,
    // The gateway's per-delivery timeout, sized for the retries (not the gateway's 30 s default).
    timeoutMs: o.timeoutMs,
    notify: (notice, { signal }) => deliverWebhook(notice, signal, o),
  };
  if (o.queueSize !== undefined) sink.queueSize = o.queueSize;
  return sink;
}
