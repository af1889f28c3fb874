import type { EmbeddingCall, EmbeddingResult } from '../spec.js';
import { embedInBatches } from './embed-in-batches.js';
import { geminiBatchEmbedSchema } from './gemini-api.js';
import type { GeminiTransport } from './gemini-fetch.js';
import { modelPath } from './model-path.js';

/**
 * Embeddings on the Gemini API: `models/{model}:batchEmbedContents` (at most 100 requests a
 * call) with one request per text (`{model, content: {parts: [{text}]}, outputDimensionality}`),
 * answered `{embeddings: [{values}]}` in order. The API reports no token count (only some
 * versions send `usageMetadata`): without one for every batch, usage is estimated.
 */
export function embedWithGeminiApi(transport: GeminiTransport, call: EmbeddingCall): Promise<EmbeddingResult> {
  const { model, dimensions } = call.body;
  return embedInBatches(transport, call, {
    method: 'batchEmbedContents',
    batchSize: 100,
    holds: 'embeddings',
    body: (batch) => ({
      requests: batch.map((text) => ({
        model: modelPath(model),
        content: { parts: [{ text }] },
        ...(dimensions !== undefined ? { outputDimensionality: dimensions } : {}),
      })),
    }),
    read: (json) => {
      const parsed = geminiBatchEmbedSchema.safeParse(json);
      if (!parsed.success) return null;
      const usage = parsed.data.usageMetadata;
      return { vectors: parsed.data.embeddings.map((e) => e.values), tokens: usage?.promptTokenCount ?? null, raw: usage ? [usage] : [] };
    },
  });
}
