import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Yields the server-sent events of a response body as they arrive. Stopping early (a `break`,
 * an abort) cancels the body, which closes the upstream connection.
 *
 * With `signal`, an abort ends a pending read at once (rejecting with the signal's reason) even
 * when the body is not tied to the request's signal, as with a custom `fetch` or a mocked one.
 */
export async function* readSse(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
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
      parser.feed(decoder.decode(value, { stream: true }));
      for (let i = 0; i < pending.length; i++) yield pending[i]!;
      pending.length = 0;
    }
    // Per the SSE spec an event not terminated by a blank line is discarded: at the end of the
    // body it is the remains of a cut stream, not a message.
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Not awaited: the cancel of a body that was teed (`response.clone()` by a fetch wrapper)
    // settles only once every branch is cancelled, and stopping must not wait for that.
    if (!finished) void reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
