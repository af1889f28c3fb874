import type { FinishReason } from '../../usage/chat-types.js';

/**
 * Anthropic `stop_reason` to OpenAI `finish_reason`. `pause_turn` (a server tool paused a long
 * turn) has no equivalent and reads as `stop`, as do reasons this version does not know.
 * With JSON-mode emulation, the forced tool call is the answer: `tool_use` is then `stop`.
 * https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function mapAnthropicStopReason(reason: string | null | undefined, jsonMode = false): FinishReason | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return jsonMode ? 'stop' : 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
