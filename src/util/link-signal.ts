/** A signal for one attempt: aborted by the caller's signal, or by a timeout of its own. */
export interface AttemptSignal {
  /** Created on first read: an AbortSignal costs microseconds, and some adapters never need one. */
  readonly signal: AbortSignal;
  /** True once the timeout (not the caller) aborted the attempt. */
  readonly timedOut: boolean;
  /** Stops the timeout, keeping the link to the caller's signal (a stream that started). */
  clearTimeout(): void;
  /** Releases the timer and the listener on the caller's signal. */
  dispose(): void;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * `AbortSignal.any` would link the signals, but it only exists from Node 20.3, it cannot tell a
 * timeout from the caller's abort, and it cannot stop the timer once a stream has started.
 * The deadline counts from the attempt's start, whenever the signal is first read.
 */
export function linkSignal(parent: AbortSignal | undefined, timeoutMs: number): AttemptSignal {
  const start = performance.now();
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  let timing = true;
  const onAbort = () => controller!.abort(parent!.reason);
  const stopTimer = () => {
    timing = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    get signal() {
      if (controller) return controller.signal;
      const c = (controller = new AbortController());
      if (parent?.aborted) c.abort(parent.reason);
      else parent?.addEventListener('abort', onAbort, { once: true });
      if (timing) {
        timer = setTimeout(
          () => {
            timedOut = true;
            c.abort(new TimeoutError(timeoutMs));
          },
          Math.max(0, timeoutMs - (performance.now() - start)),
        );
      }
      return c.signal;
    },
    get timedOut() {
      return timedOut;
    },
    clearTimeout: stopTimer,
    dispose() {
      stopTimer();
      if (controller) parent?.removeEventListener('abort', onAbort);
    },
  };
}
