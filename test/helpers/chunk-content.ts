import type { ChatCompletionChunk } from '../../src/index.js';

/** The text streamed for choice `index`, deltas joined. */
export const streamedText = (chunks: readonly ChatCompletionChunk[], index = 0) =>
  chunks.map((c) => c.choices.find((choice) => choice.index === index)?.delta.content ?? '').join('');

/** Reassembles streamed tool-call deltas the way an OpenAI client does. */
export function collectToolCalls(chunks: readonly ChatCompletionChunk[]) {
  const calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.function.name += delta.function.name;
        if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
      }
    }
  }
  return calls;
}
