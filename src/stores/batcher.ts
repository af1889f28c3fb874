/**
 * Group commit for the shared stores. A busy counter row is the bottleneck of a SQL store: every
 * transaction that touches it waits for the one before to commit. So calls that arrive together
 * go together: one transaction, one commit, for all of them.
 *
 * - `remote` (PostgreSQL, Redis): the ops of one turn of the event loop are gathered before they are
 *   sent (a call's settlement and the next call's admission, issued in the same turn, share one
 *   round trip and one commit), and what queues while batches are on their way goes as soon as
 *   one returns.
 * - `sync` (SQLite, which answers synchronously): an op runs at once, taking along what waits,
 *   unless `mayWait` says it may wait: then it waits for the next op that runs, or the next turn
 *   of the event loop. (SQLite: an op waits while other calls are in flight, so that the calls
 *   answered in one turn share a commit; a call alone never waits.)
 */
export interface BatcherOptions<Op, R> {
  /** Runs a batch in one transaction: one result per op, in order. */
  run(ops: Op[]): R[] | Promise<R[]>;
  engine: 'sync' | 'remote';
  /** `remote`: batches on their way at once. */
  maxInFlight?: number;
  /** Ops in one batch, at most. */
  maxSize: number;
  /** `sync`: whether `op` may wait for the next transaction (default: no, every op runs at once). */
  mayWait?(op: Op): boolean;
  /**
   * A batch that failed is tried op by op (default), so that the one op a database refuses fails
   * only its call: right where a failed batch rolled back. False where a failure may leave part of
   * a batch applied (a Redis script stops where it fails): each op of it then fails as it would
   * alone, and its caller's own handling (a settlement retried, idempotently) takes over.
   */
  retryAlone?: boolean;
}

interface Pending<Op, R> {
  op: Op;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class Batcher<Op, R> {
  readonly #options: BatcherOptions<Op, R>;
  #queue: Array<Pending<Op, R>> = [];
  #inFlight = 0;
  /** A flush is scheduled for the next turn of the event loop. */
  #scheduled = false;

  constructor(options: BatcherOptions<Op, R>) {
    this.#options = options;
  }

  submit(op: Op): R | Promise<R> {
    if (this.#options.engine === 'sync' && !this.#options.mayWait?.(op)) return this.#runNow(op);
    return this.#enqueue(op);
  }

  #enqueue(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      if (!this.#scheduled && this.#inFlight === 0) this.#schedule();
    });
  }

  /** sync: runs `op` with everything queued, in one transaction, and answers it synchronously. */
  #runNow(op: Op): R {
    const queued = this.#queue.splice(0, this.#options.maxSize - 1);
    if (queued.length === 0) return (this.#options.run([op]) as R[])[0]!;
    let results: R[];
    try {
      results = this.#options.run([...queued.map((p) => p.op), op]) as R[];
    } catch {
      // Rolled back as a whole: each op alone, so that one op the database refuses fails only its call.
      for (const p of queued) this.#runAlone(p);
      return (this.#options.run([op]) as R[])[0]!;
    }
    queued.forEach((p, i) => p.resolve(results[i]!));
    return results[queued.length]!;
  }

  /**
   * sync: runs what waits now instead of at the next turn of the event loop (a store closing:
   * a settlement waiting for its turn's transaction is committed before the file is closed).
   */
  drain(): void {
    if (this.#options.engine === 'sync') this.#flush();
  }

  #runAlone(p: Pending<Op, R>): void {
    try {
      p.resolve((this.#options.run([p.op]) as R[])[0]!);
    } catch (error) {
      p.reject(error);
    }
  }

  #schedule(): void {
    this.#scheduled = true;
    setImmediate(this.#flush);
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#options.engine === 'remote') return this.#pump();
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxSize);
      let results: R[];
      try {
        results = this.#options.run(batch.map((p) => p.op)) as R[];
      } catch {
        for (const p of batch) this.#runAlone(p);
        continue;
      }
      batch.forEach((p, i) => p.resolve(results[i]!));
    }
  };

  /** remote: sends batches while fewer than `maxInFlight` are on their way. */
  #pump(): void {
    const { maxInFlight = 1, maxSize } = this.#options;
    while (this.#inFlight < maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, maxSize);
      this.#inFlight++;
      void this.#send(batch).finally(() => {
        this.#inFlight--;
        // What queued while this batch was on its way has waited enough: it goes now.
        this.#pump();
      });
    }
  }

  async #send(batch: Array<Pending<Op, R>>): Promise<void> {
    try {
      const results = await this.#options.run(batch.map((p) => p.op));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1 || this.#options.retryAlone === false) {
        for (const p of batch) p.reject(error);
        return;
      }
      // The transaction rolled back as a whole: each op is tried alone, so that one op the
      // database refuses fails only its own call.
      await Promise.all(batch.map((p) => this.#send([p])));
    }
  }
}
