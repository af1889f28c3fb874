import type { Usage } from '../usage/usage.js';
import type { ModelFinishReason, ModelUsage } from './ai-sdk-types.js';

const count = (n: unknown): number | undefined => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined);

/**
 * The AI SDK's usage as tollgate's, or null when the model reported no token counts (the
 * caller then estimates). Nested (v3, v4): input total includes cache reads and writes, output
 * total includes reasoning, as in tollgate. Flat (v2): `cachedInputTokens` are cache reads.
 */
export function usageOf(usage: ModelUsage): Usage | null {
  if (!usage) return null;
  const input = usage.inputTokens;
  const output = usage.outputTokens;
  const inputTokens = count(typeof input === 'object' ? input?.total : input);
  const outputTokens = count(typeof output === 'object' ? output?.total : output);
  if (inputTokens === undefined && outputTokens === undefined) return null;
  const cacheReadTokens = count(typeof input === 'object' ? input?.cacheRead : usage.cachedInputTokens) ?? 0;
  const cacheWriteTokens = count(typeof input === 'object' ? input?.cacheWrite : undefined) ?? 0;
  const reasoningTokens = count(typeof output === 'object' ? output?.reasoning : usage.reasoningTokens) ?? 0;
  const i = inputTokens ?? 0;
  const o = outputTokens ?? 0;
  return { inputTokens: i, outputTokens: o, cacheReadTokens, cacheWriteTokens, reasoningTokens, totalTokens: i + o, estimated: false, raw: usage.raw ?? usage };
}

/** The finish reason as tollgate records it (OpenAI's words where they exist). */
export function finishReasonOf(reason: ModelFinishReason): string | null {
  const unified = typeof reason === 'string' ? reason : reason?.unified;
  if (!unified) return null;
  return ({ 'tool-calls': 'tool_calls', 'content-filter': 'content_filter' } as Record<string, string>)[unified] ?? unified;
}
