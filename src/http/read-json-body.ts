import { HttpError } from './openai-error.js';

/**
 * The request's JSON body, refused with 413 as soon as it is known to be larger than `maxBytes`
 * (from Content-Length, else while it streams in: an endless body is never buffered), and with
 * 400 when it is not a JSON object.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) throw new HttpError(400, 'invalid_json', 'The request has no body: send a JSON object.');
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks, size).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON.parse's message: V8 quotes the input in it, and the body may hold anything.
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'invalid_json', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

const tooLarge = (maxBytes: number) => new HttpError(413, 'request_too_large', `The request body is larger than ${maxBytes} bytes.`);
