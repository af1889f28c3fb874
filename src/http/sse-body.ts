import { GatewayError } from '../errors/gateway-error.js';
import { startedOnReturn } from '../util/started-on-return.js';
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

/**
 * A Responses stream as Server-Sent Events, the way OpenAI sends them: `event: <type>` and
 * `data: <event JSON>` each. An error after the first byte is an `error` event (OpenAI's: `code`,
 * `message`, `param`, numbered after the last event), which OpenAI clients and the AI SDK raise.
 */
export function responsesSse(events: AsyncIterable<{ type: string; sequence_number?: number }>, onUnexpected: (error: unknown) => void): AsyncIterableIterator<string> {
  return startedOnReturn(generateResponses(events, onUnexpected));
}

async function* generateResponses(events: AsyncIterable<{ type: string; sequence_number?: number }>, onUnexpected: (error: unknown) => void): AsyncGenerator<string, undefined> {
  let sequence = 0;
  try {
    for await (const event of events) {
      if (typeof event.sequence_number === 'number') sequence = event.sequence_number + 1;
      yield `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    }
  } catch (error) {
    if (!GatewayError.isInstance(error)) onUnexpected(error);
    const { error: e } = errorAnswer(error).body;
    yield `event: error\ndata: ${JSON.stringify({ type: 'error', code: e.code ?? e.type, message: e.message, param: e.param ?? null, sequence_number: sequence })}\n\n`;
  }
  return undefined;
}
