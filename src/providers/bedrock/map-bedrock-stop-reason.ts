import type { FinishReason } from '../../usage/chat-types.js';

const REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  content_filtered: 'content_filter',
  guardrail_intervened: 'content_filter',
};

/** Converse `stopReason` -> OpenAI `finish_reason`; anything else (`malformed_model_output`...) ends as `stop`. */
export function mapBedrockStopReason(reason: string | null | undefined): FinishReason | null {
  if (reason == null) return null;
  return REASONS[reason] ?? 'stop';
}
