import { randomUUID } from 'node:crypto';
import type { UsageEvent } from '../events/usage-event.js';
import type { AnalyticsRetention } from './granularity.js';
import { withTimeout } from '../util/with-timeout.js';
import { addEvent, dimsOf, eventDimsKey, MINUTE_MS, newCell, sameDims, type AnalyticsCell } from './analytics-cell.js';
import type { AnalyticsWrite } from './analytics-storage.js';
import type { AnalyticsSlot } from '../events/analytics-slot.js';

/**
 * Where the recorder writes: the gateway's store behind its failure policy (GuardedStore). Said
 * here as the little it needs, so that analytics depend on no store and no limits code.
 */
export interface AnalyticsTarget {
  readonly store: {
    readonly name: string;
    recordAnalytics?(cells: readonly AnalyticsCell[], options: AnalyticsWrite): void | Promise<void>;
    addAnalyticsCall?(start: number, event: UsageEvent, user: string | null, write: Omit<AnalyticsWrite, 'batchId'>, slot: AnalyticsSlot | null): void;
  };
  /** Announces a batch deferred (to be sent again) or lost, as `store.degraded`. */
  announce(operation: 'analytics', error: unknown, decision: 'deferred' | 'lost'): void;
}

export interface AnalyticsRecorderOptions {
  retention: AnalyticsRetention;
  /** How often pending cells are written to the store. */
  flushIntervalMs: number;
  /**
   * Cells waiting at most: a new batch is written as soon as it has this many (many distinct users
   * in a minute); failed batches beyond it are dropped, the oldest first, and counted.
   */
  maxPendingCells: number;
  /** A write that takes longer counts as failed (and is sent again: batches apply at most once). */
  timeoutMs: number;
  /** Cells by end user (`user` a dimension); false: calls counted without it (millions of end users). */
  byUser: boolean;
}

export interface AnalyticsStats {
  /** Calls recorded in the store. */
  recorded: number;
  /** Calls waiting to be written (batched, or in a batch being retried). */
  pending: number;
  /** Calls whose analytics were dropped: the store failed for too long. */
  dropped: number;
}

interface Batch {
  id: string;
  cells: AnalyticsCell[];
  events: number;
}

/**
 * Folds usage events into per-minute cells as they are published (in memory, no I/O), and
 * writes the cells to the store in batches, on a timer: analytics never add a store round trip
 * to a call (a store in this process, with `addAnalyticsCall`, takes each call as it comes
 * instead). A batch that fails is sent again (same id, so it applies once) until it succeeds or
 * too much is waiting; what is dropped is announced (`store.degraded`) and counted.
 */
export class AnalyticsRecorder {
  #pending = new Map<string, AnalyticsCell>();
  /** The cell of the previous event: traffic comes in runs of the same dimensions, and a hit skips building a key. */
  #last: AnalyticsCell | null = null;
  #pendingEvents = 0;
  /** Batches that failed, oldest first, sent again before new ones. */
  readonly #retry: Batch[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writing: Promise<void> | null = null;
  #recorded = 0;
  #dropped = 0;
  readonly #store: AnalyticsTarget;
  readonly #options: AnalyticsRecorderOptions;
  readonly #clock: () => number;

  constructor(store: AnalyticsTarget, options: AnalyticsRecorderOptions, clock: () => number) {
    this.#store = store;
    this.#options = options;
    this.#clock = clock;
  }

  /** `slot`: the call's key policy, where a store in this process keeps the key's cell (see AnalyticsSlot). */
  add(event: UsageEvent, startedAt: number, slot: AnalyticsSlot | null = null): void {
    const start = Math.floor(startedAt / MINUTE_MS) * MINUTE_MS;
    const user = this.#options.byUser ? event.user : null;
    const store = this.#store.store;
    if (store.addAnalyticsCall) {
      // A store in this process: the call goes straight in (no I/O to save by batching).
      store.addAnalyticsCall(start, event, user, { now: this.#clock(), retention: this.#options.retention }, slot);
      this.#recorded++;
      return;
    }
    let cell = this.#last;
    if (cell === null || cell.start !== start || !sameDims(cell.dims, event, user)) {
      const key = `${start}|${eventDimsKey(event, user)}`;
      let found = this.#pending.get(key);
      if (!found) {
        // A cell per distinct user (or key) and minute: with many of them, the bound is reached
        // before the timer, so the batch goes at once; while one is on its way, the next may
        // grow to the bound again, and a call past that is dropped from analytics (counted).
        if (this.#pending.size >= this.#options.maxPendingCells) {
          if (this.#writing === null) void this.#write();
          else if (this.#pending.size >= 2 * this.#options.maxPendingCells) {
            this.#dropped++;
            return;
          }
        }
        this.#pending.set(key, (found = newCell(start, dimsOf(event, user))));
      }
      this.#last = cell = found;
    }
    addEvent(cell, event);
    this.#pendingEvents++;
    if (this.#timer === null && this.#writing === null) {
      this.#timer = setTimeout(() => void this.#write(), this.#options.flushIntervalMs);
      // Pending analytics never keep a process alive; `close()` writes them.
      this.#timer.unref?.();
    }
  }

  /** Writes everything pending; resolves when the store has it (or the write failed, announced). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
    if (this.#pending.size > 0 || this.#retry.length > 0) await this.#write();
  }

  stats(): AnalyticsStats {
    let retrying = 0;
    for (const batch of this.#retry) retrying += batch.events;
    return { recorded: this.#recorded, pending: this.#pendingEvents + retrying, dropped: this.#dropped };
  }

  #write(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#writing ??= this.#writeAll().finally(() => {
      this.#writing = null;
      // Events added while writing, or a batch to retry: the next round.
      if ((this.#pending.size > 0 || this.#retry.length > 0) && this.#timer === null) {
        this.#timer = setTimeout(() => void this.#write(), this.#options.flushIntervalMs);
        this.#timer.unref?.();
      }
    });
    return this.#writing;
  }

  async #writeAll(): Promise<void> {
    if (this.#pending.size > 0) {
      this.#retry.push({ id: randomUUID(), cells: [...this.#pending.values()], events: this.#pendingEvents });
      this.#pending = new Map();
      this.#last = null;
      this.#pendingEvents = 0;
    }
    while (this.#retry.length > 0) {
      const batch = this.#retry[0]!;
      try {
        await this.#send(batch);
      } catch (error) {
        this.#store.announce('analytics', error, 'deferred');
        this.#bound(error);
        return;
      }
      this.#retry.shift();
      this.#recorded += batch.events;
    }
  }

  async #send(batch: Batch): Promise<void> {
    const store = this.#store.store;
    const result = store.recordAnalytics!(batch.cells, { now: this.#clock(), retention: this.#options.retention, batchId: batch.id });
    if (result instanceof Promise) await withTimeout(result, this.#options.timeoutMs, `${store.name} store analytics`);
  }

  /** Drops the oldest failed batches while too many cells wait. */
  #bound(error: unknown): void {
    let cells = 0;
    for (const batch of this.#retry) cells += batch.cells.length;
    while (cells > this.#options.maxPendingCells && this.#retry.length > 0) {
      const dropped = this.#retry.shift()!;
      cells -= dropped.cells.length;
      this.#dropped += dropped.events;
      this.#store.announce('analytics', error, 'lost');
    }
  }
}
