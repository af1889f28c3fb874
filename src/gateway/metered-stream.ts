import { RequestAbortedError } from '../errors/runtime-errors.js';
import { estimateUsage } from '../usage/estimate-tokens.js';
import type { ChatCompletionChunk, ChatRequestBody, FinishReason } from '../usage/chat-types.js';
import type { StreamPart } from '../providers/spec.js';
import type { Usage } from '../usage/usage.js';
import type { CallEnd } from './usage-record.js';

export interface MeterOptions {
  /** The caller's signal: aborting it ends the stream even while nobody reads it. */
  signal: AbortSignal | undefined;
  /** A stream not read for this long is abandoned (closed, settled, its event sent); 0: never. */
  idleTimeoutMs: number;
  /** Records why a stream was abandoned, on its usage event. */
  warn(message: string): void;
}

/** What a stream's chunks tell the meter as they pass: who answered, how much, how many tool calls. */
export interface StreamTally {
  servedModel: string | null;
  /** Characters of output delivered (text, tool calls): the usage estimate of a stream cut short. */
  outputChars: number;
  toolCallCount: number;
}

/** Adds one chunk to the tally (an object shared by the stream's chunks: nothing is allocated per chunk). */
export type ChunkMeasure<Chunk> = (chunk: Chunk, tally: StreamTally) => void;

/** Chat chunks: the text and tool-call deltas of every choice. */
export const measureChatChunk: ChunkMeasure<ChatCompletionChunk> = (chunk, tally) => {
  tally.servedModel ??= chunk.model;
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    let chars = delta.content?.length ?? 0;
    if (delta.tool_calls) {
      for (const call of delta.tool_calls) {
        chars += (call.function?.name?.length ?? 0) + (call.function?.arguments?.length ?? 0);
        // A tool call's id comes with its first delta only.
        if (call.id) tally.toolCallCount++;
      }
    }
    tally.outputChars += chars;
  }
};

/**
 * Streams dropped unread and collected by the garbage collector before they ended: closed and
 * settled then, instead of holding their reservation until it expires.
 */
const dropped = new FinalizationRegistry<() => void>((abandon) => abandon());

/**
 * Taps a stream on its way to the caller: time to first token, the text delivered (to estimate
 * usage when the provider never reports it, e.g. a cut stream) and the final usage. Never
 * buffers: each chunk is passed on as it arrives. `onEnd` runs exactly once, however it ends:
 * completed, failed, aborted, or abandoned by the caller — by `break`, by aborting its signal
 * (even while not reading), by not reading for `idleTimeoutMs`, or by dropping the stream
 * unread. An abandoned stream closes the upstream request and settles what was delivered.
 */
export function meterStream<Chunk = ChatCompletionChunk>(
  parts: AsyncIterable<StreamPart<Chunk>>,
  request: ChatRequestBody,
  t0: number,
  onEnd: (end: CallEnd) => void,
  options: MeterOptions,
  measure: ChunkMeasure<Chunk> = measureChatChunk as unknown as ChunkMeasure<Chunk>,
): AsyncIterable<Chunk> {
  let usage: Usage | null = null;
  /** Usage the provider reported before its finish (the input, say). */
  let partial: Usage | null = null;
  let finishReason: FinishReason | null = null;
  const tally: StreamTally = { servedModel: null, outputChars: 0, toolCallCount: 0 };
  let ttftMs: number | null = null;
  let ended = false;
  /** Why the gateway stopped the stream itself; then reading it again throws this. */
  let abandoned: RequestAbortedError | null = null;
  let generator: AsyncGenerator<Chunk> | null = null;
  /** A `next()` of the caller is in progress: the stream is being read. */
  let reading = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Unregisters the stream from `dropped` once it ended (an object of its own: never the stream). */
  const registration = {};

  const end = (error?: unknown, cancelled?: boolean) => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    dropped.unregister(registration);
    options.signal?.removeEventListener('abort', onAbort);
    onEnd({
      usage: usage ?? fromPartial(partial, request, tally.outputChars),
      finishReason,
      servedModel: tally.servedModel,
      ttftMs,
      toolCallCount: tally.toolCallCount,
      error,
      cancelled,
    });
  };

  /** Stops a stream nobody is reading: settles it now, then closes the upstream request. */
  const abandon = (reason: string) => {
    if (ended || reading) return;
    abandoned = new RequestAbortedError(reason);
    options.warn(reason);
    end(undefined, true);
    void closeUpstream();
  };
  const onAbort = () => abandon('the caller aborted the stream');
  const idle = () => abandon(`stream abandoned: not read for ${options.idleTimeoutMs} ms`);
  /** (Re)starts the idle clock: one timer for the whole stream, refreshed after each read, not one per chunk. */
  const arm = () => {
    if (options.idleTimeoutMs <= 0 || ended) return;
    if (timer !== undefined) {
      timer.refresh();
      return;
    }
    timer = setTimeout(idle, options.idleTimeoutMs);
    // A stream left unread must not keep the process alive.
    timer.unref?.();
  };

  const closeUpstream = async () => {
    try {
      if (generator) await generator.return(undefined);
      else {
        // Never read: its first part is buffered already, so starting it costs no I/O, and only a
        // started generator runs its cleanup (releasing the attempt, closing the connection).
        const iterator = parts[Symbol.asyncIterator]();
        await iterator.next();
        await iterator.return?.();
      }
    } catch {
      // Closing a stream that failed meanwhile: its failure is moot, the call is settled.
    }
  };

  async function* run(): AsyncGenerator<Chunk> {
    try {
      for await (const part of parts) {
        if (part.type === 'usage') {
          partial = part.usage;
          continue;
        }
        if (part.type === 'finish') {
          usage = part.usage;
          finishReason = part.finishReason;
          continue;
        }
        const chunk = part.chunk;
        const before = tally.outputChars;
        measure(chunk, tally);
        if (ttftMs === null && tally.outputChars > before) ttftMs = Math.round((performance.now() - t0) * 1000) / 1000;
        yield chunk;
      }
      end();
    } catch (error) {
      end(error);
      throw error;
    } finally {
      // Reached without `end` only when the caller stopped iterating.
      end(undefined, true);
    }
  }

  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  arm();

  let started = false;
  const stream: AsyncIterable<Chunk> = {
    [Symbol.asyncIterator]() {
      if (started) throw new Error('this stream has already been read: a stream can be iterated once');
      started = true;
      const gen = (generator = run());
      const iterator: AsyncIterableIterator<Chunk> = {
        [Symbol.asyncIterator]() {
          return iterator;
        },
        async next() {
          if (abandoned) throw abandoned;
          // The idle clock keeps running while a read waits for the provider: it fires then
          // without effect (a stream being read is not abandoned), and the read re-arms it.
          reading = true;
          try {
            return await gen.next();
          } finally {
            reading = false;
            arm();
          }
        },
        return(value?: unknown) {
          clearTimeout(timer);
          return gen.return(value as undefined);
        },
      };
      // From now on the caller holds the iterator (a `for await` keeps only it): watch that instead.
      dropped.unregister(registration);
      if (!ended) dropped.register(iterator, onDropped, registration);
      return iterator;
    },
  };
  // The registry holds the abandon function, never the stream (or it would never be collected).
  const onDropped = () => abandon('stream dropped unread');
  dropped.register(stream, onDropped, registration);
  return stream;
}

/**
 * Usage of a stream that ended without its final figures: the provider's partial report (its
 * input, exactly) with the output estimated from what was delivered; an estimate of both without one.
 */
function fromPartial(partial: Usage | null, request: ChatRequestBody, outputChars: number): Usage {
  const estimate = estimateUsage(request, outputChars);
  if (!partial) return estimate;
  const outputTokens = Math.max(partial.outputTokens, estimate.outputTokens);
  return { ...partial, outputTokens, totalTokens: partial.inputTokens + outputTokens, estimated: true };
}
