import type { EmbeddingResponse } from '../../usage/chat-types.js';
import type { EmbeddingCall, EmbeddingResult } from '../spec.js';
import type { Usage } from '../../usage/usage.js';

/** Input tokens of an embeddings call: the provider's count, or the gateway's estimate. */
export interface EmbeddingTokens {
  inputTokens: number;
  /** True when some of `inputTokens` is the gateway's estimate, not the provider's count. */
  estimated: boolean;
  /** What the provider reported, kept on the usage event. */
  raw: unknown;
}

/** The normalized usage of an embeddings call: input only. */
export function embeddingUsage({ inputTokens, estimated, raw }: EmbeddingTokens): Usage {
  return { inputTokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: inputTokens, estimated, raw };
}

/**
 * The OpenAI embeddings response of `vectors` (one per input, in order) for providers whose
 * answers have another shape: floats, or with `encoding_format: 'base64'` the base64 of
 * little-endian float32, as OpenAI encodes them.
 */
export function embeddingResult(call: EmbeddingCall, vectors: readonly number[][], tokens: EmbeddingTokens, providerRequestId: string | null): EmbeddingResult {
  const base64 = call.body.encoding_format === 'base64';
  const response: EmbeddingResponse = {
    object: 'list',
    data: vectors.map((values, index) => ({ object: 'embedding', index, embedding: base64 ? toBase64(values) : values })),
    model: call.body.model,
    usage: { prompt_tokens: tokens.inputTokens, total_tokens: tokens.inputTokens },
  };
  return { response, usage: embeddingUsage(tokens), providerRequestId };
}

/** Splits `items` into batches of at most `size`, for APIs that cap the texts per call. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toBase64(values: readonly number[]): string {
  // writeFloatLE, not a Float32Array's bytes: those are in platform order (big-endian on s390x).
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i]!, i * 4);
  return bytes.toString('base64');
}
