import type { Secret } from '../../config/secret.js';

/** Fields of an integration with `provider: 'anthropic'`. */
export interface AnthropicFields {
  provider: 'anthropic';
  credentials: { apiKey: Secret };
  /** The `anthropic-version` header. Default `2023-06-01`. */
  anthropicVersion?: string;
}
