import { GatewayEvents } from './gateway-events.js';
import type { Sink, SinkStats } from './sink.js';
import { SinkQueue } from './sink-queue.js';
import type { UsageEvent } from './usage-event.js';

export interface DispatcherOptions {
  queueSize: number;
  batchSize: number;
  sinkTimeoutMs: number;
}

/** Hands each usage event to the listeners (synchronously, isolated) and to every sink's queue. */
export class EventDispatcher {
  readonly events = new GatewayEvents();
  readonly #queues: SinkQueue[];
  #published = 0;

  constructor(sinks: readonly Sink[], options: DispatcherOptions) {
    this.#queues = sinks.map(
      (sink, i) =>
        new SinkQueue(sink, (typeof sink === 'object' && sink.name) || `sink-${i}`, {
          queueSize: options.queueSize,
          batchSize: options.batchSize,
          timeoutMs: options.sinkTimeoutMs,
          onError: (event) => this.events.emit('sink.error', event),
        }),
    );
  }

  publishUsage(event: UsageEvent): void {
    this.#published++;
    this.events.emit('usage', event);
    for (const queue of this.#queues) queue.push(event);
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
