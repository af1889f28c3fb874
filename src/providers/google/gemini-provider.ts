import { z } from 'zod';
import { secretSchema } from '../../config/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';

/** `provider: 'gemini'`: the Gemini API of Google AI Studio, with an API key. */
export const geminiProvider: ProviderDefinition = {
  id: 'gemini',
  fields: {
    credentials: z.strictObject({ apiKey: secretSchema }),
  },
  createAdapter() {
    throw new Error('gemini adapter: not implemented yet');
  },
};
