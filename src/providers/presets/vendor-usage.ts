import type { Usage } from '../../usage/usage.js';
import { convertOpenAIUsage } from '../openai/convert-openai-usage.js';
import type { OpenAIUsage } from '../openai/openai-api.js';

/**
 * The usage of the OpenAI-compatible vendors where it differs from OpenAI's. Each reads what the
 * vendor documents and nothing else: a field it does not send leaves OpenAI's reading in place.
 */

const count = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null);
const field = (object: unknown, name: string): unknown => (typeof object === 'object' && object !== null ? (object as Record<string, unknown>)[name] : undefined);

/**
 * DeepSeek splits `prompt_tokens` into `prompt_cache_hit_tokens` and `prompt_cache_miss_tokens`
 * (its context cache), not in `prompt_tokens_details.cached_tokens`: the hits are the cache reads.
 */
export function convertDeepSeekUsage(usage: OpenAIUsage): Usage {
  const normalized = convertOpenAIUsage(usage);
  const hits = count(field(usage, 'prompt_cache_hit_tokens'));
  if (hits !== null) normalized.cacheReadTokens = Math.min(hits, normalized.inputTokens);
  return normalized;
}

/**
 * xAI's Chat Completions count reasoning apart from `completion_tokens` (its `total_tokens` is
 * prompt + completion + reasoning), where OpenAI counts it inside. Which one an answer follows is
 * read from its total, so that reasoning is billed once, and always. xAI also states what it
 * charged, in ticks of 1e-10 USD (`cost_in_usd_ticks`).
 */
export function convertXaiUsage(usage: OpenAIUsage): Usage {
  const normalized = convertOpenAIUsage(usage);
  const reasoning = normalized.reasoningTokens;
  if (reasoning > 0 && usage.total_tokens !== undefined && usage.total_tokens === usage.prompt_tokens + usage.completion_tokens + reasoning) {
    normalized.outputTokens = usage.completion_tokens + reasoning;
    normalized.totalTokens = usage.total_tokens;
  }
  const ticks = count(field(usage, 'cost_in_usd_ticks'));
  if (ticks !== null) normalized.providerCost = ticks / 1e10;
  return normalized;
}

/**
 * OpenRouter: cache writes in `prompt_tokens_details.cache_write_tokens` (cache reads where OpenAI
 * has them), and what it charged in `cost` (credits of USD 1), with every answer.
 */
export function convertOpenRouterUsage(usage: OpenAIUsage): Usage {
  const normalized = convertOpenAIUsage(usage);
  const writes = count(field(usage.prompt_tokens_details, 'cache_write_tokens'));
  if (writes !== null) normalized.cacheWriteTokens = Math.min(writes, normalized.inputTokens - normalized.cacheReadTokens);
  const cost = count(field(usage, 'cost'));
  if (cost !== null) normalized.providerCost = cost;
  return normalized;
}

/**
 * Perplexity states what it charged, request fee and searches included, in `cost.total_cost`
 * (USD). Its `citation_tokens`, `reasoning_tokens` and `num_search_queries` (Deep Research) are
 * billed at their own rates: they stay in the raw usage, and in that total.
 */
export function convertPerplexityUsage(usage: OpenAIUsage): Usage {
  const normalized = convertOpenAIUsage(usage);
  const total = count(field(field(usage, 'cost'), 'total_cost'));
  if (total !== null) normalized.providerCost = total;
  return normalized;
}

/** DeepInfra states what it charged in `estimated_cost` (USD). */
export function convertDeepInfraUsage(usage: OpenAIUsage): Usage {
  const normalized = convertOpenAIUsage(usage);
  const cost = count(field(usage, 'estimated_cost'));
  if (cost !== null) normalized.providerCost = cost;
  return normalized;
}

/** Groq has long put a stream's usage in `x_groq.usage` of its last chunk (and in `usage` when asked). */
export const groqUsageOf = (body: Record<string, unknown>): unknown => field(body.x_groq, 'usage');
