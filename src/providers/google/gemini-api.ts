import { z } from 'zod';
import { compiledOnUse } from '../../util/compiled-on-use.js';

/**
 * Minimal schemas of the Gemini `generateContent` wire format, shared by the Gemini API (AI
 * Studio) and Vertex AI: what the gateway reads. Loose objects, so that new fields do not break
 * parsing. References: ai.google.dev/api/generate-content, cloud.google.com/vertex-ai/
 * generative-ai/docs/reference/rest/v1/GenerateContentResponse.
 */

/**
 * `promptTokenCount` includes `cachedContentTokenCount`; `toolUsePromptTokenCount` and
 * `thoughtsTokenCount` come on top of prompt and candidates: `totalTokenCount` is their sum.
 */
export const geminiUsageSchema = z.looseObject({
  promptTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
});

const functionCallSchema = z.looseObject({
  id: z.string().nullish(),
  name: z.string(),
  args: z.record(z.string(), z.unknown()).nullish(),
});

export const geminiPartSchema = z.looseObject({
  text: z.string().nullish(),
  /** A summary of the model's thinking: never part of the answer's content. */
  thought: z.boolean().nullish(),
  /** Opaque; Gemini 3 requires it back on the function call parts of later turns. */
  thoughtSignature: z.string().nullish(),
  functionCall: functionCallSchema.nullish(),
});

const logprobCandidateSchema = z.looseObject({ token: z.string().nullish(), logProbability: z.number().nullish() });

export const geminiLogprobsSchema = z.looseObject({
  topCandidates: z.array(z.looseObject({ candidates: z.array(logprobCandidateSchema).nullish() })).nullish(),
  chosenCandidates: z.array(logprobCandidateSchema).nullish(),
});

export const geminiCandidateSchema = z.looseObject({
  content: z.looseObject({ role: z.string().nullish(), parts: z.array(geminiPartSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  finishMessage: z.string().nullish(),
  index: z.number().nullish(),
  logprobsResult: geminiLogprobsSchema.nullish(),
});

/** A `GenerateContentResponse`: the whole answer, or one event of a `streamGenerateContent` stream. */
export const geminiResponseSchema = z.looseObject({
  candidates: z.array(geminiCandidateSchema).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish(), blockReasonMessage: z.string().nullish() }).nullish(),
  usageMetadata: geminiUsageSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
  /** Vertex AI only: RFC 3339. */
  createTime: z.string().nullish(),
});

/**
 * `{"error": {"code", "message", "status", "details"}}` (google.rpc.Status), also sent as an
 * event of a stream. `details` may hold a `type.googleapis.com/google.rpc.RetryInfo`.
 */
export const geminiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.unknown()).nullish(),
  }),
});

/** Gemini API `batchEmbedContents`. */
export const geminiBatchEmbedSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
  usageMetadata: z.looseObject({ promptTokenCount: z.number().nullish() }).nullish(),
});

/** Vertex AI `predict` of a text embedding model. */
export const vertexPredictEmbedSchema = z.looseObject({
  predictions: z.array(
    z.looseObject({
      embeddings: z.looseObject({
        values: z.array(z.number()),
        statistics: z.looseObject({ token_count: z.number().nullish(), truncated: z.boolean().nullish() }).nullish(),
      }),
    }),
  ),
});

export type GeminiUsage = z.infer<typeof geminiUsageSchema>;
export type GeminiResponse = z.infer<typeof geminiResponseSchema>;
export type GeminiCandidate = z.infer<typeof geminiCandidateSchema>;
export type GeminiLogprobs = z.infer<typeof geminiLogprobsSchema>;

/** What the gateway sends: a `GenerateContentRequest`. */
export type GeminiRequestPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiRequestPart[];
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parametersJsonSchema?: Record<string, unknown> }> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: Record<string, unknown>;
}

/** The parses of every answer and stream chunk, compiled once hot (see compiledOnUse). */
export const geminiResponseParser = compiledOnUse(geminiResponseSchema);
