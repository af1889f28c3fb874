import { z } from 'zod';
import { secretSchema } from '../../config/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';

/** `provider: 'bedrock'`: the Converse and ConverseStream APIs, SigV4-signed. */
export const bedrockProvider: ProviderDefinition = {
  id: 'bedrock',
  fields: {
    credentials: z.strictObject({
      accessKeyId: secretSchema,
      secretAccessKey: secretSchema,
      sessionToken: secretSchema.optional(),
      region: z.string().min(1),
      /** Assume this role (STS AssumeRole) with the keys above; its credentials are cached and refreshed. */
      roleArn: z.string().min(1).optional(),
      externalId: z.string().min(1).optional(),
      roleSessionName: z.string().min(1).optional(),
    }),
  },
  createAdapter() {
    throw new Error('bedrock adapter: not implemented yet');
  },
};
