import { GatewayError } from '../errors/gateway-error.js';
import { errorAnswer } from './openai-error.js';

const encoder = new TextEncoder();
const DONE = encoder.encode('data: [DONE]\n\n');

/**
 * A gateway stream as Server-Sent Events, the way OpenAI streams: one `data: <chunk JSON>` event
 * per chunk, then `data: [DONE]`. Chunks are pulled as the client reads (backpressure reaches the
 * provider). An error after the first byte can no longer change the status: it is sent as a
 * `data: {"error": ...}` event, which OpenAI clients raise as an APIError, and the stream ends.
 * A client that goes away cancels the body, which stops the gateway stream: the upstream request
 * is closed and the reservation settled with what was delivered.
 */
export function sseBody(stream: AsyncIterable<unknown>, onUnexpected: (error: unknown) => void): ReadableStream<Uint8Array> {
  const iterator = stream[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) {
          controller.enqueue(DONE);
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
      } catch (error) {
        if (!GatewayError.isInstance(error)) onUnexpected(error);
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(errorAnswer(error).body)}\n\n`));
        controller.close();
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
