export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * The signal of one attempt: aborted by the caller's signal, or by a timeout of its own.
 *
 * `AbortSignal.any` would link the signals, but it only exists from Node 20.3, it cannot tell a
 * timeout from the caller's abort, and it cannot stop the timer once a stream has started.
 * The AbortSignal is created on first read: it costs microseconds and some adapters never need
 * one (the mock, a cache). The deadline counts from the attempt's start either way. A class,
 * not an object literal with getters, because V8 creates those slowly.
 */
export class AttemptSignal {
  readonly #parent: AbortSignal | undefined;
  readonly #timeoutMs: number;
  readonly #start = performance.now();
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timing = true;
  #timedOut = false;
  #onAbort: (() => void) | undefined;

  constructor(parent: AbortSignal | undefined, timeoutMs: number) {
    this.#parent = parent;
    this.#timeoutMs = timeoutMs;
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = (this.#controller = new AbortController());
    const parent = this.#parent;
    if (parent?.aborted) controller.abort(parent.reason);
    else if (parent) {
      this.#onAbort = () => controller.abort(parent.reason);
      parent.addEventListener('abort', this.#onAbort, { once: true });
    }
    if (this.#timing) {
      const remaining = Math.max(0, this.#timeoutMs - (performance.now() - this.#start));
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        controller.abort(new TimeoutError(this.#timeoutMs));
      }, remaining);
    }
    return controller.signal;
  }

  /** True once the timeout (not the caller) aborted the attempt. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Stops the timeout, keeping the link to the caller's signal (a stream that started). */
  clearTimeout(): void {
    this.#timing = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Releases the timer and the listener on the caller's signal. */
  dispose(): void {
    this.clearTimeout();
    if (this.#onAbort) this.#parent?.removeEventListener('abort', this.#onAbort);
  }
}
