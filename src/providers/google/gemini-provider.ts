import { z } from 'zod';
import { secretSchema } from '../../secrets/secret-schema.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { embedWithGeminiApi } from './embed-with-gemini-api.js';
import { createGeminiChatAdapter } from './gemini-chat-adapter.js';
import { modelPath } from './model-path.js';

/** The Gemini API (Google AI Studio); a `baseURL` replaces this root (a proxy, a test server). */
export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/**
 * `provider: 'gemini'`: the Gemini API of Google AI Studio, with an API key. The key goes in the
 * `x-goog-api-key` header, never in the URL (`?key=` would put it in every log of the URL).
 *
 * How OpenAI requests are translated (shared with `vertex-ai`):
 * - `response_format` json_schema -> `responseMimeType: application/json` + `responseJsonSchema`
 *   (JSON Schema as sent; `responseSchema` takes only an OpenAPI subset); tool parameters ->
 *   `parametersJsonSchema` for the same reason.
 * - Images: data URLs -> `inlineData`; http(s)/gs URLs -> `fileData` (Gemini fetches them), the
 *   MIME type told by the extension, else `image/jpeg` with a warning.
 * - A prompt Gemini blocks (`promptFeedback.blockReason`) is answered, not thrown: a choice with
 *   `finish_reason: 'content_filter'`, `content: null` and the reason in `refusal`; its prompt
 *   tokens are metered.
 * - Usage: input = `promptTokenCount` (which includes `cachedContentTokenCount`, the cache read)
 *   + `toolUsePromptTokenCount`; output = `candidatesTokenCount` + `thoughtsTokenCount` (reasoning).
 * - Tool calls carry Gemini 3 thought signatures in `extra_content.google.thought_signature`
 *   (as Google's OpenAI-compatible API does); send the assistant message back as received.
 * - Parameters Gemini has no equivalent for (`logit_bias`, `user`, `parallel_tool_calls: false`,
 *   unknown ones) are left out and reported as warnings on the usage event.
 */
export const geminiProvider: ProviderDefinition = {
  id: 'gemini',
  fields: {
    credentials: z.strictObject({ apiKey: secretSchema }),
  },
  createAdapter(settings) {
    const base = (settings.baseURL ?? GEMINI_BASE_URL).replace(/\/+$/, '');
    return createGeminiChatAdapter(
      {
        provider: 'gemini',
        url: (model, method) =>
          `${base}/${modelPath(model).split('/').map(encodeURIComponent).join('/')}:${method}${method === 'streamGenerateContent' ? '?alt=sse' : ''}`,
        authenticate: async (call) => ({ 'x-goog-api-key': call.credentials.apiKey! }),
      },
      { embed: embedWithGeminiApi },
    );
  },
};
