import { HttpError } from './openai-error.js';

/**
 * Reads a body stream, refusing it with 413 as soon as it is known to be larger than `maxBytes`:
 * from the declared length, else while it streams in (an endless body is never buffered).
 */
export async function readBody(chunks: AsyncIterable<Uint8Array>, declaredLength: string | null, maxBytes: number, cancel: () => void): Promise<Buffer> {
  if (declaredLength !== null && Number(declaredLength) > maxBytes) {
    cancel();
    throw bodyTooLarge(maxBytes);
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of chunks) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        cancel();
        throw bodyTooLarge(maxBytes);
      }
      parts.push(chunk);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // The client went away before its body was in (a reset, a closed connection): its doing, not
    // a failure of the gateway to report, and nobody is left to read the answer.
    throw new HttpError(499, 'request_aborted', 'The client closed the connection before the request body was complete.');
  }
  return Buffer.concat(parts, size);
}

export const bodyTooLarge = (maxBytes: number) => new HttpError(413, 'request_too_large', `The request body is larger than ${maxBytes} bytes.`);

/** The body as a JSON object, or a 400 that says what is wrong with it (never quoting it). */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) throw new HttpError(400, 'invalid_json', 'The request has no body: send a JSON object.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    // Not JSON.parse's message: V8 quotes the input in it, and the body may hold anything.
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'invalid_json', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
