import type { GeminiLogprobs } from './gemini-api.js';

export interface OpenAITokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

/**
 * Gemini `logprobsResult` (chosen token and top candidates per step) as OpenAI
 * `logprobs.content`. Null when the candidate has none.
 */
export function convertGeminiLogprobs(result: GeminiLogprobs | null | undefined): { content: OpenAITokenLogprob[] } | null {
  const chosen = result?.chosenCandidates;
  if (!chosen || chosen.length === 0) return null;
  const top = result.topCandidates ?? [];
  return {
    content: chosen.map((c, i) => ({
      token: c.token ?? '',
      logprob: c.logProbability ?? 0,
      bytes: c.token != null ? [...Buffer.from(c.token, 'utf8')] : null,
      top_logprobs: (top[i]?.candidates ?? []).map((t) => ({
        token: t.token ?? '',
        logprob: t.logProbability ?? 0,
        bytes: t.token != null ? [...Buffer.from(t.token, 'utf8')] : null,
      })),
    })),
  };
}
