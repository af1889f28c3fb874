import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import { CredentialsUnavailableError } from '../../errors/runtime-errors.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { embedWithVertex } from './embed-with-vertex.js';
import { createGeminiChatAdapter } from './gemini-chat-adapter.js';
import { ServiceAccountTokens } from './service-account-tokens.js';

export const DEFAULT_VERTEX_LOCATION = 'us-central1';

/**
 * The API root of a location: `https://{location}-aiplatform.googleapis.com/v1`, or
 * `https://aiplatform.googleapis.com/v1` for the `global` endpoint.
 */
export function vertexBaseURL(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com/v1' : `https://${location}-aiplatform.googleapis.com/v1`;
}

/**
 * `provider: 'vertex-ai'`: Gemini on Vertex AI, with an OAuth access token: given
 * (`credentials.accessToken`, e.g. `secret.from(fetchToken, { ttlMs })`), or minted from a
 * service account key (`credentials.serviceAccountKey`, its JSON) with the optional peer
 * dependency `google-auth-library`. A `baseURL` replaces the API root (`https://{host}/v1`).
 */
export const vertexProvider: ProviderDefinition = {
  id: 'vertex-ai',
  fields: {
    credentials: z
      .strictObject({
        /** A service account key (its JSON), from which access tokens are minted. */
        serviceAccountKey: secretSchema.optional(),
        /** Or an access token (e.g. `secret.from(fetchToken, { ttlMs })`). */
        accessToken: secretSchema.optional(),
      })
      .refine((c) => (c.serviceAccountKey === undefined) !== (c.accessToken === undefined), {
        message: 'exactly one of serviceAccountKey or accessToken is required',
      }),
    project: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:_-]*$/, 'must be a Google Cloud project id'),
    // Part of the host name: only a location's characters.
    location: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be a Vertex AI location (e.g. 'us-central1' or 'global')").default(DEFAULT_VERTEX_LOCATION),
  },
  createAdapter(settings) {
    const project = settings.project as string;
    const location = (settings.location as string | undefined) ?? DEFAULT_VERTEX_LOCATION;
    const base = (settings.baseURL ?? vertexBaseURL(location)).replace(/\/+$/, '');
    const tokens = new ServiceAccountTokens(settings.slug, 'vertex-ai');
    return createGeminiChatAdapter(
      {
        provider: 'vertex-ai',
        url: (model, method) =>
          `${base}/projects/${project}/locations/${location}/publishers/google/models/${encodeURIComponent(model)}:${method}${method === 'streamGenerateContent' ? '?alt=sse' : ''}`,
        async authenticate(call) {
          const { accessToken, serviceAccountKey } = call.credentials;
          let token: string;
          if (accessToken) token = accessToken;
          else if (serviceAccountKey) token = await tokens.get(serviceAccountKey, call);
          else throw new CredentialsUnavailableError(settings.slug, 'credentials', 'has neither serviceAccountKey nor accessToken');
          return { authorization: `Bearer ${token}` };
        },
        onUnauthorized: () => tokens.invalidate(),
      },
      { embed: embedWithVertex },
    );
  },
};
