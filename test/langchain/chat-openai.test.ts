// npm test: the real @langchain/openai client on the in-process fetch; milliseconds.
import { describe, expect, it } from 'vitest';
import { createGateway, type UsageEvent } from '../../src/index.js';
import { createFetch, generateKey } from '../../src/http.js';
import { mockIntegration } from '../helpers/http-gateway.js';

/** LangChain's `ChatOpenAI` (`@langchain/openai`, the current major) with tollgate's in-process fetch: invoke and stream, metered. */
describe('LangChain ChatOpenAI through createFetch', () => {
  async function setup() {
    const { ChatOpenAI } = await import('@langchain/openai');
    const { token, hash } = generateKey();
    const gateway = createGateway({
      integrations: [mockIntegration({ mock: { usage: { inputTokens: 20, outputTokens: 80 } } })],
      keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock', hash }],
    });
    const events: UsageEvent[] = [];
    gateway.on('usage', (e) => events.push(e));
    const chat = new ChatOpenAI({ model: 'm', apiKey: token, maxRetries: 0, configuration: { baseURL: 'http://tollgate.invalid/v1', fetch: createFetch(gateway) } });
    return { chat, gateway, events };
  }

  it('invoke: the reply, its token usage, one usage event', async () => {
    const { chat, gateway, events } = await setup();
    const message = await chat.invoke('Hello');
    expect(message.content).toBe('Mock reply to "Hello"');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 20, output_tokens: 80, total_tokens: 100 });
    expect(events).toMatchObject([{ status: 'success', stream: false, key: 'app-1', model: 'm', usage: { inputTokens: 20, outputTokens: 80 } }]);
    await gateway.close();
  });

  it('stream: the chunks make the reply, usage comes at the end, one usage event', async () => {
    const { chat, gateway, events } = await setup();
    let text = '';
    let usage: unknown = null;
    for await (const chunk of await chat.stream('Hello')) {
      text += typeof chunk.content === 'string' ? chunk.content : '';
      if (chunk.usage_metadata) usage = chunk.usage_metadata;
    }
    expect(text).toBe('Mock reply to "Hello"');
    expect(usage).toMatchObject({ input_tokens: 20, output_tokens: 80 });
    await gateway.flush();
    expect(events).toMatchObject([{ status: 'success', stream: true, usage: { inputTokens: 20, outputTokens: 80 } }]);
    await gateway.close();
  });

  it('a refusal is the client’s error with the gateway’s status', async () => {
    const { ChatOpenAI } = await import('@langchain/openai');
    const { gateway } = await setup();
    const chat = new ChatOpenAI({ model: 'not-allowed', apiKey: 'tg_wrong', maxRetries: 0, configuration: { baseURL: 'http://tollgate.invalid/v1', fetch: createFetch(gateway) } });
    const error = await chat.invoke('Hello').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401 });
    await gateway.close();
  });
});
