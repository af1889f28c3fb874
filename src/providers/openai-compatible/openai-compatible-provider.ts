import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import { createOpenAIChatAdapter } from '../openai/openai-chat-adapter.js';
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
    const base = settings.baseURL!.replace(/\/+$/, '');
    return createOpenAIChatAdapter({
      provider: 'openai-compatible',
      url: () => `${base}/chat/completions`,
      embeddingsUrl: () => `${base}/embeddings`,
      streamUsage: settings.streamUsage === false ? 'none' : 'ask',
      legacyMaxTokens: true,
      headers: (resolved) => {
        const headers: Record<string, string> = {};
        if (resolved.apiKey) headers.authorization = `Bearer ${resolved.apiKey}`;
        return headers;
      },
    });
  },
};
