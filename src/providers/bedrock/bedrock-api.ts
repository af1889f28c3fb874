import { z } from 'zod';
import { compiledOnUse } from '../../util/compiled-on-use.js';

/**
 * Minimal schemas of the Bedrock Runtime wire format (Converse, ConverseStream, InvokeModel for
 * embeddings): what the gateway reads. Objects are loose, so that new fields never break parsing.
 */

/**
 * `TokenUsage`. With prompt caching, `inputTokens` counts only the input that was neither read
 * from nor written to the cache: total input = inputTokens + cacheReadInputTokens +
 * cacheWriteInputTokens (docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html).
 */
export const bedrockUsageSchema = z.looseObject({
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number().nullish(),
  cacheReadInputTokens: z.number().nullish(),
  cacheWriteInputTokens: z.number().nullish(),
});

const toolUseBlockSchema = z.looseObject({ toolUseId: z.string(), name: z.string(), input: z.unknown() });

/** A `ContentBlock` of the output message: one member set (`text`, `toolUse`, `reasoningContent`...). */
const outputBlockSchema = z.looseObject({
  text: z.string().optional(),
  toolUse: toolUseBlockSchema.optional(),
  reasoningContent: z.unknown().optional(),
});

/** `POST /model/{modelId}/converse` response. */
export const converseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({ role: z.literal('assistant'), content: z.array(outputBlockSchema) }),
  }),
  stopReason: z.string(),
  usage: bedrockUsageSchema,
  metrics: z.looseObject({ latencyMs: z.number().optional() }).optional(),
});

/** ConverseStream events, by `:event-type`; each payload may carry a `p` padding field. */
export const messageStartEventSchema = z.looseObject({ role: z.string() });
export const contentBlockStartEventSchema = z.looseObject({
  contentBlockIndex: z.number(),
  start: z.looseObject({ toolUse: z.looseObject({ toolUseId: z.string(), name: z.string() }).optional() }).optional(),
});
export const contentBlockDeltaEventSchema = z.looseObject({
  contentBlockIndex: z.number(),
  delta: z.looseObject({
    text: z.string().optional(),
    toolUse: z.looseObject({ input: z.string() }).optional(),
    reasoningContent: z.unknown().optional(),
  }),
});
export const contentBlockStopEventSchema = z.looseObject({ contentBlockIndex: z.number() });
export const messageStopEventSchema = z.looseObject({ stopReason: z.string() });
export const metadataEventSchema = z.looseObject({
  usage: bedrockUsageSchema,
  metrics: z.looseObject({ latencyMs: z.number().optional() }).optional(),
});

/** Error bodies: `{"message": "..."}` (some services spell it `Message`); the type is in `x-amzn-errortype`. */
export const bedrockErrorBodySchema = z.looseObject({
  message: z.string().optional(),
  Message: z.string().optional(),
});

/** Amazon Titan Text Embeddings (G1 and V2) InvokeModel response. */
export const titanEmbeddingResponseSchema = z.looseObject({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().optional(),
});

/**
 * Cohere Embed InvokeModel response: `embeddings` is a list of vectors (`embeddings_floats`), or
 * vectors by type (`embeddings_by_type`, when `embedding_types` was sent, and Embed v4).
 */
export const cohereEmbeddingResponseSchema = z.looseObject({
  embeddings: z.union([z.array(z.array(z.number())), z.looseObject({ float: z.array(z.array(z.number())) })]),
  id: z.string().optional(),
  response_type: z.string().optional(),
});

export type BedrockUsage = z.infer<typeof bedrockUsageSchema>;

/** The parses of every answer and stream event, compiled once hot (see compiledOnUse). */
export const converseResponseParser = compiledOnUse(converseResponseSchema);
export const contentBlockStartEventParser = compiledOnUse(contentBlockStartEventSchema);
export const contentBlockDeltaEventParser = compiledOnUse(contentBlockDeltaEventSchema);
export const messageStopEventParser = compiledOnUse(messageStopEventSchema);
export const metadataEventParser = compiledOnUse(metadataEventSchema);
