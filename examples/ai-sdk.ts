/**
 * The AI SDK governed by tollgate, offline: `npx tsx examples/ai-sdk.ts`
 *
 * 1. tollgateMiddleware around a model tollgate has no adapter for (here the AI SDK's own mock
 *    model standing in for a self-hosted one): its calls admitted against a budget and metered.
 * 2. createTollgate: tollgate as an AI SDK provider, its integrations as models.
 *
 * AI SDK 6 here, so that it runs on Node 20 (`specificationVersion: 'v3'`); with AI SDK 7, the
 * current major, leave `specificationVersion` out.
 */
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { createGateway, GatewayError } from 'tollgate';
import { createTollgate, tollgateMiddleware } from 'tollgate/ai-sdk';

const gateway = createGateway({
  integrations: [
    // Governed, not called: the application's code (the AI SDK) makes the calls.
    {
      slug: 'local',
      provider: 'external',
      models: ['llama-3'],
      pricing: { 'llama-3': { input: 0.2, output: 0.6 } },
      workspaces: { research: { rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }] } },
    },
    { slug: 'llm-prod', provider: 'mock', models: ['gpt-4o-mini'], workspaces: { research: {} } },
  ],
});
gateway.on('usage', (e) => console.log(`  [usage] ${e.status} ${e.integration}/${e.model} ${e.usage.inputTokens}+${e.usage.outputTokens} tokens $${e.cost ?? 0}`));

const llama = new MockLanguageModelV3({
  modelId: 'llama-3',
  doGenerate: {
    content: [{ type: 'text', text: 'Three bullet points about Q3.' }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: { inputTokens: { total: 120, noCache: 120, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 40, text: 40, reasoning: 0 } },
    warnings: [],
  },
});
const model = wrapLanguageModel({ model: llama, middleware: tollgateMiddleware({ gateway, workspace: 'research', integration: 'local', specificationVersion: 'v3' }) });

console.log('1. a self-hosted model through tollgateMiddleware (2 requests a minute):');
for (let i = 1; i <= 3; i++) {
  try {
    const { text } = await generateText({ model, prompt: 'Summarize Q3', maxRetries: 0 });
    console.log(`  -> ${text}`);
  } catch (error) {
    if (!GatewayError.isInstance(error)) throw error;
    console.log(`  -> refused: ${error.code} (${error.status})`);
  }
}

console.log('2. tollgate as an AI SDK provider:');
const tollgate = createTollgate({ gateway, workspace: 'research', specificationVersion: 'v3' });
const { text } = await generateText({ model: tollgate('@llm-prod/gpt-4o-mini'), prompt: 'Hello' });
console.log(`  -> ${text}`);
await gateway.close();
