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
export async function* sseEvents(stream: AsyncIterable<unknown>, onUnexpected: (error: unknown) => void): AsyncIterableIterator<string> {
  try {
    for await (const chunk of stream) yield `data: ${JSON.stringify(chunk)}\n\n`;
  } catch (error) {
    if (!GatewayError.isInstance(error)) onUnexpected(error);
    yield `data: ${JSON.stringify(errorAnswer(error).body)}\n\n`;
    return;
  }
  yield 'data: [DONE]\n\n';
}
