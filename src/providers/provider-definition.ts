import type { z } from 'zod';
import type { ChatAdapter } from './spec.js';

/** The fields every integration has, whatever its provider, as the adapter factory sees them. */
export interface AdapterSettings {
  slug: string;
  provider: string;
  /** Private endpoint, self-hosted server or test server; the provider's public URL when absent. */
  baseURL?: string;
  /**
   * The gateway's `limits.defaultMaxOutputTokens`: what a call without `max_tokens` reserves.
   * A provider that requires a maximum (Anthropic) sends this one, so reservations hold.
   */
  defaultMaxOutputTokens: number;
  /** The provider-specific fields declared by the definition (options of the mock, ...). */
  [field: string]: unknown;
}

/** What a provider contributes: its config fields (validated with the integration) and its adapter. */
export interface ProviderDefinition {
  readonly id: string;
  /** Provider-specific integration fields (at least `credentials`), as zod fields. */
  readonly fields: z.ZodRawShape;
  /** Rules across fields (e.g. "resourceName or baseURL"), on an integration whose fields parsed. */
  validate?(settings: Omit<AdapterSettings, 'defaultMaxOutputTokens'>): Array<{ path: PropertyKey[]; message: string }>;
  createAdapter(settings: AdapterSettings): ChatAdapter;
}
