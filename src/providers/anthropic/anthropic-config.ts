import type { Secret } from '../../secrets/secret.js';

/** Fields of an integration with `provider: 'anthropic'`. */
export interface AnthropicFields {
  provider: 'anthropic';
  credentials: { apiKey: Secret };
  /** The `anthropic-version` header. Default `2023-06-01`. */
  anthropicVersion?: string;
}
