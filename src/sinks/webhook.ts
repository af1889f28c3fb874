export { webhookSink } from './webhook/webhook-sink.js';
export type { WebhookSinkOptions, WebhookRetryOptions } from './webhook/webhook-options.js';
export type { WebhookPayload, SerializedError } from './webhook/webhook-payload.js';
export { WebhookDeliveryError } from './webhook/webhook-delivery-error.js';
export { WEBHOOK_HEADERS } from './webhook/webhook-headers.js';
