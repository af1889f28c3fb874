import type { UsageEvent } from './usage-event.js';

/** A sink as a function, called once per event. */
export type SinkFunction = (event: UsageEvent) => void | Promise<void>;

/** A sink as an object: events arrive in batches; `flush` and `close` are called by the gateway's. */
export interface SinkObject {
  /** Name in `stats()` and `sink.error` events. Default: `sink-<index>`. */
  name?: string;
  write(events: UsageEvent[]): void | Promise<void>;
  flush?(): void | Promise<void>;
  close?(): void | Promise<void>;
}

export type Sink = SinkFunction | SinkObject;

export interface SinkStats {
  name: string;
  /** Events waiting for delivery. */
  queued: number;
  delivered: number;
  /** Events lost: queue full, a failed or timed-out write. */
  dropped: number;
  /** Failed or timed-out writes. */
  errors: number;
}

export interface SinkErrorEvent {
  sink: string;
  reason: 'error' | 'timeout' | 'overflow';
  /** What went wrong, as an Error; for `overflow`, a description. */
  error: Error;
  /** Events lost by this failure. */
  dropped: number;
}
