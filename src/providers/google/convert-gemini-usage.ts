import type { Usage } from '../../usage/usage.js';
import type { GeminiUsage } from './gemini-api.js';

/**
 * Gemini counts the cached prompt inside `promptTokenCount`, and reports the prompt of tool use
 * (`toolUsePromptTokenCount`) and the thinking (`thoughtsTokenCount`) outside the prompt and the
 * candidates: `totalTokenCount` is prompt + tool-use prompt + candidates + thoughts. Input is
 * what Google bills as input (prompt and tool-use prompt), output what it bills as output
 * (candidates and thoughts).
 */
export function convertGeminiUsage(usage: GeminiUsage): Usage {
  const inputTokens = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const reasoningTokens = usage.thoughtsTokenCount ?? 0;
  const outputTokens = (usage.candidatesTokenCount ?? 0) + reasoningTokens;
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: usage.cachedContentTokenCount ?? 0,
    // Gemini's context caches are created by a separate call (and billed as storage): no write here.
    cacheWriteTokens: 0,
    reasoningTokens,
    totalTokens: inputTokens + outputTokens,
    estimated: false,
    raw: usage,
  };
}
