/** A signal for one attempt: aborted by the caller's signal, or by a timeout of its own. */
export interface AttemptSignal {
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
 * `AbortSignal.any` would do this, but it only exists from Node 20.3 and does not let us tell a
 * timeout from the caller's abort or stop the timer once a stream has started.
 */
export function linkSignal(parent: AbortSignal | undefined, timeoutMs: number): AttemptSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(parent!.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
    timedOut = true;
    controller.abort(new TimeoutError(timeoutMs));
  }, timeoutMs);
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clearTimeout() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
