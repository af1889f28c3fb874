import pMap from 'p-map';
import { RequestValidationError } from '../../errors/request-validation-error.js';
import { estimateEmbeddingTokens } from '../../usage/estimate-tokens.js';
import type { EmbeddingRequestBody } from '../../usage/chat-types.js';
import { batches, embeddingResult } from '../shared/embedding-result.js';
import { readJsonBody } from '../shared/read-json.js';
import { malformedResponse } from '../shared/response-errors.js';
import type { EmbeddingCall, EmbeddingResult } from '../spec.js';
import { postGemini, REQUEST_ID_HEADER, type GeminiMethod, type GeminiTransport } from './gemini-fetch.js';

/** Batches in flight at once for a long input. */
const CONCURRENCY = 4;

/** One of Google's embedding methods: how a batch of texts is asked and how its answer is read. */
export interface EmbeddingMethod {
  method: GeminiMethod;
  /** Texts per call, the method's cap. */
  batchSize: number;
  body(batch: readonly string[]): unknown;
  /**
   * The vectors of one answer, in order, with the tokens it reports (`null`: none, so the whole
   * call's usage is estimated) and what to keep as raw usage; `null` if the answer has another shape.
   */
  read(json: unknown): { vectors: number[][]; tokens: number | null; raw: unknown[] } | null;
  /** What an answer holds, for the error when it does not (`embeddings`). */
  holds: string;
}

/**
 * Embeds the texts of `call` in batches of the method's size, 4 batches at a time, and returns
 * the vectors in input order as an OpenAI embeddings response. Google's embedding APIs take
 * text only; the OpenAI parameters they have no use for are reported, not sent.
 */
export async function embedInBatches(transport: GeminiTransport, call: EmbeddingCall, spec: EmbeddingMethod): Promise<EmbeddingResult> {
  warnUnsupportedParameters(call);
  const { provider } = transport;
  const texts = embeddingTexts(call.body);
  let requestId: string | null = null;
  let reported: number | null = 0;
  const raw: unknown[] = [];
  const answers = await pMap(
    batches(texts, spec.batchSize),
    async (batch) => {
      const { response } = await postGemini(transport, call, call.body.model, spec.method, spec.body(batch), 'application/json');
      const ctx = { provider, status: response.status, requestId: response.headers.get(REQUEST_ID_HEADER) };
      requestId ??= ctx.requestId;
      const answer = spec.read(await readJsonBody(response, call.signal, ctx));
      if (!answer || answer.vectors.length !== batch.length) throw malformedResponse(ctx, `the response is not ${batch.length} ${spec.holds}`);
      reported = reported === null || answer.tokens === null ? null : reported + answer.tokens;
      raw.push(...answer.raw);
      return answer.vectors;
    },
    { concurrency: CONCURRENCY },
  );
  const tokens = { inputTokens: reported ?? estimateEmbeddingTokens(texts, false), estimated: reported === null, raw: raw.length > 0 ? raw : null };
  return embeddingResult(call, answers.flat(), tokens, requestId);
}

/** The texts of an embeddings request. Google's embedding APIs take text only, not token arrays. */
function embeddingTexts(body: EmbeddingRequestBody): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (input.every((item) => typeof item === 'string')) return input as string[];
  throw new RequestValidationError([{ path: 'input', message: 'token arrays are not supported by Google embedding models; send text' }]);
}

/** Reports the OpenAI parameters Google's embedding APIs do not take. */
function warnUnsupportedParameters(call: EmbeddingCall): void {
  for (const name in call.body) {
    if (name === 'model' || name === 'input' || name === 'dimensions' || name === 'encoding_format' || call.body[name] == null) continue;
    call.warn(`parameter '${name}' is not supported by Google embeddings; ignored`);
  }
}
