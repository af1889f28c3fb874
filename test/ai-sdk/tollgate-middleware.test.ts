// npm test: the real AI SDK (6 and 7) against a local OpenAI-compatible server in this process; well under a second.
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, createGateway, IntegrationNotFoundError, ModelNotAllowedError, type UsageEvent } from '../../src/index.js';
import { tollgateMiddleware } from '../../src/ai-sdk.js';
import { localLlmServer } from './local-llm-server.js';
import { aiSdks } from '../helpers/ai-sdk-versions.js';

/**
 * The AI SDK's generateText and streamText through tollgateMiddleware, around a model of a
 * provider tollgate has no adapter for (`@ai-sdk/openai-compatible` on a local server), with each
 * AI SDK major tollgate supports.
 */
/** $1 per million input tokens, $2 per million output: 40 + 12 tokens cost 64 micro-dollars. */
const PRICE = { input: 1, output: 2 };

function gatewayFor(budget: { type: 'cost' | 'tokens'; limit: number } = { type: 'cost', limit: 10 }) {
  const gateway = createGateway({
    integrations: [
      {
        slug: 'local',
        provider: 'external',
        models: ['llama-3'],
        pricing: { 'llama-3': PRICE, 'other-model': PRICE },
        workspaces: { 'team-a': { budgets: [{ ...budget, reset: 'monthly' }] } },
      },
    ],
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  return { gateway, events };
}

for (const major of aiSdks) {
  describe(`tollgateMiddleware with ${major.name}`, () => {
    async function setup(budget?: { type: 'cost' | 'tokens'; limit: number }) {
      const { ai, createOpenAICompatible } = await major.load();
      const server = await localLlmServer();
      const { gateway, events } = gatewayFor(budget);
      const local = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, includeUsage: true });
      const middleware = tollgateMiddleware({ gateway, workspace: 'team-a', integration: 'local', specificationVersion: major.spec as 'v3' });
      const model = (id = 'llama-3') => ai.wrapLanguageModel({ model: local(id) as never, middleware: middleware as never });
      const status = async () => (await gateway.limits.status({ workspace: 'team-a', integration: 'local', kind: 'budget' }))[0]!;
      return { ai, server, gateway, events, model, status, createOpenAICompatible };
    }

    it('generateText: answered by the model, metered with the usage it reported, one usage event', async () => {
      const { ai, server, gateway, events, model, status } = await setup();
      const result = await ai.generateText({ model: model(), prompt: 'Say hello', maxRetries: 0, providerOptions: { tollgate: { user: 'u-42', metadata: { feature: 'greeting' } } } });
      expect(result.text).toBe(server.reply);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        status: 'success',
        stream: false,
        workspace: 'team-a',
        integration: 'local',
        provider: 'external',
        model: 'llama-3',
        user: 'u-42',
        metadata: { feature: 'greeting' },
        usage: { inputTokens: 40, outputTokens: 12, estimated: false },
        costMicros: 64,
      });
      // Spent is exactly what the model reported, priced; nothing left reserved.
      expect(await status()).toMatchObject({ used: 0.000064, reserved: 0 });
      // Without an output limit of the caller's, the reservation's went upstream.
      expect(typeof server.bodies[0]!.max_tokens).toBe('number');
      await gateway.close();
    });

    it('streamText: streamed through, settled at the finish part with the reported usage', async () => {
      const { ai, server, gateway, events, model, status } = await setup();
      const result = ai.streamText({ model: model(), prompt: 'Say hello', maxRetries: 0 });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      expect(text).toBe(server.reply);
      await gateway.flush();
      expect(events).toMatchObject([{ status: 'success', stream: true, usage: { inputTokens: 40, outputTokens: 12 }, costMicros: 64 }]);
      expect(await status()).toMatchObject({ used: 0.000064, reserved: 0 });
      await gateway.close();
    });

    it('providerOptions.tollgate.wait: a call refused by a concurrency limit waits for the slot instead', async () => {
      const { ai, createOpenAICompatible } = await major.load();
      const server = await localLlmServer();
      const gateway = createGateway({
        integrations: [{ slug: 'local', provider: 'external', models: ['llama-3'], pricing: { 'llama-3': PRICE }, workspaces: { 'team-a': { rateLimits: [{ type: 'concurrency', limit: 1 }] } } }],
      });
      const local = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, includeUsage: true });
      const model = ai.wrapLanguageModel({ model: local('llama-3') as never, middleware: tollgateMiddleware({ gateway, workspace: 'team-a', integration: 'local', specificationVersion: major.spec as 'v3' }) as never });
      // The slot held by a call admitted directly (what the middleware does for each model call).
      const held = await gateway.admit({ workspace: 'team-a', model: '@local/llama-3', messages: [{ role: 'user', content: 'hi' }] });
      await expect(ai.generateText({ model, prompt: 'Say hello', maxRetries: 0 })).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
      const waiting = ai.generateText({ model, prompt: 'Say hello', maxRetries: 0, providerOptions: { tollgate: { wait: { maxMs: 60_000 } } } });
      await expect.poll(() => gateway.stats().waiting).toBe(1);
      held.end({ usage: null });
      await expect(waiting).resolves.toMatchObject({ text: server.reply });
      await gateway.close();
    });

    it('a spent budget: the tollgate error reaches the caller, and the model is never called', async () => {
      // 100 tokens: less than this prompt alone.
      const { ai, server, gateway, events, model } = await setup({ type: 'tokens', limit: 100 });
      const error = await ai.generateText({ model: model(), prompt: 'Say hello. '.repeat(100), maxRetries: 0 }).catch((e: unknown) => e);
      expect(BudgetExceededError.isInstance(error)).toBe(true);
      expect(server.bodies).toHaveLength(0);
      expect(events).toMatchObject([{ status: 'rejected', errorCode: 'budget_exceeded' }]);
      await gateway.close();
    });

    it('a model outside the allowlist is refused with ModelNotAllowedError', async () => {
      const { ai, server, gateway, model } = await setup();
      const error = await ai.generateText({ model: model('other-model'), prompt: 'Say hello', maxRetries: 0 }).catch((e: unknown) => e);
      expect(ModelNotAllowedError.isInstance(error)).toBe(true);
      expect(server.bodies).toHaveLength(0);
      await gateway.close();
    });

    it('without an integration, the model is counted on the integration its AI SDK provider is named after, and allowlisted there', async () => {
      const { ai, server, gateway, events, createOpenAICompatible } = await setup();
      const byProvider = tollgateMiddleware({ gateway, workspace: 'team-a', specificationVersion: major.spec as 'v3' });
      const named = (name: string, id: string) =>
        ai.wrapLanguageModel({ model: createOpenAICompatible({ name, baseURL: server.baseURL, includeUsage: true })(id) as never, middleware: byProvider as never });
      const { text } = await ai.generateText({ model: named('local', 'llama-3'), prompt: 'Say hello', maxRetries: 0 });
      expect(text).toBe(server.reply);
      expect(events).toMatchObject([{ status: 'success', integration: 'local', model: 'llama-3' }]);
      const otherModel = await ai.generateText({ model: named('local', 'other-model'), prompt: 'Say hello', maxRetries: 0 }).catch((e: unknown) => e);
      expect(ModelNotAllowedError.isInstance(otherModel)).toBe(true);
      const otherProvider = await ai.generateText({ model: named('elsewhere', 'llama-3'), prompt: 'Say hello', maxRetries: 0 }).catch((e: unknown) => e);
      expect(IntegrationNotFoundError.isInstance(otherProvider)).toBe(true);
      expect(server.bodies).toHaveLength(1);
      await gateway.close();
    });

    it('an abandoned stream is settled: a usage event, nothing left reserved', async () => {
      const { ai, gateway, events, model, status } = await setup();
      const result = ai.streamText({ model: model(), prompt: 'Say hello', maxRetries: 0 });
      for await (const _delta of result.textStream) break; // read one delta, then walk away
      await gateway.flush();
      await expect.poll(() => events.length).toBe(1);
      expect(['success', 'aborted']).toContain(events[0]!.status);
      expect(await status()).toMatchObject({ reserved: 0 });
      await gateway.close();
    });
  });
}

describe('tollgateMiddleware types', () => {
  // npm run typecheck checks these calls: each major's wrapLanguageModel takes the middleware with no cast.
  it('fits AI SDK 7 by default (v4), and AI SDK 6 with specificationVersion v3', async () => {
    const { gateway } = gatewayFor();
    const v7 = (await import('ai')).wrapLanguageModel({
      model: (await import('@ai-sdk/openai-compatible')).createOpenAICompatible({ name: 'local', baseURL: 'http://127.0.0.1:9/v1' })('llama-3'),
      middleware: tollgateMiddleware({ gateway, key: 'k' }),
    });
    const v6 = (await import('ai-v6')).wrapLanguageModel({
      model: (await import('ai-sdk-openai-compatible-v2')).createOpenAICompatible({ name: 'local', baseURL: 'http://127.0.0.1:9/v1' })('llama-3'),
      middleware: tollgateMiddleware({ gateway, key: 'k', specificationVersion: 'v3' }),
    });
    expect([v7.specificationVersion, v6.specificationVersion]).toEqual(['v4', 'v3']);
    expect([v7.modelId, v6.modelId]).toEqual(['llama-3', 'llama-3']);
    await gateway.close();
  });
});

describe('tollgateMiddleware options', () => {
  it('refuses a gateway it cannot use, or no identity, saying what to give', () => {
    const { gateway } = gatewayFor();
    expect(() => tollgateMiddleware({ gateway: {} as never, key: 'k' })).toThrow(/gateway must be made by createGateway/);
    expect(() => tollgateMiddleware({ gateway } as never)).toThrow(/\{ gateway, key \} or \{ gateway, workspace, integration\? \}/);
    expect(() => tollgateMiddleware({ gateway, workspace: 'team-a', integration: 7 } as never)).toThrow(/\{ gateway, key \} or \{ gateway, workspace, integration\? \}/);
    expect(() => tollgateMiddleware({ gateway, key: 'k', streamIdleTimeoutMs: -1 })).toThrow(/streamIdleTimeoutMs/);
  });

  it('an external integration cannot be called by gateway.chat', async () => {
    const { gateway } = gatewayFor();
    await expect(gateway.chat({ workspace: 'team-a', model: '@local/llama-3', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(/integration 'local' is external/);
    await gateway.close();
  });
});
