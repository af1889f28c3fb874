import type { EmbeddingCall, EmbeddingResult } from '../spec.js';
import { batches, embeddingResult, embeddingTexts, mapLimit, warnUnsupportedEmbeddingParameters } from './embedding-batches.js';
import { vertexPredictEmbedSchema } from './gemini-api.js';
import { malformed, readJson } from './gemini-chat-adapter.js';
import { postGemini, REQUEST_ID_HEADER, type GeminiTransport } from './gemini-fetch.js';

/** Texts per `predict` call: 250 for the text-embedding models, 1 for gemini-embedding models. */
function batchSize(model: string): number {
  return /^gemini-embedding/.test(model) ? 1 : 250;
}

/**
 * Embeddings on Vertex AI: the text embedding models' `predict` method, `{instances: [{content}],
 * parameters: {outputDimensionality}}`, answered `{predictions: [{embeddings: {values,
 * statistics: {token_count, truncated}}}]}`. Usage is the sum of `token_count`.
 */
export async function embedWithVertex(transport: GeminiTransport, call: EmbeddingCall): Promise<EmbeddingResult> {
  warnUnsupportedEmbeddingParameters(call);
  const model = call.body.model;
  const texts = embeddingTexts(call.body);
  let requestId: string | null = null;
  let reported: number | null = 0;
  const statistics: unknown[] = [];
  const vectors = (
    await mapLimit(batches(texts, batchSize(model)), 4, async (batch) => {
      const body = {
        instances: batch.map((content) => ({ content })),
        ...(call.body.dimensions !== undefined ? { parameters: { outputDimensionality: call.body.dimensions } } : {}),
      };
      const { response } = await postGemini(transport, call, model, 'predict', body, 'application/json');
      requestId ??= response.headers.get(REQUEST_ID_HEADER);
      const parsed = vertexPredictEmbedSchema.safeParse(await readJson(response, call.signal, transport.provider, requestId));
      if (!parsed.success || parsed.data.predictions.length !== batch.length) {
        throw malformed(transport.provider, `the response is not ${batch.length} embedding predictions`, requestId, response.status);
      }
      return parsed.data.predictions.map(({ embeddings }) => {
        const count = embeddings.statistics?.token_count;
        reported = reported === null || count == null ? null : reported + count;
        if (embeddings.statistics) statistics.push(embeddings.statistics);
        return embeddings.values;
      });
    })
  ).flat();
  if (statistics.some((s) => (s as { truncated?: boolean }).truncated === true)) call.warn('an input was longer than the model takes and was truncated by Vertex AI');
  return embeddingResult(call, texts, vectors, reported, statistics, requestId);
}
