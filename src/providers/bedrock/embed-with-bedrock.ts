import pMap from 'p-map';
import { RequestValidationError } from '../../errors/request-validation-error.js';
import { estimateEmbeddingTokens } from '../../usage/estimate-tokens.js';
import { batches, embeddingResult } from '../shared/embedding-result.js';
import { malformedResponse, type ResponseContext } from '../shared/response-errors.js';
import type { EmbeddingCall, EmbeddingResult } from '../spec.js';
import { cohereEmbeddingResponseSchema, titanEmbeddingResponseSchema } from './bedrock-api.js';

/** One signed InvokeModel call (`POST /model/{modelId}/invoke`): its JSON answer and headers. */
export type InvokeModel = (body: Record<string, unknown>) => Promise<ResponseContext & { json: unknown; headers: Headers }>;

/** Titan embeds one text per call: arrays are sent as parallel calls, this many at a time. */
const TITAN_CONCURRENCY = 4;
/** Cohere Embed takes at most 96 texts per call. */
const COHERE_BATCH = 96;
/** Input token count Bedrock reports on every InvokeModel answer (Cohere has none in its body). */
const INPUT_TOKENS_HEADER = 'x-amzn-bedrock-input-token-count';

const TITAN_FIELDS = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user', 'normalize']);
const COHERE_FIELDS = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user', 'input_type', 'truncate']);

/**
 * Embeddings on Bedrock through InvokeModel, for the two families with a text-embedding API:
 *
 * - Amazon Titan Text Embeddings (`amazon.titan-embed-*`): `{inputText, dimensions?, normalize?}`
 *   -> `{embedding, inputTextTokenCount}`. Titan takes one text per call, so an array input is
 *   sent as one call per text (4 at a time), in order; usage is their sum.
 * - Cohere Embed (`cohere.embed-*`): `{texts, input_type}` -> `{embeddings}`, in batches of 96.
 *   `input_type` defaults to `search_document` (pass `input_type: 'search_query'` for queries);
 *   input tokens come from the `x-amzn-bedrock-input-token-count` header.
 *
 * The answer is OpenAI-shaped; `encoding_format: 'base64'` is honored by encoding the floats as
 * little-endian float32, as OpenAI does.
 */
export async function embedWithBedrock(call: EmbeddingCall, invoke: InvokeModel, provider: string): Promise<EmbeddingResult> {
  const { body } = call;
  const texts = inputTexts(body.input);
  const family = embeddingFamily(body.model);
  if (!family) {
    throw new RequestValidationError([
      { path: 'model', message: `${body.model}: Bedrock embeddings are supported for amazon.titan-embed-* and cohere.embed-* models` },
    ]);
  }
  if (body.user !== undefined) call.warn(`${provider}: user is not sent to Bedrock embeddings: ignored`);
  for (const name in body) {
    if (!(family === 'cohere' ? COHERE_FIELDS : TITAN_FIELDS).has(name) && body[name] !== undefined) call.warn(`${provider}: ${name} is not a parameter of this embedding model: not sent`);
  }

  const vectors: number[][] = [];
  let inputTokens = 0;
  let estimated = false;
  let requestId: string | null = null;
  const raw: unknown[] = [];
  const count = (reported: number | undefined, headers: Headers, batch: readonly string[]) => {
    const header = Number.parseInt(headers.get(INPUT_TOKENS_HEADER) ?? '', 10);
    const tokens = reported ?? (Number.isFinite(header) ? header : undefined);
    if (tokens === undefined) estimated = true;
    inputTokens += tokens ?? estimateEmbeddingTokens(batch, false);
  };

  if (family === 'cohere') {
    const request: Record<string, unknown> = { input_type: body.input_type ?? 'search_document' };
    if (body.truncate !== undefined) request.truncate = body.truncate;
    if (body.dimensions !== undefined) {
      if (/cohere\.embed-v4/.test(body.model)) request.output_dimension = body.dimensions;
      else call.warn(`${provider}: dimensions is not supported by ${body.model}: ignored`);
    }
    for (const batch of batches(texts, COHERE_BATCH)) {
      const answer = await invoke({ texts: batch, ...request });
      requestId ??= answer.requestId;
      const parsed = cohereEmbeddingResponseSchema.safeParse(answer.json);
      const embeddings = parsed.success ? (Array.isArray(parsed.data.embeddings) ? parsed.data.embeddings : parsed.data.embeddings.float) : null;
      if (!embeddings || embeddings.length !== batch.length) throw malformedResponse(answer, 'the response is not a Cohere embeddings answer');
      vectors.push(...embeddings);
      count(undefined, answer.headers, batch);
      raw.push({ id: parsed.data?.id, inputTokens: answer.headers.get(INPUT_TOKENS_HEADER) });
    }
  } else {
    const request: Record<string, unknown> = {};
    if (family === 'titan-v1') {
      if (body.dimensions !== undefined) call.warn(`${provider}: dimensions is not supported by ${body.model}: ignored`);
    } else if (family === 'titan-image') {
      // Titan Multimodal Embeddings: text only here, its length in `embeddingConfig`.
      if (body.dimensions !== undefined) request.embeddingConfig = { outputEmbeddingLength: body.dimensions };
    } else {
      if (body.dimensions !== undefined) request.dimensions = body.dimensions;
      if (body.normalize !== undefined) request.normalize = body.normalize;
    }
    const answers = await pMap(texts, (text) => invoke({ inputText: text, ...request }), { concurrency: TITAN_CONCURRENCY });
    answers.forEach((answer, i) => {
      requestId ??= answer.requestId;
      const parsed = titanEmbeddingResponseSchema.safeParse(answer.json);
      if (!parsed.success) throw malformedResponse(answer, 'the response is not a Titan embedding');
      vectors.push(parsed.data.embedding);
      count(parsed.data.inputTextTokenCount, answer.headers, [texts[i]!]);
      raw.push({ inputTextTokenCount: parsed.data.inputTextTokenCount });
    });
  }

  return embeddingResult(call, vectors, { inputTokens, estimated, raw }, requestId);
}

function embeddingFamily(model: string): 'titan-v1' | 'titan-image' | 'titan' | 'cohere' | null {
  // Cross-region inference profiles prefix the model id (`us.cohere.embed-v4:0`).
  const id = model.replace(/^[a-z-]+\.(?=(?:amazon|cohere)\.)/, '');
  if (id.startsWith('amazon.titan-embed-text-v1')) return 'titan-v1';
  if (id.startsWith('amazon.titan-embed-image')) return 'titan-image';
  if (id.startsWith('amazon.titan-embed')) return 'titan';
  if (id.startsWith('cohere.embed')) return 'cohere';
  return null;
}

function inputTexts(input: EmbeddingCall['body']['input']): string[] {
  const texts = typeof input === 'string' ? [input] : input;
  if (texts.length === 0) throw new RequestValidationError([{ path: 'input', message: 'must not be empty' }]);
  if (!texts.every((text): text is string => typeof text === 'string')) {
    throw new RequestValidationError([{ path: 'input', message: 'Bedrock embedding models take text: token arrays are not supported' }]);
  }
  return texts;
}
