import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { createBedrockAdapter } from './bedrock-adapter.js';

/** `provider: 'bedrock'`: the Converse and ConverseStream APIs (and InvokeModel for embeddings), SigV4-signed. */
export const bedrockProvider: ProviderDefinition = {
  id: 'bedrock',
  fields: {
    credentials: z.strictObject({
      accessKeyId: secretSchema,
      secretAccessKey: secretSchema,
      sessionToken: secretSchema.optional(),
      region: z.string().regex(/^[a-z]{2,}(-[a-z]+)+-\d+$/, 'must be an AWS region, e.g. us-east-1'),
      /** Assume this role (STS AssumeRole) with the keys above; its credentials are cached and refreshed. */
      roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/name').optional(),
      externalId: z.string().min(2).max(1224).optional(),
      roleSessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, 'must be 2 to 64 characters of letters, digits and +=,.@_-').optional(),
    }),
    /** STS endpoint for AssumeRole (a VPC endpoint, say). Default: `https://sts.<region>.amazonaws.com/`. */
    stsEndpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  },
  createAdapter(settings) {
    return createBedrockAdapter(settings);
  },
};
