/**
 * Token usage in one shape for every provider. `inputTokens` includes cached reads and cache
 * writes; `outputTokens` includes reasoning. Pricing reads the parts; `raw` keeps the provider's
 * own usage object for audits.
 */
export interface Usage {
  /** Every input token, cache reads and writes included. */
  inputTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** The part of `inputTokens` read from the provider's prompt cache (priced at the cached-input rate). */
  cacheReadTokens: number;
  /** The part of `inputTokens` written to the provider's prompt cache (priced at the cache-write rate). */
  cacheWriteTokens: number;
  /** The part of `outputTokens` spent reasoning, where the provider reports it apart (priced as output). */
  reasoningTokens: number;
  totalTokens: number;
  /** True when the provider did not report usage (a cut stream, say) and these are the gateway's estimates. */
  estimated: boolean;
  /** The provider's usage object as it arrived. */
  raw: unknown;
  /**
   * What the provider says it charged for the call, in USD, where its answer states it
   * (OpenRouter's `usage.cost`, xAI's `cost_in_usd_ticks`, Perplexity's `cost.total_cost`,
   * DeepInfra's `estimated_cost`). Absent otherwise.
   */
  providerCost?: number;
}
