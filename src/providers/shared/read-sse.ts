import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Yields the server-sent events of a response body as they arrive. Stopping early (a `break`,
 * an abort) cancels the body, which closes the upstream connection.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      for (let i = 0; i < pending.length; i++) yield pending[i]!;
      pending.length = 0;
    }
    // Per the SSE spec an event not terminated by a blank line is discarded: at the end of the
    // body it is the remains of a cut stream, not a message.
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
