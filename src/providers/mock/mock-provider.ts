import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { createMockChatAdapter } from './mock-chat-adapter.js';
import { mockOptionsSchema, type ParsedMockOptions } from './mock-options.js';

/** `provider: 'mock'`: no credentials needed (an `apiKey` may be given, to exercise redaction). */
export const mockProvider: ProviderDefinition = {
  id: 'mock',
  fields: {
    credentials: z.strictObject({ apiKey: secretSchema.optional() }).default({}),
    mock: mockOptionsSchema,
  },
  createAdapter(settings) {
    return createMockChatAdapter(settings.mock as ParsedMockOptions);
  },
};
