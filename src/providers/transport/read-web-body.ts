import { DRAIN_MS } from './provider-transport.js';

/**
 * Yields the chunks of a fetch response's body as they arrive. Stopping early (a `break`, an error in
 * the consumer, an abort) cancels the body, which closes the upstream connection.
 *
 * With `signal`, an abort ends a pending read at once (rejecting with the signal's reason) even
 * when the body is not tied to the request's signal, as with a custom `fetch` or a mocked one.
 *
 * `complete` tells, when the consumer stops early, whether it stopped because the stream said it
 * was over (OpenAI's `[DONE]`, Anthropic's `message_stop`): the rest of the body (its end, a few
 * bytes behind) is then read in the background, so that the connection goes back to the pool. A
 * cancelled body closes its connection, and the next call pays a new one (and undici an abort
 * error, about 20 µs, for this one). Whatever is still unread after DRAIN_MS is cancelled.
 */
export async function* readWebBody(body: ReadableStream<Uint8Array>, signal?: AbortSignal, complete?: () => boolean): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  // Cancelling resolves a pending read with `done`; the abort is then rethrown below.
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (finished) reader.releaseLock();
    else if (complete?.() && !signal?.aborted) void drain(reader);
    else {
      // Not awaited: the cancel of a body that was teed (`response.clone()` by a fetch wrapper)
      // settles only once every branch is cancelled, and stopping must not wait for that.
      void reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
}

/** Reads what is left of a body to its end, or cancels it after DRAIN_MS. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), DRAIN_MS);
  // Never keeps a process alive.
  timer.unref?.();
  try {
    while (!(await reader.read()).done);
  } catch {
    // A body that failed after its stream was complete: nothing of it was needed.
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}
