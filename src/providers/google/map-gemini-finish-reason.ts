import type { FinishReason } from '../../usage/chat-types.js';

/** Output withheld by a filter: safety, recitation, blocklists, PII, Model Armor, image filters. */
const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'MODEL_ARMOR',
]);

/**
 * Gemini's `finishReason` as an OpenAI one. `STOP` with function calls is `tool_calls` (Gemini
 * says STOP either way). Reasons OpenAI has no word for (`OTHER`, `LANGUAGE`,
 * `MALFORMED_FUNCTION_CALL`, `UNEXPECTED_TOOL_CALL`, ...) become `stop` and are reported through
 * `warn`, so the usage event keeps the original.
 */
export function mapGeminiFinishReason(reason: string | null | undefined, hasToolCalls: boolean, warn: (message: string) => void): FinishReason | null {
  if (reason == null || reason === '') return null;
  if (reason === 'STOP') return hasToolCalls ? 'tool_calls' : 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  warn(`Gemini finish reason ${reason} is reported as 'stop'`);
  return 'stop';
}
