import type { ErrorBodyReader } from '../shared/provider-fetch.js';
import { openaiErrorBodySchema } from './openai-api.js';

export const readOpenAIError: ErrorBodyReader = (body) => {
  const parsed = openaiErrorBodySchema.safeParse(body);
  if (!parsed.success) return null;
  const { message, type, code } = parsed.data.error;
  return { message: message ?? undefined, type: (typeof code === 'string' ? code : null) ?? type ?? null };
};
