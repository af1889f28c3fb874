import type { ChatCompletion, FinishReason, ToolCall } from '../../usage/chat-types.js';
import { toCompletionUsage } from '../shared/completion-usage.js';
import type { Usage } from '../../usage/usage.js';
import type { converseResponseSchema } from './bedrock-api.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';

export interface ConvertedResponse {
  completion: ChatCompletion;
  usage: Usage;
  finishReason: FinishReason | null;
}

/**
 * A Converse response as an OpenAI chat completion: text blocks joined into `content`, `toolUse`
 * blocks as `tool_calls` (arguments = the JSON of the input), the stop reason mapped, usage
 * normalized. Reasoning blocks have no place in the format: they are dropped, with a warning.
 */
export function convertBedrockResponse(
  response: z.infer<typeof converseResponseSchema>,
  model: string,
  requestId: string | null,
  warn: (message: string) => void,
): ConvertedResponse {
  let content: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of response.output.message.content) {
    if (block.text !== undefined) content = (content ?? '') + block.text;
    else if (block.toolUse) {
      toolCalls.push({
        id: block.toolUse.toolUseId,
        type: 'function',
        function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) },
      });
    } else if (block.reasoningContent !== undefined) warn(REASONING_DROPPED);
  }
  const usage = convertBedrockUsage(response.usage);
  const finishReason = mapBedrockStopReason(response.stopReason);
  const completion: ChatCompletion = {
    id: completionId(requestId),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: finishReason,
        logprobs: null,
      },
    ],
    usage: toCompletionUsage(usage),
  };
  return { completion, usage, finishReason };
}

export const REASONING_DROPPED = 'bedrock: reasoning content has no place in the chat completion format: not returned';

/** OpenAI-style id, from Bedrock's request id when there is one. */
export function completionId(requestId: string | null): string {
  return `chatcmpl-${requestId ?? randomUUID()}`;
}
