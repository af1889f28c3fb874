import type { Secret } from '../../secrets/secret.js';

/** Fields of an integration with `provider: 'azure-openai'`. */
export interface AzureFields {
  provider: 'azure-openai';
  /** One of: a resource key (`api-key` header), or a Microsoft Entra ID token (Bearer). */
  credentials: { apiKey: Secret; azureAdToken?: never } | { azureAdToken: Secret; apiKey?: never };
  /** `https://{resourceName}.openai.azure.com`; or give `baseURL`. One of the two is required. */
  resourceName?: string;
  /** The `api-version` query parameter. Default `2024-10-21`. */
  apiVersion?: string;
  /** Deployment name by model id, e.g. `{ 'gpt-4o': 'prod-gpt4o' }`. Default: the model id. */
  deployments?: Record<string, string>;
}
