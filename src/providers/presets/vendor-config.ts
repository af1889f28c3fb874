import type { Secret } from '../../secrets/secret.js';

/** The hosted OpenAI-compatible vendors known by name (docs/providers.md). */
export type HostedVendor = 'deepseek' | 'groq' | 'mistral' | 'together' | 'fireworks' | 'cerebras';
/** Hosted vendors whose answers state what they charged. */
export type CostStatingVendor = 'xai' | 'openrouter' | 'perplexity' | 'deepinfra';
/** Servers the user runs: no key required, a localhost default. */
export type LocalVendor = 'ollama' | 'vllm' | 'lmstudio';

/** Fields of an integration with a hosted vendor preset: an API key. */
export interface HostedVendorFields {
  provider: HostedVendor;
  credentials: { apiKey: Secret };
}

/** Fields of a vendor that states its cost: an API key, and which figure budgets are charged. */
export interface CostStatingVendorFields {
  provider: CostStatingVendor;
  credentials: { apiKey: Secret };
  /**
   * Charge budgets what the vendor says it charged (its usage's cost) instead of tollgate's
   * catalog figure, when an answer states one; the reservation still uses the catalog price.
   * Default false: the vendor's figure is recorded as the event's `providerCost` only.
   */
  chargeProviderCost?: boolean;
}

/** Fields of a local server preset: `baseURL` defaults to its localhost port; a key only if you set one. */
export interface LocalVendorFields {
  provider: LocalVendor;
  credentials?: { apiKey?: Secret };
}
