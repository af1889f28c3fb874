import type { Secret } from '../../secrets/secret.js';

/** Fields of an integration with `provider: 'bedrock'`. */
export interface BedrockFields {
  provider: 'bedrock';
  credentials: {
    accessKeyId: Secret;
    secretAccessKey: Secret;
    sessionToken?: Secret;
    /** AWS region of the Bedrock Runtime endpoint (and of STS), e.g. `us-east-1`. */
    region: string;
    /**
     * Assume this role (STS AssumeRole) with the keys above; its temporary credentials are
     * cached per integration and role, and refreshed 5 minutes before they expire.
     * @example 'arn:aws:iam::123456789012:role/bedrock-invoke'
     */
    roleArn?: string;
    /** `ExternalId` of the role's trust policy, when it requires one. */
    externalId?: string;
    /** `RoleSessionName` (CloudTrail shows it). Default: `tollgate-<slug>`. */
    roleSessionName?: string;
  };
  /**
   * STS endpoint for AssumeRole, e.g. a VPC endpoint. Default: the regional endpoint,
   * `https://sts.<region>.amazonaws.com/`.
   */
  stsEndpoint?: string;
}
