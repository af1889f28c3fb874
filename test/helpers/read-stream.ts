import type { ChatCompletionChunk } from '../../src/index.js';

/** Reads a stream to its end; an error in the stream fails the caller. */
export async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/**
 * Reads a stream to its end or its error, keeping what was delivered before the error.
 * `onChunk` sees the chunks so far after each one: the point to abort or reset the connection.
 */
export async function drain(
  stream: AsyncIterable<ChatCompletionChunk>,
  onChunk?: (chunks: readonly ChatCompletionChunk[]) => void,
): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      onChunk?.(chunks);
    }
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

/** Reads the first `count` chunks, then stops reading (leaving the loop cancels the stream). */
export async function readFirst(stream: AsyncIterable<ChatCompletionChunk>, count: number): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (chunks.length === count) break;
  }
  return chunks;
}
