import { GatewayEvents, type GatewayEventName } from './gateway-events.js';
import { SINK_NOTICE_TYPES } from '../config/config-schema.js';
import type { Sink, SinkNotice, SinkNoticeType, SinkStats } from './sink.js';
import { SinkQueue } from './sink-queue.js';
import type { UsageEvent } from './usage-event.js';
import type { AnalyticsSlot } from './analytics-slot.js';

export interface DispatcherOptions {
  queueSize: number;
  batchSize: number;
  sinkTimeoutMs: number;
  clock: () => number;
}

/** Something else that takes every usage event (the analytics recorder), with the call's start (epoch ms); never throws. */
export type UsageTap = (event: UsageEvent, startedAt: number, slot: AnalyticsSlot | null) => void;

/**
 * Hands each usage event to the listeners (synchronously, isolated), to every sink's queue and
 * to the taps; and the gateway events a sink asked for (`notices`) to that sink's queue.
 */
export class EventDispatcher {
  readonly events: GatewayEvents;
  readonly #queues: SinkQueue[];
  /** Queues that take usage events. */
  readonly #usageQueues: SinkQueue[];
  /** Queues by notice type, for the types some sink takes. */
  readonly #noticeQueues = new Map<GatewayEventName, SinkQueue[]>();
  readonly #taps: UsageTap[] = [];
  #published = 0;

  constructor(sinks: readonly Sink[], options: DispatcherOptions) {
    this.events = new GatewayEvents((name, payload) => this.#notice(name, payload));
    this.#queues = sinks.map(
      (sink, i) =>
        new SinkQueue(sink, (typeof sink === 'object' && sink.name) || `sink-${i}`, {
          queueSize: options.queueSize,
          batchSize: options.batchSize,
          timeoutMs: options.sinkTimeoutMs,
          clock: options.clock,
          onError: (event) => this.events.emit('sink.error', event),
        }),
    );
    this.#usageQueues = this.#queues.filter((q) => q.takesUsage);
    const types: readonly SinkNoticeType[] = SINK_NOTICE_TYPES;
    for (const type of types) {
      const queues = this.#queues.filter((q) => q.takes(type));
      if (queues.length > 0) this.#noticeQueues.set(type, queues);
    }
  }

  /** Adds a consumer of every usage event (after the listeners and the sinks' queues). */
  tap(consumer: UsageTap): void {
    this.#taps.push(consumer);
  }

  /** `slot`: the call's key policy, for the analytics (see AnalyticsSlot). */
  publishUsage(event: UsageEvent, startedAt: number, slot: AnalyticsSlot | null = null): void {
    this.#published++;
    this.events.emit('usage', event);
    for (const queue of this.#usageQueues) queue.push(event);
    for (const tap of this.#taps) tap(event, startedAt, slot);
  }

  #notice(name: GatewayEventName, payload: unknown): void {
    const queues = this.#noticeQueues.get(name);
    if (!queues) return;
    const notice = { type: name, event: payload } as SinkNotice;
    for (const queue of queues) queue.pushNotice(notice);
  }

  async flush(): Promise<void> {
    await Promise.all(this.#queues.map((q) => q.flush()));
  }

  async close(): Promise<void> {
    await Promise.all(this.#queues.map((q) => q.close()));
  }

  stats(): { published: number; sinks: SinkStats[] } {
    return { published: this.#published, sinks: this.#queues.map((q) => q.stats()) };
  }
}
