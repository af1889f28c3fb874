import { GatewayError } from '../errors/gateway-error.js';
import { errorAnswer } from './openai-error.js';

/**
 * A gateway stream as Server-Sent Events, the way OpenAI streams: one `data: <chunk JSON>` event
 * per chunk, then `data: [DONE]`. Chunks are pulled as the client reads (backpressure reaches the
 * provider). An error after the first byte can no longer change the status: it is sent as a
 * `data: {"error": ...}` event, which OpenAI clients raise as an APIError, and the stream ends.
 * Returning the iterator early (the client went away) returns the gateway stream's: the upstream
 * request is closed and the reservation settled with what was delivered.
 */
export function sseEvents(stream: AsyncIterable<unknown>, onUnexpected: (error: unknown) => void): AsyncIterableIterator<string> {
  return startedOnReturn(generate(stream, onUnexpected));
}

/**
 * An async generator of SSE events whose early `return` (the client left) also reaches the
 * gateway stream it reads: an async generator returned before its first next() never runs its
 * body, so the gateway stream would never be iterated, so never settled (reservation held until
 * reservationTtlMs, no usage event) when the client left before the first write
 * (toNodeListener's `if (signal.aborted) return stop()`). It is started, then returned.
 */
export function startedOnReturn(events: AsyncGenerator<string, undefined>): AsyncIterableIterator<string> {
  let started = false;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      started = true;
      return events.next();
    },
    async return(value?: unknown) {
      if (!started) {
        started = true;
        await events.next().catch(() => {});
      }
      return events.return(value as undefined);
    },
  };
}

async function* generate(stream: AsyncIterable<unknown>, onUnexpected: (error: unknown) => void): AsyncGenerator<string, undefined> {
  try {
    for await (const chunk of stream) yield `data: ${JSON.stringify(chunk)}\n\n`;
  } catch (error) {
    if (!GatewayError.isInstance(error)) onUnexpected(error);
    yield `data: ${JSON.stringify(errorAnswer(error).body)}\n\n`;
    return undefined;
  }
  yield 'data: [DONE]\n\n';
  return undefined;
}
