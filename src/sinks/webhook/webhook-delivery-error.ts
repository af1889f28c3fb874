import type { SinkNoticeType } from '../../events/sink.js';

export interface WebhookDeliveryErrorFields {
  deliveryId: string;
  event: SinkNoticeType;
  /** The webhook's origin (never its path, query or credentials). */
  target: string;
  attempts: number;
  /** The last HTTP status, or null (network error, timeout, no attempt). */
  status: number | null;
  reason: string;
}

/**
 * A notice could not be delivered: what the gateway reports as `sink.error` (the notice is
 * counted as dropped). Its message names the notice type, the delivery id, the webhook's
 * origin, the attempts made and the last failure; never the secret, the URL's path or query,
 * or its credentials.
 */
export class WebhookDeliveryError extends Error {
  readonly deliveryId: string;
  readonly event: SinkNoticeType;
  readonly target: string;
  readonly attempts: number;
  readonly status: number | null;

  constructor(f: WebhookDeliveryErrorFields) {
    const tries = f.attempts === 0 ? '' : ` after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`;
    super(`webhook ${f.event} delivery ${f.deliveryId} to ${f.target} failed${tries}: ${f.reason}`);
    this.name = 'WebhookDeliveryError';
    this.deliveryId = f.deliveryId;
    this.event = f.event;
    this.target = f.target;
    this.attempts = f.attempts;
    this.status = f.status;
  }
}
