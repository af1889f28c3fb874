import { z } from 'zod';
import { compiledOnUse } from '../../util/compiled-on-use.js';

/**
 * Minimal schemas of OpenAI's Chat Completions wire format: what the gateway reads. Unknown
 * fields are kept (loose objects) so that new provider fields reach the caller unchanged.
 */

export const openaiUsageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number().optional(),
  prompt_tokens_details: z
    .looseObject({ cached_tokens: z.number().nullish(), audio_tokens: z.number().nullish() })
    .nullish(),
  completion_tokens_details: z
    .looseObject({ reasoning_tokens: z.number().nullish(), audio_tokens: z.number().nullish() })
    .nullish(),
});

const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

export const openaiChatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number(),
      message: z.looseObject({
        role: z.literal('assistant'),
        content: z.string().nullable(),
        tool_calls: z.array(toolCallSchema).nullish(),
      }),
      finish_reason: z.string().nullable(),
    }),
  ),
  usage: openaiUsageSchema.nullish(),
});

export const openaiChunkSchema = z.looseObject({
  id: z.string(),
  // Azure opens a stream with a metadata-only chunk (`object: ""`, `prompt_filter_results`).
  object: z.string(),
  created: z.number(),
  model: z.string(),
  // Some OpenAI-compatible servers send `choices: null` on the usage-only chunk.
  choices: z
    .array(
      z.looseObject({
        index: z.number(),
        delta: z.looseObject({}).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: openaiUsageSchema.nullish(),
});

/** `{"error": {"message", "type", "param", "code"}}`, also sent inside a stream. */
export const openaiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    message: z.string().nullish(),
    type: z.string().nullish(),
    param: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});

export type OpenAIUsage = z.infer<typeof openaiUsageSchema>;

/** `POST /embeddings` response. */
export const openaiEmbeddingsSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(z.looseObject({ object: z.literal('embedding'), index: z.number(), embedding: z.union([z.array(z.number()), z.string()]) })),
  model: z.string(),
  usage: z.looseObject({ prompt_tokens: z.number(), total_tokens: z.number().optional() }).nullish(),
});

/** Usage of the Responses API: cached tokens inside `input_tokens`, reasoning inside `output_tokens`. */
export const openaiResponsesUsageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number().optional(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

/** A Responses API response (`POST /responses`, and the `response` of its stream's lifecycle events). */
export const openaiResponseSchema = z.looseObject({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.number(),
  status: z.string().nullish(),
  model: z.string(),
  output: z.array(z.looseObject({ type: z.string() })),
  incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
  usage: openaiResponsesUsageSchema.nullish(),
});

/** One event of a Responses stream: `type`, and for the lifecycle events the response so far. */
export const openaiResponsesEventSchema = z.looseObject({
  type: z.string(),
  response: openaiResponseSchema.optional(),
});

/** The parses of every answer, chunk and event, compiled once hot (see compiledOnUse). */
export const openaiUsageParser = compiledOnUse(openaiUsageSchema);
export const openaiChatCompletionParser = compiledOnUse(openaiChatCompletionSchema);
export const openaiChunkParser = compiledOnUse(openaiChunkSchema);
export const openaiEmbeddingsParser = compiledOnUse(openaiEmbeddingsSchema);
export const openaiResponseParser = compiledOnUse(openaiResponseSchema);
export const openaiResponsesEventParser = compiledOnUse(openaiResponsesEventSchema);
