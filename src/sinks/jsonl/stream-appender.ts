import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { withTimeout } from '../../util/with-timeout.js';
import { SinkClosedError, type LineWriter } from './line-writer.js';

export interface StreamAppenderOptions {
  /** End the stream on close (only when the caller handed its ownership to the sink). */
  end: boolean;
  /** Bound on waiting for the stream in flush and close. */
  timeoutMs: number;
}

/**
 * Writes to a stream someone else opened (`process.stdout`, a socket, a file stream), one
 * `write` call per batch, respecting its backpressure.
 *
 * A batch is handed over only when the stream has room: when a write returned false, the next
 * batch waits for `'drain'` (abortable by its delivery signal) before it is written. So a batch
 * that times out is never written, and `dropped` in `gateway.stats()` counts exactly the events
 * missing from the stream. At most one batch sits above the stream's highWaterMark.
 */
export class StreamAppender implements LineWriter {
  readonly #stream: Writable;
  readonly #options: StreamAppenderOptions;
  #closed = false;
  #needDrain = false;
  /** The stream's first error: an 'error' event nobody listens to would crash the process. */
  #error: Error | null = null;
  /** Settles once the last chunk handed over is written out (its write callback). */
  #lastWrite: Promise<Error | null> = Promise.resolve(null);

  constructor(stream: Writable, options: StreamAppenderOptions) {
    this.#stream = stream;
    this.#options = options;
    stream.on('error', (error: Error) => {
      this.#error ??= error;
    });
  }

  async write(text: string, signal: AbortSignal): Promise<void> {
    this.#check();
    if (this.#needDrain || this.#stream.writableNeedDrain) await this.#drain(signal);
    signal.throwIfAborted();
    this.#check();
    this.#lastWrite = new Promise((resolve) => {
      this.#needDrain = !this.#stream.write(text, (error) => resolve(error ?? null));
    });
  }

  async flush(): Promise<void> {
    const error = await withTimeout(this.#lastWrite, this.#options.timeoutMs, 'jsonl sink: the stream');
    if (error) throw error;
    if (this.#error) throw this.#error;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#options.end) return this.flush();
    const stream = this.#stream;
    if (stream.writableFinished) return;
    if (!stream.writableEnded) stream.end();
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    try {
      // 'finish': everything written out. finished() also rejects on an error or a premature close.
      await finished(stream, { readable: false, signal: timeout });
    } catch (error) {
      throw timeout.aborted ? new Error(`jsonl sink: the stream did not finish within ${this.#options.timeoutMs} ms`) : error;
    }
  }

  #check(): void {
    if (this.#closed) throw new SinkClosedError('the stream');
    if (this.#error) throw this.#error;
    const stream = this.#stream;
    if (stream.destroyed || stream.writableEnded) throw new SinkClosedError('the stream (ended by its owner)');
  }

  /** Waits for 'drain'; rejects when the delivery is abandoned, the stream fails or closes first. */
  async #drain(signal: AbortSignal): Promise<void> {
    const stream = this.#stream;
    const controller = new AbortController();
    const stop = () => controller.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    try {
      // once() rejects on 'error' by itself; 'close' without 'drain' means the data will never go.
      await Promise.race([
        once(stream, 'drain', { signal: controller.signal }),
        once(stream, 'close', { signal: controller.signal }).then(() => {
          throw new SinkClosedError('the stream (closed before it drained)');
        }),
      ]);
      this.#needDrain = false;
    } catch (error) {
      throw signal.aborted ? signal.reason : error;
    } finally {
      signal.removeEventListener('abort', stop);
      controller.abort();
    }
  }
}
