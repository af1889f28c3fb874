import { z } from 'zod';
import { secretSchema } from '../../config/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';

/** `provider: 'vertex-ai'`: Gemini on Vertex AI, with an OAuth access token. */
export const vertexProvider: ProviderDefinition = {
  id: 'vertex-ai',
  fields: {
    credentials: z.strictObject({
      /** A service account key (its JSON), from which access tokens are minted. */
      serviceAccountKey: secretSchema.optional(),
      /** Or an access token (e.g. `secret.from(fetchToken, { ttlMs })`). */
      accessToken: secretSchema.optional(),
    }),
    project: z.string().min(1),
    location: z.string().min(1).default('us-central1'),
  },
  createAdapter() {
    throw new Error('vertex-ai adapter: not implemented yet');
  },
};
