import type { Secret } from '../../secrets/secret.js';

/** Fields of an integration with `provider: 'openai-compatible'`: `baseURL` is required. */
export interface OpenAICompatibleFields {
  provider: 'openai-compatible';
  baseURL: string;
  credentials?: { apiKey?: Secret };
  /** Whether the server takes `stream_options.include_usage`. Default true. */
  streamUsage?: boolean;
}
