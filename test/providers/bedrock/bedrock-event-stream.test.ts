// npm test: Bedrock's binary event stream decoded alone; milliseconds.
import { describe, expect, it } from 'vitest';
import { AwsEventStreamError, readAwsEventStream, type AwsEventStreamMessage } from '../../../src/providers/bedrock/read-aws-event-stream.js';
import { recordedFrames, streamEvents, streamException } from '../../helpers/bedrock-server.js';

/** A body delivering `bytes` in chunks of `size` bytes. */
function body(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, (offset += size)));
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ messages: AwsEventStreamMessage[]; error: unknown }> {
  const messages: AwsEventStreamMessage[] = [];
  try {
    for await (const message of readAwsEventStream(stream)) messages.push(message);
  } catch (error) {
    return { messages, error };
  }
  return { messages, error: undefined };
}

const FRAMES = recordedFrames();
const ALL = Buffer.concat(FRAMES);
const payload = (m: AwsEventStreamMessage) => JSON.parse(new TextDecoder().decode(m.body)) as unknown;

describe('AWS event stream decoder, against recorded frames', () => {
  it.each([1, 7, 64, ALL.length])('decodes every frame, headers and payload, in chunks of %i bytes', async (size) => {
    const { messages, error } = await readAll(body(ALL, size));

    expect(error).toBeUndefined();
    const events = streamEvents('bedrock-stream.events.json');
    expect(messages).toHaveLength(events.length + 1);
    events.forEach((event, i) => {
      expect(messages[i]!.headers).toEqual({ ':event-type': event.event, ':content-type': 'application/json', ':message-type': 'event' });
      expect(payload(messages[i]!)).toEqual(event.payload);
    });
    const exception = messages.at(-1)!;
    expect(exception.headers).toEqual({ ':exception-type': 'modelStreamErrorException', ':content-type': 'application/json', ':message-type': 'exception' });
    expect(payload(exception)).toEqual(streamException('modelStreamErrorException').payload);
  });

  it('rejects a frame whose message CRC does not match (a flipped payload byte)', async () => {
    const corrupt = FRAMES[1]!.slice();
    corrupt[30]! ^= 0x01;
    const { messages, error } = await readAll(body(Buffer.concat([FRAMES[0]!, corrupt, FRAMES[2]!]), 16));

    expect(messages).toHaveLength(1);
    expect(error).toBeInstanceOf(AwsEventStreamError);
    expect(error).toMatchObject({ kind: 'malformed' });
    expect((error as Error).message).toMatch(/^an event stream frame is corrupt: The message checksum/);
  });

  it('rejects a frame whose prelude CRC does not match', async () => {
    const corrupt = FRAMES[0]!.slice();
    corrupt[8]! ^= 0xff;
    const { messages, error } = await readAll(body(corrupt, 1024));

    expect(messages).toHaveLength(0);
    expect(error).toMatchObject({ kind: 'malformed' });
    expect((error as Error).message).toMatch(/The prelude checksum/);
  });

  it('rejects a frame that declares an impossible length without waiting for it', async () => {
    const corrupt = FRAMES[0]!.slice();
    new DataView(corrupt.buffer).setUint32(0, 0xfffffff0, false);
    const { error } = await readAll(body(corrupt, 1024));

    expect(error).toMatchObject({ kind: 'malformed' });
    expect((error as Error).message).toMatch(/impossible length/);
  });

  it('reports a body that ends in the middle of a frame as truncated', async () => {
    const cut = Buffer.concat([FRAMES[0]!, FRAMES[1]!.subarray(0, 40)]);
    const { messages, error } = await readAll(body(cut, 13));

    expect(messages).toHaveLength(1);
    expect(error).toMatchObject({ kind: 'truncated' });
    expect((error as Error).message).toBe('the stream ended in the middle of a frame (40 bytes left)');
  });

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false;
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(ALL);
        }
        // Then hold the connection open.
        return new Promise(() => {});
      },
      cancel() {
        cancelled = true;
      },
    });

    for await (const message of readAwsEventStream(stream)) {
      expect(message.headers[':event-type']).toBe('messageStart');
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled).toBe(true);
  });
});
