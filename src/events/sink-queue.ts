import { monthAt, windowAt } from '../util/periods.js';
import { DEFAULT_SINK_NOTICES, type Sink, type SinkCap, type SinkErrorEvent, type SinkNotice, type SinkNoticeType, type SinkStats } from './sink.js';
import type { UsageEvent } from './usage-event.js';

export interface SinkQueueOptions {
  queueSize: number;
  batchSize: number;
  timeoutMs: number;
  /** The gateway's clock: cap periods follow it. */
  clock: () => number;
  onError: (event: SinkErrorEvent) => void;
}

class SinkTimeoutError extends Error {
  constructor(ms: number) {
    super(`did not settle within ${ms} ms`);
    this.name = 'SinkTimeoutError';
  }
}

type Item = UsageEvent | SinkNotice;

const isNotice = (item: Item): item is SinkNotice => (item as SinkNotice).type !== undefined;

/**
 * Feeds one sink from a bounded queue, off the request path. `push` never waits and never
 * throws: when the queue is full the event is dropped and counted, so a slow or dead sink costs
 * requests nothing. Writes run one at a time, in order, each bounded by a timeout that aborts
 * the delivery's signal. Sampling and the cap are applied on the way in, so left-out events
 * never take queue space.
 */
export class SinkQueue {
  readonly name: string;
  #queue: Item[] = [];
  /** The drain loop, while it runs. */
  #draining: Promise<void> | null = null;
  /** A drain planned for the next macrotask, to gather a batch. */
  #planned: ReturnType<typeof setImmediate> | null = null;
  #delivered = 0;
  #notified = 0;
  #dropped = 0;
  #sampledOut = 0;
  #capped = 0;
  #errors = 0;
  #overflowing = false;
  #closed = false;
  /** Usage events accepted in the current cap period, and when that period ends. */
  #capCount = 0;
  #capEnd = 0;
  readonly #write: ((events: UsageEvent[], signal: AbortSignal) => void | Promise<void>) | null;
  readonly #notify: ((notice: SinkNotice, signal: AbortSignal) => void | Promise<void>) | null;
  readonly #notices: ReadonlySet<SinkNoticeType>;
  /** Usage events per write: 1 for a function sink, the batch size for an object sink. */
  readonly #batchSize: number;
  readonly #queueSize: number;
  readonly #timeoutMs: number;
  /** Kept share of calls, as a threshold on the request id's first 32 bits; null: keep all. */
  readonly #sampleBelow: number | null;
  readonly #keepFailures: boolean;
  readonly #cap: SinkCap | null;

  constructor(
    readonly sink: Sink,
    name: string,
    private readonly options: SinkQueueOptions,
  ) {
    this.name = name;
    if (typeof sink === 'function') {
      // A function takes one event at a time, so one failure loses one event.
      this.#write = (events) => sink(events[0]!);
      this.#notify = null;
      this.#notices = new Set();
      this.#batchSize = 1;
      this.#queueSize = options.queueSize;
      this.#timeoutMs = options.timeoutMs;
      this.#sampleBelow = null;
      this.#keepFailures = true;
      this.#cap = null;
      return;
    }
    this.#write = sink.write ? (events, signal) => sink.write!(events, { signal }) : null;
    this.#notify = sink.notify ? (notice, signal) => sink.notify!(notice, { signal }) : null;
    this.#notices = new Set(sink.notify ? (sink.notices ?? DEFAULT_SINK_NOTICES) : []);
    this.#batchSize = sink.batchSize ?? options.batchSize;
    this.#queueSize = sink.queueSize ?? options.queueSize;
    this.#timeoutMs = sink.timeoutMs ?? options.timeoutMs;
    const rate = sink.sampling?.rate;
    this.#sampleBelow = rate === undefined || rate >= 1 ? null : Math.floor(rate * 2 ** 32);
    this.#keepFailures = sink.sampling?.keepFailures ?? true;
    this.#cap = sink.cap ?? null;
  }

  /** Whether this sink takes usage events (a notice-only sink does not). */
  get takesUsage(): boolean {
    return this.#write !== null;
  }

  /** Whether this sink is notified of gateway events of this type. */
  takes(type: SinkNoticeType): boolean {
    return this.#notices.has(type);
  }

  push(event: UsageEvent): void {
    if (this.#write === null) return;
    if (this.#sampleBelow !== null && !this.#sampled(event)) {
      this.#sampledOut++;
      return;
    }
    if (this.#cap !== null && !this.#underCap()) return;
    this.#enqueue(event);
  }

  pushNotice(notice: SinkNotice): void {
    if (this.#notices.has(notice.type)) this.#enqueue(notice);
  }

  /** Deterministic by request id, so that every sink with the same rate keeps the same calls. */
  #sampled(event: UsageEvent): boolean {
    if (this.#keepFailures && event.status !== 'success') return true;
    // The request id is a random UUID: its first 8 hex digits are 32 uniform bits.
    return Number.parseInt(event.requestId.slice(0, 8), 16) < this.#sampleBelow!;
  }

  #underCap(): boolean {
    const cap = this.#cap!;
    const now = this.options.clock();
    if (now >= this.#capEnd) {
      this.#capEnd = cap.per === 'month' ? monthAt(now).end : windowAt(cap.per, now).end;
      this.#capCount = 0;
    }
    // Counted past the cap too: the first event over it is reported, once per period.
    if (this.#capCount++ < cap.events) return true;
    this.#capped++;
    if (this.#capCount === cap.events + 1) {
      this.#report('cap', new Error(`cap of ${cap.events} events per ${cap.per} reached: dropping events until ${new Date(this.#capEnd).toISOString()}`), 1);
    }
    return false;
  }

  #enqueue(item: Item): void {
    if (this.#closed) {
      // The sink was closed with the gateway (a call outlived close()'s timeout): nothing may be
      // written to it any more. Dropped, counted and said, like any other loss.
      this.#dropped++;
      this.#report('closed', new Error('the gateway was closed: this event came after its sinks were closed'), 1);
      return;
    }
    if (this.#queue.length >= this.#queueSize) {
      this.#dropped++;
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#report('overflow', new Error(`queue full (${this.#queueSize} events): dropping events until it drains`), 1);
      }
      return;
    }
    this.#queue.push(item);
    if (this.#draining) return;
    // Waiting a macrotask gathers a batch; a full batch goes at once, so that a burst of calls
    // that never yields to the event loop (cache hits, a mock) cannot starve delivery.
    if (this.#queue.length >= this.#batchSize) this.#start();
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
        const first = this.#queue[0]!;
        if (isNotice(first)) {
          this.#queue.shift();
          if (this.#queue.length < this.#queueSize) this.#overflowing = false;
          if (await this.#deliver((signal) => this.#notify!(first, signal), 1)) this.#notified++;
          continue;
        }
        // A batch of the usage events at the head, up to the next notice.
        let n = 1;
        while (n < this.#batchSize && n < this.#queue.length && !isNotice(this.#queue[n]!)) n++;
        const batch = this.#queue.splice(0, n) as UsageEvent[];
        if (this.#queue.length < this.#queueSize) this.#overflowing = false;
        if (await this.#deliver((signal) => this.#write!(batch, signal), batch.length)) this.#delivered += batch.length;
      }
    } finally {
      this.#draining = null;
    }
  }

  /** One write or notification, bounded by the timeout; a failure drops its items and is reported. */
  async #deliver(send: (signal: AbortSignal) => unknown, count: number): Promise<boolean> {
    const failed = await this.#bounded(send, count);
    if (failed) this.#dropped += count;
    return !failed;
  }

  /**
   * Runs one call into the sink (write, notify, flush, close), bounded by the timeout, which aborts
   * the signal it was given. A failure is counted and reported; resolves to whether it failed. The
   * call itself may still be running after a timeout: JavaScript cannot stop it, only signal it.
   */
  async #bounded(call: (signal: AbortSignal) => unknown, dropped: number): Promise<boolean> {
    const controller = new AbortController();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const error = new SinkTimeoutError(this.#timeoutMs);
          controller.abort(error);
          reject(error);
        }, this.#timeoutMs);
        // Promise.resolve().then() also catches a sink that throws synchronously.
        Promise.resolve()
          .then(() => call(controller.signal))
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
      return false;
    } catch (error) {
      this.#errors++;
      const timeout = error instanceof SinkTimeoutError;
      this.#report(timeout ? 'timeout' : 'error', error instanceof Error ? error : new Error(String(error)), dropped);
      return true;
    }
  }

  #report(reason: SinkErrorEvent['reason'], error: Error, dropped: number): void {
    try {
      this.options.onError({ sink: this.name, reason, error, dropped });
    } catch {
      // A throwing error listener must not break delivery.
    }
  }

  /**
   * Resolves when every queued item has been handed to the sink and the sink's `flush` returned
   * or timed out: a sink that hangs cannot hold `gateway.flush()` for longer than its timeout.
   */
  async flush(): Promise<void> {
    if (this.#planned) this.#start();
    while (this.#draining) await this.#draining;
    const sink = this.sink;
    if (typeof sink !== 'function' && sink.flush) await this.#bounded((signal) => sink.flush!({ signal }), 0);
  }

  /** Flushes, then closes the sink, its `close` bounded by the timeout like every call into it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    const sink = this.sink;
    if (typeof sink !== 'function' && sink.close) await this.#bounded((signal) => sink.close!({ signal }), 0);
  }

  stats(): SinkStats {
    return {
      name: this.name,
      queued: this.#queue.length,
      delivered: this.#delivered,
      notified: this.#notified,
      dropped: this.#dropped,
      sampledOut: this.#sampledOut,
      capped: this.#capped,
      errors: this.#errors,
    };
  }
}
