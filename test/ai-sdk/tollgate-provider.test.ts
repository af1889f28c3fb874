// npm test: the real AI SDK (6 and 7) on the mock provider, in process; milliseconds.
import { describe, expect, it } from 'vitest';
import { createGateway, RateLimitExceededError, type UsageEvent } from '../../src/index.js';
import { createTollgate } from '../../src/ai-sdk.js';
import { mockIntegration } from '../helpers/http-gateway.js';
import { aiSdks } from '../helpers/ai-sdk-versions.js';

/** `createTollgate`: an AI SDK provider whose models are tollgate's (the mock provider here), with each AI SDK major tollgate supports. */
function setup(mock: Record<string, unknown> = {}) {
  const gateway = createGateway({
    integrations: [mockIntegration({ mock: { usage: { inputTokens: 20, outputTokens: 80 }, ...mock } })],
    keys: [
      { id: 'app-1', workspace: 'team-a', integration: 'mock' },
      { id: 'limited', workspace: 'team-a', integration: 'mock', rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] },
    ],
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  return { gateway, events };
}

for (const major of aiSdks) {
  describe(`createTollgate with ${major.name}`, () => {
    it('generateText: through the gateway, with its usage, one usage event carrying the call’s user', async () => {
      const { ai } = await major.load();
      const { gateway, events } = setup();
      const tollgate = createTollgate({ gateway, key: 'app-1', specificationVersion: major.spec });
      const result = await ai.generateText({ model: tollgate('m') as never, prompt: 'Hello', providerOptions: { tollgate: { user: 'u-7' } } });
      expect(result.text).toBe('Mock reply to "Hello"');
      expect(result.usage).toMatchObject({ inputTokens: 20, outputTokens: 80, totalTokens: 100 });
      expect(result.finishReason).toBe('stop');
      expect(events).toMatchObject([{ status: 'success', key: 'app-1', model: 'm', user: 'u-7', stream: false }]);
      await gateway.close();
    });

    it('streamText: the text streamed, usage and finish at the end', async () => {
      const { ai } = await major.load();
      const { gateway, events } = setup({ chunks: ['Hel', 'lo ', 'world'] });
      const tollgate = createTollgate({ gateway, workspace: 'team-a', specificationVersion: major.spec });
      const result = ai.streamText({ model: tollgate('@mock/m') as never, prompt: 'Hello' });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      expect(text).toBe('Hello world');
      expect(await result.usage).toMatchObject({ inputTokens: 20, outputTokens: 80 });
      expect(await result.finishReason).toBe('stop');
      await gateway.flush();
      expect(events).toMatchObject([{ status: 'success', workspace: 'team-a', stream: true, key: null }]);
      await gateway.close();
    });

    it('tool calls come back as the SDK’s tool calls', async () => {
      const { ai } = await major.load();
      const { gateway } = setup({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
      const tollgate = createTollgate({ gateway, key: 'app-1', specificationVersion: major.spec });
      const { jsonSchema } = ai;
      const result = await ai.generateText({
        model: tollgate('m') as never,
        prompt: 'Weather in Paris?',
        tools: { get_weather: ai.tool({ description: 'The weather', inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } } }) }) },
      });
      expect(result.toolCalls).toMatchObject([{ toolName: 'get_weather', input: { city: 'Paris' } }]);
      expect(result.finishReason).toBe('tool-calls');
      await gateway.close();
    });

    it('embeddings through gateway.embeddings, metered', async () => {
      const { ai } = await major.load();
      const { gateway, events } = setup();
      const tollgate = createTollgate({ gateway, key: 'app-1', specificationVersion: major.spec });
      const { embeddings } = await ai.embedMany({ model: tollgate.embeddingModel('e') as never, values: ['a', 'b'] });
      expect(embeddings).toHaveLength(2);
      expect(events).toMatchObject([{ status: 'success', model: 'e' }]);
      await gateway.close();
    });

    it('a refusal is tollgate’s typed error', async () => {
      const { ai } = await major.load();
      const { gateway } = setup();
      const tollgate = createTollgate({ gateway, key: 'limited', specificationVersion: major.spec });
      await ai.generateText({ model: tollgate('m') as never, prompt: 'Hello', maxRetries: 0 });
      const error = await ai.generateText({ model: tollgate('m') as never, prompt: 'Hello', maxRetries: 0 }).catch((e: unknown) => e);
      expect(RateLimitExceededError.isInstance(error)).toBe(true);
      await gateway.close();
    });
  });
}

describe('createTollgate options', () => {
  it('says what to give', () => {
    const { gateway } = setup();
    expect(() => createTollgate({ gateway: {} as never, key: 'k' })).toThrow(/gateway must be made by createGateway/);
    expect(() => createTollgate({ gateway } as never)).toThrow(/\{ gateway, key \} or \{ gateway, workspace \}/);
    expect(() => createTollgate({ gateway, key: 'app-1' }).imageModel('x')).toThrow(/no image models/);
  });
});
