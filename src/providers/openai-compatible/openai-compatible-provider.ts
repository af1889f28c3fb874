import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import { createOpenAIChatAdapter, type OpenAIChatAdapterOptions } from '../openai/openai-chat-adapter.js';
import type { ChatAdapter } from '../spec.js';
import type { ProviderDefinition } from '../provider-definition.js';

/**
 * `provider: 'openai-compatible'`: any server that speaks OpenAI's Chat Completions (vLLM,
 * Ollama, LM Studio, Together, Groq, a private endpoint) at `baseURL`, with optional auth.
 */
export const openaiCompatibleProvider: ProviderDefinition = {
  id: 'openai-compatible',
  fields: {
    /** Sent as `Authorization: Bearer` when given. */
    credentials: z.strictObject({ apiKey: secretSchema.optional() }).default({}),
    /**
     * Whether the server takes `stream_options.include_usage`. Set false for a server that
     * rejects it: streamed usage is then estimated. Default true.
     */
    streamUsage: z.boolean().default(true),
  },
  validate(settings) {
    return settings.baseURL === undefined ? [{ path: ['baseURL'], message: "is required: the server's API root, e.g. http://localhost:8000/v1" }] : [];
  },
  createAdapter(settings) {
    return createCompatibleAdapter('openai-compatible', settings.baseURL!, { streamUsage: settings.streamUsage === false ? 'none' : 'ask' });
  },
};

/**
 * OpenAI's Chat Completions adapter for a server at `baseURL` that is not OpenAI: the optional key
 * as a bearer token, and the output limit as `max_tokens`, the name every such server knows (many
 * ignore or reject the newer one). The named vendors (presets) use it with their usage readers.
 */
export function createCompatibleAdapter(
  provider: string,
  baseURL: string,
  options: Pick<OpenAIChatAdapterOptions, 'streamUsage' | 'convertUsage' | 'usageOf'>,
): ChatAdapter {
  const base = baseURL.replace(/\/+$/, '');
  return createOpenAIChatAdapter({
    provider,
    url: () => `${base}/chat/completions`,
    embeddingsUrl: () => `${base}/embeddings`,
    legacyMaxTokens: true,
    ...options,
    headers: (resolved): Record<string, string> => (resolved.apiKey ? { authorization: `Bearer ${resolved.apiKey}` } : {}),
  });
}
