import type { Usage } from '../../usage/usage.js';
import type { OpenAIUsage } from './openai-api.js';

/** OpenAI counts cached tokens inside `prompt_tokens` and reasoning inside `completion_tokens`. */
export function convertOpenAIUsage(usage: OpenAIUsage): Usage {
  const input = usage.prompt_tokens;
  const output = usage.completion_tokens;
  return {
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    totalTokens: usage.total_tokens ?? input + output,
    estimated: false,
    raw: usage,
  };
}
