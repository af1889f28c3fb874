import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { createAnthropicChatAdapter } from './anthropic-chat-adapter.js';

/** The API root, as the official SDK takes it: requests go to `{root}/v1/messages`. */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/** `provider: 'anthropic'`: the Messages API. */
export const anthropicProvider: ProviderDefinition = {
  id: 'anthropic',
  fields: {
    credentials: z.strictObject({ apiKey: secretSchema }),
    /** The `anthropic-version` header. Default `2023-06-01`. */
    anthropicVersion: z.string().min(1).default(DEFAULT_ANTHROPIC_VERSION),
  },
  createAdapter(settings) {
    // Like the official SDK, a base URL is the API root (`https://proxy.example.com`), not `/v1`.
    const root = (settings.baseURL ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '');
    const version = (settings.anthropicVersion as string | undefined) ?? DEFAULT_ANTHROPIC_VERSION;
    return createAnthropicChatAdapter({
      provider: 'anthropic',
      url: `${root}/v1/messages`,
      headers: (resolved) => ({ 'x-api-key': resolved.apiKey!, 'anthropic-version': version }),
      // Anthropic requires max_tokens: a call without one sends what the gateway reserved for it.
      defaultMaxTokens: settings.defaultMaxOutputTokens,
    });
  },
};
