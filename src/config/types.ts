import type { AnthropicFields } from '../providers/anthropic/anthropic-config.js';
import type { AzureFields } from '../providers/azure/azure-config.js';
import type { OpenAICompatibleFields } from '../providers/openai-compatible/openai-compatible-config.js';
import type { CostStatingVendorFields, HostedVendorFields, LocalVendorFields } from '../providers/presets/vendor-config.js';
import type { BedrockFields } from '../providers/bedrock/bedrock-config.js';
import type { GeminiFields, VertexFields } from '../providers/google/google-config.js';
import type { MockOptions } from '../providers/mock/mock-options.js';
import type { Secret } from '../secrets/secret.js';

/**
 * A budget: a cap on spend or tokens in a scope.
 * @example { type: 'cost', limit: 100, alertThreshold: 80, reset: 'monthly' }
 */
export interface BudgetConfig {
  /** `cost`: USD (at least 1). `tokens`: input + output tokens (at least 100). */
  type: 'cost' | 'tokens';
  limit: number;
  /** Usage (in the budget's unit) at which one `budget.alert` event fires per period. */
  alertThreshold?: number;
  /** Several such thresholds (e.g. `[50, 80, 95]` of a USD 100 budget): each fires once per scope per period. */
  alertThresholds?: number[];
  /** `none` (default): never resets. `weekly`: Sunday 00:00 UTC. `monthly`: the 1st, 00:00 UTC. */
  reset?: 'none' | 'weekly' | 'monthly';
  /** Only calls to these models (provider ids, e.g. `['gpt-4o']`) count; absent: every model of the scope. */
  models?: string[];
}

/**
 * A rate limit: requests or tokens per UTC minute, hour or day, or calls in flight at once
 * (`concurrency`, no window). A limit of 0 disables the scope.
 * @example { type: 'requests', limit: 1000, per: 'minute' }
 * @example { type: 'concurrency', limit: 8 }
 */
export type RateLimitConfig =
  | {
      type: 'requests' | 'tokens';
      limit: number;
      per: 'minute' | 'hour' | 'day';
      /** Only calls to these models count; absent: every model of the scope. */
      models?: string[];
    }
  | {
      /** Calls in flight at once: a slot is taken at admission and given back when the call (or its stream) ends. */
      type: 'concurrency';
      limit: number;
      models?: string[];
    };

export interface LimitsConfig {
  budgets?: BudgetConfig[];
  rateLimits?: RateLimitConfig[];
  /**
   * Templated scopes: limits each distinct value of a request attribute gets for itself, under
   * this scope, checked in the same admission as the scope's own limits.
   * @example each: [{ by: 'user', budgets: [{ type: 'cost', limit: 0.5, reset: 'monthly' }], tiers: { pro: { budgets: [{ type: 'cost', limit: 50, reset: 'monthly' }] } } }]
   */
  each?: EachConfig[];
}

/** Limits for each value of a request attribute (see `LimitsConfig.each`). */
export interface EachConfig {
  /** `'user'` (the request's `user`) or `'metadata.<field>'` (e.g. `'metadata.customerId'`). A request without it is refused. */
  by: 'user' | `metadata.${string}`;
  budgets?: BudgetConfig[];
  rateLimits?: RateLimitConfig[];
  /** Limits by tier (the gateway's `tier(request)`): the limits of the request's tier replace `budgets` and `rateLimits`. */
  tiers?: Record<string, { budgets?: BudgetConfig[]; rateLimits?: RateLimitConfig[] }>;
  /** Limits of single values (`{ 'u-42': { budgets: [...] } }`), replacing their tier's; changed at runtime with `provisioning.override`. */
  overrides?: Record<string, { budgets?: BudgetConfig[]; rateLimits?: RateLimitConfig[] }>;
}

/** The provisioning of an integration to a workspace: an optional model subset and limits. */
export interface GrantConfig extends LimitsConfig {
  /** Narrows the integration's models for this workspace. Default: all the integration's models. */
  models?: string[];
}

/** USD per 1M tokens. Reasoning tokens are priced as output. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Cached input read. Default: `input`. */
  cachedInput?: number;
  /** Prompt-cache write. Default: `input`. */
  cacheWrite?: number;
}

/** A fine-tuned, self-hosted or private model served by the integration. */
export interface CustomModelConfig {
  id: string;
  name?: string;
  pricing?: ModelPrice;
}

interface IntegrationCommon extends LimitsConfig {
  /** Unique id used in requests: `@<slug>/<model>`. */
  slug: string;
  name?: string;
  description?: string;
  /**
   * Refuses every call to it (`IntegrationDisabledError`, 403) while keeping its grants, keys and
   * spend: `gateway.integrations.disable(slug)` sets it at runtime, `enable` clears it.
   */
  disabled?: boolean;
  /** Private endpoint, self-hosted server or test server. Default: the provider's public URL. */
  baseURL?: string;
  /**
   * Extra headers sent with every request to the provider, under those the adapter sets. A value
   * may be a secret (a custom auth header); every value is redacted like a credential.
   * @example { 'x-proxy-auth': secret.env('PROXY_TOKEN'), 'x-tenant': 'acme' }
   */
  headers?: Record<string, string | Secret>;
  /**
   * `'all'` (default): any model the provider serves. A list: only those (and `customModels`).
   * Grants and keys can narrow it, never widen it.
   */
  models?: 'all' | string[];
  customModels?: CustomModelConfig[];
  /** Price overrides by model id (negotiated rates, internal chargeback, free models at 0). */
  pricing?: Record<string, ModelPrice>;
  /**
   * Which workspaces reach this integration: `'all'`, or grants by workspace name. `'*'` is the
   * grant of every workspace; a named workspace gets `'*'` plus its own entry; `false` excludes one.
   */
  workspaces: 'all' | Record<string, GrantConfig | false>;
  /** Upstream timeout of one attempt, overriding the gateway's `timeoutMs`. */
  timeoutMs?: number;
}

export interface OpenAIIntegrationConfig extends IntegrationCommon {
  provider: 'openai';
  credentials: { apiKey: Secret; organization?: string; project?: string };
}

export interface MockIntegrationConfig extends IntegrationCommon {
  provider: 'mock';
  credentials?: { apiKey?: Secret };
  mock?: MockOptions;
}

/** Governed, not called: the application makes the calls (`tollgate/ai-sdk`, `gateway.admit`). */
export interface ExternalIntegrationConfig extends IntegrationCommon {
  provider: 'external';
  credentials?: Record<string, never>;
}

export type AzureIntegrationConfig = IntegrationCommon & AzureFields;
export type OpenAICompatibleIntegrationConfig = IntegrationCommon & OpenAICompatibleFields;
/** A named OpenAI-compatible vendor (`deepseek`, `groq`, `openrouter`, `ollama`, ...). */
export type VendorIntegrationConfig = IntegrationCommon & (HostedVendorFields | CostStatingVendorFields | LocalVendorFields);
export type AnthropicIntegrationConfig = IntegrationCommon & AnthropicFields;
export type BedrockIntegrationConfig = IntegrationCommon & BedrockFields;
export type GeminiIntegrationConfig = IntegrationCommon & GeminiFields;
export type VertexIntegrationConfig = IntegrationCommon & VertexFields;

export type IntegrationConfig =
  | OpenAIIntegrationConfig
  | AzureIntegrationConfig
  | OpenAICompatibleIntegrationConfig
  | VendorIntegrationConfig
  | AnthropicIntegrationConfig
  | BedrockIntegrationConfig
  | GeminiIntegrationConfig
  | VertexIntegrationConfig
  | MockIntegrationConfig
  | ExternalIntegrationConfig;

/** An app-facing virtual key: one workspace, one integration, optional narrower models and limits. */
export interface KeyConfig extends LimitsConfig {
  id: string;
  workspace: string;
  integration: string;
  name?: string;
  models?: string[];
  /**
   * SHA-256 of the key's bearer token, as 64 lowercase hex digits, for the HTTP endpoint
   * (`generateKey()` / `hashKey(token)` from `tollgate/http`). Only the hash is configured: a
   * leaked config does not leak a token. A key without one cannot be used over HTTP.
   */
  hash?: string;
}

export interface RetryConfig {
  /** Retries after the first attempt, on 408/409/429/5xx and network errors. Default 2. */
  retries?: number;
  /** First backoff delay. Default 500 ms. */
  minDelayMs?: number;
  /** Backoff cap. Default 8,000 ms. */
  maxDelayMs?: number;
  /** A provider Retry-After longer than this is not waited for: the error is returned. Default 60,000 ms. */
  maxRetryAfterMs?: number;
}

export interface EventsConfig {
  /** Events a sink may have waiting; beyond it new events are dropped (and counted). Default 10,000. */
  queueSize?: number;
  /** Events handed to a sink object's `write` at once. Default 100. */
  batchSize?: number;
  /** A sink call that takes longer is abandoned and its events counted as dropped. Default 30,000 ms. */
  sinkTimeoutMs?: number;
}

export interface AnalyticsConfig {
  /** How often the calls' rollups are written to the store, off the request path. Default 1,000 ms. */
  flushIntervalMs?: number;
  /**
   * How long buckets are kept after they end, in ms, per granularity. Default: minute buckets
   * 1 day, hour buckets 31 days, day buckets 400 days.
   */
  retention?: { minute?: number; hour?: number; day?: number };
  /**
   * Cells waiting at most: a batch is written as soon as it has this many (many distinct users in
   * a minute), and for a failing store the oldest batch beyond it is dropped (and counted). Default 10,000.
   */
  maxPendingCells?: number;
  /**
   * Whether analytics keep `user` as a dimension: a cell per end user and time bucket. Default
   * true. With millions of end users, false keeps analytics as small and fast as without them
   * (`groupBy: ['user']` then answers every call under `user: null`).
   */
  byUser?: boolean;
}

export interface LimitsOptionsConfig {
  /**
   * Output tokens reserved when a request sets no `max_tokens` (or `max_completion_tokens`); when
   * a token or cost limit applies, also sent upstream as the request's output limit, so that the
   * answer cannot cost more than its reservation. Default 4,096.
   */
  defaultMaxOutputTokens?: number;
  /**
   * When a request sets no output limit and its default reservation does not fit what a budget
   * or token limit has left, the reservation shrinks to what fits, down to this many output
   * tokens, and that is the limit sent upstream: the last part of a budget stays usable.
   * Default 16.
   */
  minOutputTokens?: number;
  /**
   * How input tokens are estimated for reservations. `upper-bound` (default): the prompt's UTF-8
   * size, which no tokenizer exceeds, so budgets and token limits never overshoot when
   * `max_tokens` is set. `average`: about 4 characters a token; tighter, may overshoot.
   */
  inputEstimate?: 'upper-bound' | 'average';
  /** A model without a price under a cost budget: `reject` (default, `PricingUnknownError`) or `allow` (admitted, not charged). */
  unpricedModels?: 'reject' | 'allow';
  /** A reservation not settled within this time (a crashed process, an abandoned stream) is released. Default 1,800,000 ms. */
  reservationTtlMs?: number;
  /**
   * A budget that refuses a call while no more than this share of it is left announces itself
   * exhausted (`budget.exhausted` with `reason: 'insufficient'`, once per scope and period): calls
   * of a set size can leave a remainder no call fits, and the budget would refuse every call
   * without ever reaching its limit. A call refused while more is left (an oversized `max_tokens`)
   * announces nothing. From 0 (only a spent budget announces) to 0.5. Default 0.05 (5 %).
   */
  exhaustedShare?: number;
}
