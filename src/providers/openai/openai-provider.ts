import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { createOpenAIChatAdapter } from './openai-chat-adapter.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** `provider: 'openai'`: an API key, and the optional organization and project ids. */
export const openaiProvider: ProviderDefinition = {
  id: 'openai',
  fields: {
    credentials: z.strictObject({
      apiKey: secretSchema,
      organization: z.string().min(1).optional(),
      project: z.string().min(1).optional(),
    }),
  },
  createAdapter(settings) {
    const base = (settings.baseURL ?? OPENAI_BASE_URL).replace(/\/+$/, '');
    return createOpenAIChatAdapter({
      provider: 'openai',
      url: () => `${base}/chat/completions`,
      embeddingsUrl: () => `${base}/embeddings`,
      responsesUrl: `${base}/responses`,
      headers: (resolved) => {
        const headers: Record<string, string> = { authorization: `Bearer ${resolved.apiKey}` };
        if (resolved.organization) headers['openai-organization'] = resolved.organization;
        if (resolved.project) headers['openai-project'] = resolved.project;
        return headers;
      },
    });
  },
};
