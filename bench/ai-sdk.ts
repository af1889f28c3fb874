/**
 * The AI SDK part of `npm run bench`: `generateText` on a model that answers at once, bare and
 * wrapped with `tollgateMiddleware` (the full policy: integration, grant and key scopes with a
 * budget and two rate limits each, a usage event), interleaved rounds. AI SDK 6 (it runs on
 * Node 20).
 */
import { generateText, wrapLanguageModel } from 'ai';
import { tollgateMiddleware } from '../src/ai-sdk.js';
import { median, p50 } from './latency.js';
import { fullPolicyGateway } from './full-policy.js';

export interface AiSdkFigures {
  sdk: string;
  p50Micros: { bare: number; middleware: number; added: number };
}

const ROUNDS = 5;

/** A language model (specification v3) that answers at once. */
const instantModel = {
  specificationVersion: 'v3' as const,
  provider: 'bench',
  modelId: 'gpt-4o-mini',
  supportedUrls: {},
  doGenerate: async () => ({
    content: [{ type: 'text' as const, text: 'Hello from the bench' }],
    finishReason: { unified: 'stop' as const, raw: 'stop' },
    usage: { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } },
    warnings: [],
  }),
  doStream: async () => {
    throw new Error('not used');
  },
};


export async function benchAiSdk(timeMs: number): Promise<AiSdkFigures> {
  const { gateway } = fullPolicyGateway();
  // The bench's key 'app-1' opens integration 'mock', whose allowlist has gpt-4o-mini.
  const wrapped = wrapLanguageModel({ model: instantModel, middleware: tollgateMiddleware({ gateway, key: 'app-1', specificationVersion: 'v3' }) });
  const prompt = 'Summarize the quarterly report in three bullet points.';
  const bare = () => generateText({ model: instantModel, prompt, maxOutputTokens: 200 });
  const governed = () => generateText({ model: wrapped, prompt, maxOutputTokens: 200 });
  await p50(bare, 300);
  await p50(governed, 300);
  const n = Math.max(300, Math.round(timeMs / ROUNDS / 2 / 0.1));
  const rounds = { bare: [] as number[], middleware: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    rounds.bare.push(await p50(bare, n));
    rounds.middleware.push(await p50(governed, n));
  }
  await gateway.close();
  const b = median(rounds.bare);
  const m = median(rounds.middleware);
  return { sdk: 'ai 6', p50Micros: { bare: b, middleware: m, added: m - b } };
}
