import type { FinishReason } from '../../usage/chat-types.js';

const KNOWN = new Set<string>(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);

export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason | null {
  if (reason == null) return null;
  return KNOWN.has(reason) ? (reason as FinishReason) : 'stop';
}
