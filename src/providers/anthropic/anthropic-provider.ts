import { z } from 'zod';
import { secretSchema } from '../../config/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';

/** `provider: 'anthropic'`: the Messages API. */
export const anthropicProvider: ProviderDefinition = {
  id: 'anthropic',
  fields: {
    credentials: z.strictObject({ apiKey: secretSchema }),
    /** The `anthropic-version` header. Default `2023-06-01`. */
    anthropicVersion: z.string().min(1).default('2023-06-01'),
  },
  createAdapter() {
    throw new Error('anthropic adapter: not implemented yet');
  },
};
