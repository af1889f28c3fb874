import type { Usage } from '../../usage/usage.js';
import type { BedrockUsage } from './bedrock-api.js';

/**
 * Bedrock's `inputTokens` excludes the prompt-cache reads and writes, which are reported beside
 * it (total input = inputTokens + cacheReadInputTokens + cacheWriteInputTokens, per the Bedrock
 * prompt-caching guide). tollgate's `inputTokens` includes them, so they are added back; pricing
 * then charges each part at its own rate. `totalTokens` is recomputed from the normalized parts
 * rather than taken from Bedrock. Bedrock does not break reasoning out of `outputTokens`.
 */
export function convertBedrockUsage(usage: BedrockUsage): Usage {
  const cacheReadTokens = usage.cacheReadInputTokens ?? 0;
  const cacheWriteTokens = usage.cacheWriteInputTokens ?? 0;
  const inputTokens = usage.inputTokens + cacheReadTokens + cacheWriteTokens;
  return {
    inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    reasoningTokens: 0,
    totalTokens: inputTokens + usage.outputTokens,
    estimated: false,
    raw: usage,
  };
}
