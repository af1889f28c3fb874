import type {
  BudgetAlertEvent,
  BudgetChangedEvent,
  BudgetExhaustedEvent,
  BudgetOvershootEvent,
  RateLimitExceededEvent,
  StoreDegradedEvent,
} from './limit-events.js';
import type { AuditEntry } from './audit-entry.js';
import type { UsageEvent } from './usage-event.js';

/** A sink as a function, called once per usage event. */
export type SinkFunction = (event: UsageEvent) => void | Promise<void>;

/** The gateway events a sink can be notified of, besides usage events. */
export interface SinkNoticeMap {
  'budget.alert': BudgetAlertEvent;
  'budget.exhausted': BudgetExhaustedEvent;
  'budget.overshoot': BudgetOvershootEvent;
  'ratelimit.exceeded': RateLimitExceededEvent;
  'budget.changed': BudgetChangedEvent;
  'store.degraded': StoreDegradedEvent;
  /** An audit entry (a policy change), from the gateway that made the change: an export of the audit. */
  'policy.changed': AuditEntry;
}

export type SinkNoticeType = keyof SinkNoticeMap;

/** One gateway event handed to a sink's `notify`, tagged with its name. */
export type SinkNotice = { [K in SinkNoticeType]: { type: K; event: SinkNoticeMap[K] } }[SinkNoticeType];

/** The notices a sink with `notify` receives unless it lists its own: the alerts. */
export const DEFAULT_SINK_NOTICES: readonly SinkNoticeType[] = Object.freeze(['budget.alert', 'budget.exhausted', 'ratelimit.exceeded']);

/** Handed to every `write` and `notify`: aborted when the gateway stops waiting (the sink's timeout). */
export interface SinkDelivery {
  signal: AbortSignal;
}

/** A cap on the usage events a sink receives per UTC period; events beyond it are dropped and counted. */
export interface SinkCap {
  events: number;
  per: 'minute' | 'hour' | 'day' | 'month';
}

/** Which usage events a sink receives: a share of the calls, chosen by request id. */
export interface SinkSampling {
  /** Share of calls kept, 0 to 1. */
  rate: number;
  /** Keep every failed, rejected or aborted call whatever the rate. Default true. */
  keepFailures?: boolean;
}

/**
 * A sink as an object. Usage events arrive in batches through `write`; with `notify`, the
 * gateway's alerts arrive one at a time. `flush` and `close` are called by the gateway's. The
 * delivery options (`sampling`, `cap`, `queueSize`, `batchSize`, `timeoutMs`) apply to this
 * sink only.
 *
 * Calls never overlap while they settle in time: the next `write` starts when the previous one
 * resolved. A call that outlives `timeoutMs` is abandoned, its signal aborted, and the next one
 * starts: a sink that ignores the signal may see a late write still running beside it.
 */
export interface SinkObject {
  /** Name in `stats()` and `sink.error` events. Default: `sink-<index>`. */
  name?: string;
  /** Receives usage events in batches. A sink without it receives none (a notice-only sink). */
  write?(events: UsageEvent[], delivery: SinkDelivery): void | Promise<void>;
  /** Receives the gateway events listed in `notices`. */
  notify?(notice: SinkNotice, delivery: SinkDelivery): void | Promise<void>;
  /** The gateway events `notify` receives. Default: `budget.alert`, `budget.exhausted`, `ratelimit.exceeded`. */
  notices?: readonly SinkNoticeType[];
  /** Called by `gateway.flush()` once the queue is delivered; bounded by `timeoutMs` like a write. */
  flush?(delivery: SinkDelivery): void | Promise<void>;
  /** Called once by `gateway.close()` after the last flush; bounded by `timeoutMs` like a write. */
  close?(delivery: SinkDelivery): void | Promise<void>;
  /** Deliver only a share of the usage events. Default: every event. */
  sampling?: SinkSampling;
  /** At most this many usage events per UTC period (cap-and-drop). Default: no cap. */
  cap?: SinkCap;
  /** Items this sink may have waiting; beyond it new ones are dropped (and counted). Default: `events.queueSize`. */
  queueSize?: number;
  /** Usage events per `write`. Default: `events.batchSize`. */
  batchSize?: number;
  /**
   * A `write`, `notify`, `flush` or `close` that takes longer is abandoned (its signal aborted) and
   * reported; a write's events are counted as dropped. Default: `events.sinkTimeoutMs`.
   */
  timeoutMs?: number;
}

export type Sink = SinkFunction | SinkObject;

export interface SinkStats {
  name: string;
  /** Usage events and notices waiting for delivery. */
  queued: number;
  /** Usage events delivered. */
  delivered: number;
  /** Notices delivered. */
  notified: number;
  /** Usage events and notices lost: queue full, a failed or timed-out write, the sink closed. */
  dropped: number;
  /** Usage events left out by the sink's `sampling` (by design, not lost). */
  sampledOut: number;
  /** Usage events dropped by the sink's `cap` (cap-and-drop: the calls themselves passed). */
  capped: number;
  /** Failed or timed-out writes and notifications. */
  errors: number;
}

export interface SinkErrorEvent {
  sink: string;
  reason: 'error' | 'timeout' | 'overflow' | 'cap' | 'closed';
  /** What went wrong, as an Error; for `overflow` and `cap`, a description. */
  error: Error;
  /** Events lost by this failure (for `overflow` and `cap`: the first one; later ones are counted in stats). */
  dropped: number;
}
