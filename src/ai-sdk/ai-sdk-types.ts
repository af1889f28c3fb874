/**
 * The parts of the AI SDK's language model interfaces that the middleware reads, written
 * structurally so that `tollgate/ai-sdk` imports nothing from `ai` or `@ai-sdk/provider` and
 * fits both AI SDK 6 (specification v3) and AI SDK 7 (v4): the shapes it reads are the same in
 * both. Usage also takes the flat shape of specification v2 (AI SDK 5).
 */

/** A prompt message (v3 and v4): system text, or parts. */
export interface PromptMessage {
  role: string;
  content: string | ReadonlyArray<PromptPart>;
}

/** A part of a message: text, a file, a tool call or result... (read by its `type`). */
export interface PromptPart {
  type: string;
}

/** What the middleware reads of the call options. */
export interface CallOptions {
  prompt: readonly PromptMessage[];
  maxOutputTokens?: number;
  tools?: ReadonlyArray<{ type: string; name: string; description?: string; inputSchema?: unknown }>;
  abortSignal?: AbortSignal;
  providerOptions?: Record<string, Record<string, unknown> | undefined>;
}

/** Token counts: nested (v3, v4) or flat (v2). */
export type ModelUsage =
  | {
      inputTokens: { total: number | undefined; noCache?: number | undefined; cacheRead?: number | undefined; cacheWrite?: number | undefined } | number | undefined;
      outputTokens: { total: number | undefined; text?: number | undefined; reasoning?: number | undefined } | number | undefined;
      reasoningTokens?: number | undefined;
      cachedInputTokens?: number | undefined;
      raw?: unknown;
    }
  | undefined;

/** A finish reason: `{ unified, raw }` (v3, v4) or a string (v2). */
export type ModelFinishReason = { unified: string; raw?: string | undefined } | string | undefined;

export interface GenerateResult {
  usage: ModelUsage;
  finishReason: ModelFinishReason;
  response?: { modelId?: string | undefined; id?: string | undefined } | undefined;
}

export interface StreamResult {
  stream: ReadableStream<StreamPart>;
}

/** A stream part: the middleware reads text deltas, the response metadata, errors and `finish`. */
export interface StreamPart {
  type: string;
}

/** The model a middleware wraps: its provider and id. */
export interface WrappedModel {
  readonly provider: string;
  readonly modelId: string;
}
