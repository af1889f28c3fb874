import type { Secret } from '../../config/secret.js';

/** Fields of an integration with `provider: 'bedrock'`. */
export interface BedrockFields {
  provider: 'bedrock';
  credentials: {
    accessKeyId: Secret;
    secretAccessKey: Secret;
    sessionToken?: Secret;
    region: string;
    /** Assume this role (STS AssumeRole) with the keys above; its credentials are cached and refreshed. */
    roleArn?: string;
    externalId?: string;
    roleSessionName?: string;
  };
}
