import type { Sink, SinkErrorEvent, SinkStats } from './sink.js';
import type { UsageEvent } from './usage-event.js';

export interface SinkQueueOptions {
  queueSize: number;
  batchSize: number;
  timeoutMs: number;
  onError: (event: SinkErrorEvent) => void;
}

class SinkTimeoutError extends Error {
  constructor(ms: number) {
    super(`write did not settle within ${ms} ms`);
    this.name = 'SinkTimeoutError';
  }
}

/**
 * Feeds one sink from a bounded queue, off the request path. `push` never waits and never
 * throws: when the queue is full the event is dropped and counted, so a slow or dead sink costs
 * requests nothing. Writes run one at a time, in order, each bounded by a timeout.
 */
export class SinkQueue {
  readonly name: string;
  #queue: UsageEvent[] = [];
  /** The drain loop, while it runs. */
  #draining: Promise<void> | null = null;
  /** A drain planned for the next macrotask, to gather a batch. */
  #planned: ReturnType<typeof setImmediate> | null = null;
  #delivered = 0;
  #dropped = 0;
  #errors = 0;
  #overflowing = false;
  #closed = false;
  readonly #write: (events: UsageEvent[]) => void | Promise<void>;
  /** Events per write: 1 for a function sink, `batchSize` for an object sink. */
  readonly #batchSize: number;

  constructor(
    readonly sink: Sink,
    name: string,
    private readonly options: SinkQueueOptions,
  ) {
    this.name = name;
    if (typeof sink === 'function') {
      // A function takes one event at a time, so one failure loses one event.
      this.#write = (events) => sink(events[0]!);
      this.#batchSize = 1;
    } else {
      this.#write = (events) => sink.write(events);
      this.#batchSize = options.batchSize;
    }
  }

  push(event: UsageEvent): void {
    if (this.#closed) {
      // The sink was closed with the gateway: nothing may be written to it any more.
      this.#dropped++;
      return;
    }
    if (this.#queue.length >= this.options.queueSize) {
      this.#dropped++;
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#report('overflow', new Error(`queue full (${this.options.queueSize} events): dropping events until it drains`), 1);
      }
      return;
    }
    this.#queue.push(event);
    if (this.#draining) return;
    // Waiting a macrotask gathers a batch; a full batch goes at once, so that a burst of calls
    // that never yields to the event loop (cache hits, a mock) cannot starve delivery.
    if (this.#queue.length >= this.options.batchSize) this.#start();
    else this.#planned ??= setImmediate(() => this.#start());
  }

  #start(): void {
    if (this.#planned) clearImmediate(this.#planned);
    this.#planned = null;
    // Started from a microtask, never synchronously: a sink must not run inside a request.
    this.#draining ??= Promise.resolve().then(() => this.#drain());
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#batchSize);
        if (this.#queue.length < this.options.queueSize) this.#overflowing = false;
        try {
          await this.#withTimeout(batch);
          this.#delivered += batch.length;
        } catch (error) {
          this.#errors++;
          this.#dropped += batch.length;
          const timeout = error instanceof SinkTimeoutError;
          this.#report(timeout ? 'timeout' : 'error', error instanceof Error ? error : new Error(String(error)), batch.length);
        }
      }
    } finally {
      this.#draining = null;
    }
  }

  #withTimeout(batch: UsageEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SinkTimeoutError(this.options.timeoutMs)), this.options.timeoutMs);
      // Promise.resolve().then() also catches a sink that throws synchronously.
      Promise.resolve()
        .then(() => this.#write(batch))
        .then(
          () => {
            clearTimeout(timer);
            resolve();
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error);
          },
        );
    });
  }

  #report(reason: SinkErrorEvent['reason'], error: Error, dropped: number): void {
    try {
      this.options.onError({ sink: this.name, reason, error, dropped });
    } catch {
      // A throwing error listener must not break delivery.
    }
  }

  /** Resolves when every queued event has been handed to the sink and the sink's `flush` returned. */
  async flush(): Promise<void> {
    if (this.#planned) this.#start();
    while (this.#draining) await this.#draining;
    if (typeof this.sink !== 'function' && this.sink.flush) {
      try {
        await this.sink.flush();
      } catch (error) {
        this.#errors++;
        this.#report('error', error instanceof Error ? error : new Error(String(error)), 0);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    if (typeof this.sink !== 'function' && this.sink.close) {
      try {
        await this.sink.close();
      } catch (error) {
        this.#errors++;
        this.#report('error', error instanceof Error ? error : new Error(String(error)), 0);
      }
    }
  }

  stats(): SinkStats {
    return { name: this.name, queued: this.#queue.length, delivered: this.#delivered, dropped: this.#dropped, errors: this.#errors };
  }
}
