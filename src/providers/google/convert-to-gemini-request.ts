import type { ChatRequestBody } from '../../usage/chat-types.js';
import { convertToGeminiContents } from './convert-to-gemini-contents.js';
import type { GeminiRequest } from './gemini-api.js';
import { prepareGeminiTools } from './prepare-gemini-tools.js';

/** Body fields this adapter translates (or that carry no meaning upstream: `stream`, `stream_options`). */
const TRANSLATED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logprobs',
  'top_logprobs',
]);

/**
 * An OpenAI chat body as a Gemini `GenerateContentRequest`. Sampling parameters map one to one
 * into `generationConfig`; `response_format` json_object -> `responseMimeType:
 * application/json`, json_schema -> the same plus `responseJsonSchema` (JSON Schema as OpenAI
 * sends it; `responseSchema` would take only Google's OpenAPI subset). Every other parameter is
 * reported through `warn` and left out.
 */
export function convertToGeminiRequest(body: ChatRequestBody, warn: (message: string) => void): GeminiRequest {
  const request: GeminiRequest = { ...convertToGeminiContents(body.messages, warn), ...prepareGeminiTools(body, warn) };

  const config: Record<string, unknown> = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (body.temperature != null) config.temperature = body.temperature;
  if (body.top_p != null) config.topP = body.top_p;
  if (body.stop != null) {
    const stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
    if (stop.length > 0) config.stopSequences = stop;
  }
  if (body.n != null) config.candidateCount = body.n;
  if (body.seed != null) config.seed = body.seed;
  if (body.presence_penalty != null) config.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) config.frequencyPenalty = body.frequency_penalty;
  if (body.logprobs === true) {
    config.responseLogprobs = true;
    if (body.top_logprobs != null) config.logprobs = body.top_logprobs;
  } else if (body.top_logprobs != null) warn('top_logprobs needs logprobs: true; ignored');

  const format = body.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  else if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.json_schema.schema) config.responseJsonSchema = format.json_schema.schema;
  }
  if (Object.keys(config).length > 0) request.generationConfig = config;

  for (const name in body) {
    const value = body[name];
    if (TRANSLATED.has(name) || value === undefined || value === null) continue;
    if (name === 'logit_bias' && typeof value === 'object' && Object.keys(value).length === 0) continue;
    warn(`parameter '${name}' is not supported by Gemini; ignored`);
  }
  return request;
}
