/**
 * Calls waiting for capacity (`wait`), in one process: each waits on the scope that refused it,
 * and is woken, highest priority first and then in arrival order, when that scope may have room
 * again: a concurrency slot given back (in this process, or in another when the store says so),
 * or the rate-limit window reset. Nothing polls: a waiter sleeps until one of those, its own
 * deadline, or its abort.
 *
 * A woken waiter tries again; admitted, it passes the turn on (the next may fit too: a window
 * that reset has room for many), refused, it waits again in its old place.
 */
export class WaitRoom {
  readonly #queues = new Map<string, Waiter[]>();
  /** The window resets being waited for, by scope: one timer per scope. */
  readonly #resets = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();
  #arrivals = 0;
  /**
   * Slots given back so far: a call refused by the store reads it before it asked, so that a
   * release made while the refusal was on its way is not missed (it tries again at once).
   */
  releases = 0;

  /** How many calls wait now (`gateway.stats()`). */
  get waiting(): number {
    let n = 0;
    for (const queue of this.#queues.values()) n += queue.length;
    return n;
  }

  /**
   * Waits for a turn on `scope`: resolves `{ woken: true }` when the scope may have room for this
   * call, `{ woken: false }` when `timeoutMs` ran out first, and rejects with the signal's reason
   * when it aborts. `resetInMs`: the window resets then (null: a concurrency limit, whose slots
   * come back as calls end). `place`: the place a call keeps when it waits again.
   */
  wait(scope: string, options: { priority: number; place?: number; resetInMs: number | null; timeoutMs: number; signal?: AbortSignal | undefined }): Promise<{ woken: boolean; place: number }> {
    const place = options.place ?? this.#arrivals++;
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { priority: options.priority, place, wake: () => end({ woken: true, place }) };
      const onAbort = () => {
        this.#leave(scope, waiter);
        cleanup();
        reject(signal!.reason);
      };
      const deadline = setTimeout(() => {
        this.#leave(scope, waiter);
        cleanup();
        resolve({ woken: false, place });
      }, Math.max(0, options.timeoutMs));
      const cleanup = () => {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
      };
      const end = (turn: { woken: boolean; place: number }) => {
        cleanup();
        resolve(turn);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#enter(scope, waiter);
      if (options.resetInMs !== null) this.#resetAt(scope, options.resetInMs);
    });
  }

  /** A slot of `scope` was given back: its first waiter tries again. */
  released(scope: string): void {
    this.releases++;
    this.#wakeFirst(scope);
  }

  /** Every scope's first waiter tries again (releases may have gone unheard). */
  retryAll(): void {
    for (const scope of [...this.#queues.keys()]) this.#wakeFirst(scope);
  }

  /** A woken waiter was admitted: the next one of the scope tries too. */
  passOn(scope: string): void {
    this.#wakeFirst(scope);
  }

  #wakeFirst(scope: string): void {
    const queue = this.#queues.get(scope);
    const first = queue?.shift();
    if (!first) return;
    if (queue!.length === 0) this.#queues.delete(scope);
    first.wake();
  }

  /** In order: higher priority first, then the earlier place. */
  #enter(scope: string, waiter: Waiter): void {
    let queue = this.#queues.get(scope);
    if (!queue) this.#queues.set(scope, (queue = []));
    let i = queue.length;
    while (i > 0 && before(waiter, queue[i - 1]!)) i--;
    queue.splice(i, 0, waiter);
  }

  #leave(scope: string, waiter: Waiter): void {
    const queue = this.#queues.get(scope);
    if (!queue) return;
    const i = queue.indexOf(waiter);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) this.#queues.delete(scope);
  }

  /** At the window's reset, the scope's first waiter tries again (and passes the turn on if admitted). */
  #resetAt(scope: string, inMs: number): void {
    const at = Date.now() + inMs;
    const pending = this.#resets.get(scope);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#resets.delete(scope);
      this.#wakeFirst(scope);
    }, Math.max(0, inMs));
    timer.unref?.();
    this.#resets.set(scope, { at, timer });
  }
}

interface Waiter {
  priority: number;
  place: number;
  wake(): void;
}

const before = (a: Waiter, b: Waiter) => a.priority > b.priority || (a.priority === b.priority && a.place < b.place);
