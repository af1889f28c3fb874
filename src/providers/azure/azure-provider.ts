import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import { createOpenAIChatAdapter } from '../openai/openai-chat-adapter.js';
import type { ProviderDefinition } from '../provider-definition.js';

/** The GA data-plane API version used when none is configured. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/** The first API version that takes `max_completion_tokens`; older ones know only `max_tokens`. */
const FIRST_MAX_COMPLETION_TOKENS = '2024-09-01';

/**
 * `provider: 'azure-openai'`: the OpenAI adapter with Azure's deployment URLs and auth. Requests
 * go to `{endpoint}/openai/deployments/{deployment}/...?api-version=...`, the deployment being
 * `deployments[model]` or the model id itself. The Responses API goes to `{endpoint}/openai/v1/responses`
 * with the deployment as `model`.
 */
export const azureProvider: ProviderDefinition = {
  id: 'azure-openai',
  fields: {
    credentials: z
      .strictObject({
        /** A resource key, sent as `api-key`. */
        apiKey: secretSchema.optional(),
        /** Or a Microsoft Entra ID token, sent as `Authorization: Bearer` (e.g. `secret.from(getToken, { ttlMs })`). */
        azureAdToken: secretSchema.optional(),
      })
      .refine((c) => (c.apiKey === undefined) !== (c.azureAdToken === undefined), {
        message: 'give exactly one of apiKey or azureAdToken',
      }),
    /** `https://{resourceName}.openai.azure.com`; or set `baseURL` to the endpoint. */
    resourceName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/i, 'must be the resource name (letters, digits, "-")')
      .optional(),
    apiVersion: z.string().min(1).default(AZURE_DEFAULT_API_VERSION),
    /** Deployment name by model id; a model without an entry uses its id as the deployment. */
    deployments: z.record(z.string(), z.string().min(1)).default({}),
  },
  validate(settings) {
    if (settings.resourceName === undefined && settings.baseURL === undefined) {
      return [{ path: ['resourceName'], message: 'give resourceName (https://{resourceName}.openai.azure.com) or baseURL' }];
    }
    return [];
  },
  createAdapter(settings) {
    const resourceName = settings.resourceName as string | undefined;
    const endpoint = (settings.baseURL ?? `https://${resourceName}.openai.azure.com`).replace(/\/+$/, '');
    const apiVersion = encodeURIComponent(settings.apiVersion as string);
    const deployments = settings.deployments as Record<string, string>;
    const path = (model: string, operation: string) =>
      `${endpoint}/openai/deployments/${encodeURIComponent(deployments[model] ?? model)}/${operation}?api-version=${apiVersion}`;
    return createOpenAIChatAdapter({
      provider: 'azure-openai',
      // Versions are dates (YYYY-MM-DD[-preview]): they compare as strings.
      legacyMaxTokens: (settings.apiVersion as string) < FIRST_MAX_COMPLETION_TOKENS,
      url: (model) => path(model, 'chat/completions'),
      embeddingsUrl: (model) => path(model, 'embeddings'),
      // The Responses API is served by Azure's v1 API only: no deployment in the path, no
      // api-version; the deployment is the body's `model`.
      responsesUrl: `${endpoint}/openai/v1/responses`,
      responsesModel: (model) => deployments[model] ?? model,
      headers: (resolved) => {
        const headers: Record<string, string> = {};
        if (resolved.apiKey) headers['api-key'] = resolved.apiKey;
        else headers.authorization = `Bearer ${resolved.azureAdToken}`;
        return headers;
      },
    });
  },
};
