/**
 * Yields the chunks of a response body as they arrive. Stopping early (a `break`, an error in
 * the consumer, an abort) cancels the body, which closes the upstream connection.
 *
 * With `signal`, an abort ends a pending read at once (rejecting with the signal's reason) even
 * when the body is not tied to the request's signal, as with a custom `fetch` or a mocked one.
 */
export async function* readBody(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
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
    // Not awaited: the cancel of a body that was teed (`response.clone()` by a fetch wrapper)
    // settles only once every branch is cancelled, and stopping must not wait for that.
    if (!finished) void reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
