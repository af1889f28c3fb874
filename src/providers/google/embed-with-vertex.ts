import type { EmbeddingCall, EmbeddingResult } from '../spec.js';
import { embedInBatches } from './embed-in-batches.js';
import { vertexPredictEmbedSchema } from './gemini-api.js';
import type { GeminiTransport } from './gemini-fetch.js';

/**
 * Embeddings on Vertex AI: the text embedding models' `predict` method, `{instances: [{content}],
 * parameters: {outputDimensionality}}`, answered `{predictions: [{embeddings: {values,
 * statistics: {token_count, truncated}}}]}`. Usage is the sum of `token_count`. A call takes 250
 * texts for the text-embedding models, 1 for the gemini-embedding models.
 */
export async function embedWithVertex(transport: GeminiTransport, call: EmbeddingCall): Promise<EmbeddingResult> {
  const { model, dimensions } = call.body;
  const result = await embedInBatches(transport, call, {
    method: 'predict',
    batchSize: /^gemini-embedding/.test(model) ? 1 : 250,
    holds: 'embedding predictions',
    body: (batch) => ({
      instances: batch.map((content) => ({ content })),
      ...(dimensions !== undefined ? { parameters: { outputDimensionality: dimensions } } : {}),
    }),
    read: (json) => {
      const parsed = vertexPredictEmbedSchema.safeParse(json);
      if (!parsed.success) return null;
      let tokens: number | null = 0;
      const statistics: unknown[] = [];
      const vectors = parsed.data.predictions.map(({ embeddings }) => {
        const count = embeddings.statistics?.token_count;
        tokens = tokens === null || count == null ? null : tokens + count;
        if (embeddings.statistics) statistics.push(embeddings.statistics);
        return embeddings.values;
      });
      return { vectors, tokens, raw: statistics };
    },
  });
  const statistics = (result.usage.raw ?? []) as { truncated?: boolean }[];
  if (statistics.some((s) => s.truncated === true)) call.warn('an input was longer than the model takes and was truncated by Vertex AI');
  return result;
}
