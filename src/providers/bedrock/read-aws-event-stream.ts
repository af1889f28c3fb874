import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { readWebBody } from '../transport/read-web-body.js';

/** One decoded `application/vnd.amazon.eventstream` message: string headers and the raw payload. */
export interface AwsEventStreamMessage {
  /** String-valued headers (`:message-type`, `:event-type`, `:exception-type`, `:content-type`...). */
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * The event stream could not be read: a frame failed its CRC or declared an impossible length
 * (`malformed`), or the body ended in the middle of a frame (`truncated`, a cut connection).
 */
export class AwsEventStreamError extends Error {
  constructor(
    readonly kind: 'malformed' | 'truncated',
    message: string,
  ) {
    super(message);
    this.name = 'AwsEventStreamError';
  }
}

/** 4-byte total length, 4-byte headers length, 4-byte prelude CRC. */
const PRELUDE_LENGTH = 12;
/** Prelude plus the trailing message CRC: the smallest possible frame. */
const MIN_FRAME = 16;
/** The format caps a message at 16 MiB of payload and 128 KiB of headers. */
const MAX_FRAME = 16 * 1024 * 1024 + 128 * 1024 + MIN_FRAME;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/**
 * Yields the messages of an AWS event stream as their frames complete, whatever the network
 * chunking. Each frame's prelude and message CRC32 are checked (by the smithy codec): a corrupt
 * frame throws an `AwsEventStreamError`, never a partial message. Stopping early (a `break`, an
 * abort) cancels the body, which closes the upstream connection.
 */
export async function* readAwsEventStream(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<AwsEventStreamMessage> {
  let buffer: Uint8Array = new Uint8Array(0);
  for await (const value of readWebBody(body, signal)) {
    buffer = buffer.length === 0 ? value : concat(buffer, value);
    let offset = 0;
    while (buffer.length - offset >= PRELUDE_LENGTH) {
      const view = new DataView(buffer.buffer, buffer.byteOffset + offset, PRELUDE_LENGTH);
      const length = view.getUint32(0, false);
      if (length < MIN_FRAME || length > MAX_FRAME) {
        throw new AwsEventStreamError('malformed', `an event stream frame declares an impossible length (${length} bytes)`);
      }
      if (buffer.length - offset < length) break;
      yield decode(buffer.subarray(offset, offset + length));
      offset += length;
    }
    buffer = offset === 0 ? buffer : buffer.slice(offset);
  }
  if (buffer.length > 0) throw new AwsEventStreamError('truncated', `the stream ended in the middle of a frame (${buffer.length} bytes left)`);
}

function decode(frame: Uint8Array): AwsEventStreamMessage {
  let message;
  try {
    message = codec.decode(frame);
  } catch (error) {
    throw new AwsEventStreamError('malformed', `an event stream frame is corrupt: ${error instanceof Error ? error.message : String(error)}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(message.headers)) {
    if (header.type === 'string') headers[name] = header.value;
  }
  // The codec's body is a view into the frame's buffer: copy it, the buffer is reused.
  return { headers, body: message.body.slice() };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
