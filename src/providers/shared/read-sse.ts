import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ProviderResponse } from '../transport/provider-transport.js';

/**
 * Yields the server-sent events of a response body as they arrive; stopping early cancels the
 * body, but after the event that says the stream is over (`complete`), when its rest is read
 * so that its connection is kept (see `ProviderResponse.chunks`).
 */
export async function* readSse(response: Pick<ProviderResponse, 'chunks'>, signal?: AbortSignal, complete?: () => boolean): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  for await (const value of response.chunks(signal, complete)) {
    parser.feed(decoder.decode(value, { stream: true }));
    for (let i = 0; i < pending.length; i++) yield pending[i]!;
    pending.length = 0;
  }
  // Per the SSE spec an event not terminated by a blank line is discarded: at the end of the
  // body it is the remains of a cut stream, not a message.
}
