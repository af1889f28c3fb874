import type { EmbeddingCall, EmbeddingResult } from '../spec.js';
import { batches, embeddingResult, embeddingTexts, mapLimit, warnUnsupportedEmbeddingParameters } from './embedding-batches.js';
import { geminiBatchEmbedSchema } from './gemini-api.js';
import { malformed, readJson } from './gemini-chat-adapter.js';
import { postGemini, REQUEST_ID_HEADER, type GeminiTransport } from './gemini-fetch.js';
import { modelPath } from './model-path.js';

/** `batchEmbedContents` takes at most 100 requests. */
const BATCH = 100;

/**
 * Embeddings on the Gemini API: `models/{model}:batchEmbedContents` with one request per text
 * (`{model, content: {parts: [{text}]}, outputDimensionality}`), answered `{embeddings:
 * [{values}]}` in order. The API reports no token count: usage is estimated.
 */
export async function embedWithGeminiApi(transport: GeminiTransport, call: EmbeddingCall): Promise<EmbeddingResult> {
  warnUnsupportedEmbeddingParameters(call);
  const model = call.body.model;
  const texts = embeddingTexts(call.body);
  let requestId: string | null = null;
  let reported: number | null = 0;
  const raw: unknown[] = [];
  const vectors = (
    await mapLimit(batches(texts, BATCH), 4, async (batch) => {
      const body = {
        requests: batch.map((text) => ({
          model: modelPath(model),
          content: { parts: [{ text }] },
          ...(call.body.dimensions !== undefined ? { outputDimensionality: call.body.dimensions } : {}),
        })),
      };
      const { response } = await postGemini(transport, call, model, 'batchEmbedContents', body, 'application/json');
      requestId ??= response.headers.get(REQUEST_ID_HEADER);
      const parsed = geminiBatchEmbedSchema.safeParse(await readJson(response, call.signal, transport.provider, requestId));
      if (!parsed.success || parsed.data.embeddings.length !== batch.length) {
        throw malformed(transport.provider, `the response is not ${batch.length} embeddings`, requestId, response.status);
      }
      const tokens = parsed.data.usageMetadata?.promptTokenCount;
      reported = reported === null || tokens == null ? null : reported + tokens;
      if (parsed.data.usageMetadata) raw.push(parsed.data.usageMetadata);
      return parsed.data.embeddings.map((e) => e.values);
    })
  ).flat();
  return embeddingResult(call, texts, vectors, reported, raw.length > 0 ? raw : null, requestId);
}
