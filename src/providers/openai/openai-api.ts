import { z } from 'zod';

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
