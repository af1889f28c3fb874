import { estimateUsage } from '../usage/estimate-tokens.js';
import type { ChatCompletionChunk, ChatRequestBody, FinishReason } from '../usage/chat-types.js';
import type { StreamPart } from '../providers/spec.js';
import type { Usage } from '../usage/usage.js';
import type { CallEnd } from './usage-record.js';

/**
 * Taps a stream on its way to the caller: time to first token, the text delivered (to estimate
 * usage when the provider never reports it, e.g. a cut stream) and the final usage. Never
 * buffers: each chunk is passed on as it arrives. `onEnd` runs exactly once, however it ends:
 * completed, failed, aborted, or abandoned by the caller (`break`).
 */
export function meterStream(
  parts: AsyncIterable<StreamPart>,
  request: ChatRequestBody,
  t0: number,
  onEnd: (end: CallEnd) => void,
): AsyncIterable<ChatCompletionChunk> {
  let started = false;
  return {
    [Symbol.asyncIterator]() {
      if (started) throw new Error('this stream has already been read: a stream can be iterated once');
      started = true;
      return run();
    },
  };

  async function* run(): AsyncGenerator<ChatCompletionChunk> {
    let usage: Usage | null = null;
    /** Usage the provider reported before its finish (the input, say). */
    let partial: Usage | null = null;
    let finishReason: FinishReason | null = null;
    let servedModel: string | null = null;
    let ttftMs: number | null = null;
    let outputChars = 0;
    let toolCallCount = 0;
    let ended = false;
    const end = (error?: unknown, cancelled?: boolean) => {
      ended = true;
      onEnd({ usage: usage ?? fromPartial(partial, request, outputChars), finishReason, servedModel, ttftMs, toolCallCount, error, cancelled });
    };
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
        servedModel ??= chunk.model;
        for (const choice of chunk.choices) {
          const delta = choice.delta;
          let chars = delta.content?.length ?? 0;
          if (delta.tool_calls) {
            for (const call of delta.tool_calls) {
              chars += (call.function?.name?.length ?? 0) + (call.function?.arguments?.length ?? 0);
              // A tool call's id comes with its first delta only.
              if (call.id) toolCallCount++;
            }
          }
          if (chars > 0 && ttftMs === null) ttftMs = Math.round((performance.now() - t0) * 1000) / 1000;
          outputChars += chars;
        }
        yield chunk;
      }
      end();
    } catch (error) {
      if (!ended) end(error);
      throw error;
    } finally {
      // Reached without `end` only when the caller stopped iterating.
      if (!ended) end(undefined, true);
    }
  }
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
