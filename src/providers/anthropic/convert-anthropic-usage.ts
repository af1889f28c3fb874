import type { Usage } from '../../usage/usage.js';
import type { AnthropicUsage } from './anthropic-api.js';

/**
 * Anthropic reports cache reads and cache writes apart from `input_tokens` (which counts only
 * the tokens after the last cache breakpoint); tollgate's `inputTokens` includes both, so that
 * pricing can apply each rate to its own part.
 */
export function convertAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const input = (usage.input_tokens ?? 0) + cacheRead + cacheWrite;
  const output = usage.output_tokens ?? 0;
  return {
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    // Anthropic does not count thinking apart: it is inside output_tokens.
    reasoningTokens: 0,
    totalTokens: input + output,
    estimated: false,
    raw: usage,
  };
}
