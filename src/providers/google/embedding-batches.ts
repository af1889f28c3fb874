import { RequestValidationError } from '../../errors/request-validation-error.js';
import { estimateTextTokens } from '../../limits/estimate-tokens.js';
import type { EmbeddingRequestBody, EmbeddingResponse } from '../chat-types.js';
import type { EmbeddingCall, EmbeddingResult, Usage } from '../spec.js';

/** The texts of an embeddings request. Google's embedding APIs take text only, not token arrays. */
export function embeddingTexts(body: EmbeddingRequestBody): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (input.every((item) => typeof item === 'string')) return input as string[];
  throw new RequestValidationError([{ path: 'input', message: 'token arrays are not supported by Google embedding models; send text' }]);
}

/** Reports the OpenAI parameters Google's embedding APIs do not take. */
export function warnUnsupportedEmbeddingParameters(call: EmbeddingCall): void {
  for (const name in call.body) {
    if (name === 'model' || name === 'input' || name === 'dimensions' || name === 'encoding_format' || call.body[name] == null) continue;
    call.warn(`parameter '${name}' is not supported by Google embeddings; ignored`);
  }
}

/** Splits `items` into batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `run` on every item, at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The OpenAI embeddings response of `vectors` (one per input, in order): floats, or base64 of
 * little-endian float32 as OpenAI encodes them. Usage is the provider's token count when it gave
 * one, else the gateway's estimate (marked `estimated`).
 */
export function embeddingResult(
  call: EmbeddingCall,
  texts: readonly string[],
  vectors: readonly number[][],
  reportedTokens: number | null,
  raw: unknown,
  providerRequestId: string | null,
): EmbeddingResult {
  const base64 = call.body.encoding_format === 'base64';
  const inputTokens = reportedTokens ?? texts.reduce((n, t) => n + estimateTextTokens(t), 0);
  const usage: Usage = {
    inputTokens,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: inputTokens,
    estimated: reportedTokens === null,
    raw,
  };
  const response: EmbeddingResponse = {
    object: 'list',
    data: vectors.map((values, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values,
    })),
    model: call.body.model,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  };
  return { response, usage, providerRequestId };
}
