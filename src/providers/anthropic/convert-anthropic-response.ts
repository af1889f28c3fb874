import type { ChatCompletion, ToolCall } from '../../usage/chat-types.js';
import { isTextContent, isToolUseContent, type AnthropicMessage } from './anthropic-api.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

/**
 * An Anthropic message to an OpenAI `chat.completion`: text blocks joined as the content,
 * `tool_use` blocks as `tool_calls` (input serialized as the arguments string). Blocks a chat
 * completion cannot carry (`thinking`, server tool results...) are left out, with a warning.
 * The caller adds `usage`.
 */
export function convertAnthropicResponse(
  message: AnthropicMessage,
  options: { jsonTool: string | null; created: number; warn: (message: string) => void },
): ChatCompletion {
  let text = '';
  let json: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (isTextContent(block)) {
      text += block.text;
    } else if (isToolUseContent(block)) {
      if (options.jsonTool && block.name === options.jsonTool) json = (json ?? '') + JSON.stringify(block.input ?? {});
      else toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    } else {
      options.warn(omitted(block.type));
    }
  }
  // JSON mode: the forced tool's input is the answer; text around it would make it unparsable.
  if (json !== null && text) options.warn(TEXT_BESIDES_JSON);
  const content = json ?? (text || null);
  return {
    id: message.id,
    object: 'chat.completion',
    created: options.created,
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: mapAnthropicStopReason(message.stop_reason, options.jsonTool !== null),
        logprobs: null,
      },
    ],
  };
}

export const TEXT_BESIDES_JSON = 'text Anthropic wrote besides its JSON response was left out of the content';

export function omitted(type: string): string {
  return `Anthropic "${type}" content blocks have no place in a chat completion and were left out`;
}
