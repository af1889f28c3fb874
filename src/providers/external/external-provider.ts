import { z } from 'zod';
import { RequestValidationError } from '../../errors/request-validation-error.js';
import type { ChatAdapter } from '../spec.js';
import type { ProviderDefinition } from '../provider-definition.js';

/** The refusal of a call tollgate would have to make on an external integration. */
export function externalIntegrationError(slug: string): RequestValidationError {
  return new RequestValidationError([
    { path: 'model', message: `integration '${slug}' is external: your code makes its calls (tollgate/ai-sdk, gateway.admit), tollgate does not` },
  ]);
}

/**
 * `provider: 'external'`: an integration that tollgate governs but does not call. The
 * application's own code makes the calls (the AI SDK through `tollgate/ai-sdk`, or any client
 * with `gateway.admit`), so there are no credentials here; allowlists, grants, limits, prices
 * and usage events work as for every integration. `gateway.chat` and `gateway.embeddings` on it
 * are refused (a `RequestValidationError`, before anything is reserved).
 */
export const externalProvider: ProviderDefinition = {
  id: 'external',
  fields: {
    credentials: z.strictObject({}).default({}),
  },
  createAdapter(settings) {
    const refuse = (): never => {
      throw externalIntegrationError(settings.slug);
    };
    const adapter: ChatAdapter = { provider: 'external', chat: async () => refuse(), stream: async () => refuse() };
    return adapter;
  },
};
