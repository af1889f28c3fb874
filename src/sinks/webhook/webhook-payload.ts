import type { SinkNotice, SinkNoticeMap, SinkNoticeType } from '../../events/sink.js';

/** An Error field as it travels in JSON (`store.degraded`'s `error`). */
export interface SerializedError {
  name: string;
  message: string;
}

type Jsonified<T> = { [K in keyof T]: T[K] extends Error ? SerializedError : T[K] };

/**
 * The JSON body of a webhook delivery. `id` is the delivery id (the same on every retry: dedupe
 * on it); `createdAt` is when the gateway raised the notice (its `at`, from the gateway's clock);
 * `data` is the notice's payload, as `gateway.on(type)` receives it.
 */
export type WebhookPayload = {
  [K in SinkNoticeType]: { id: string; type: K; createdAt: string; data: Jsonified<SinkNoticeMap[K]> };
}[SinkNoticeType];

/** The body, serialized once: every attempt sends (and signs) the same bytes. */
export function webhookBody(notice: SinkNotice, id: string): string {
  const payload = { id, type: notice.type, createdAt: notice.event.at, data: notice.event };
  // JSON.stringify turns an Error into `{}`: keep what a receiver can act on.
  return JSON.stringify(payload, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : value));
}
