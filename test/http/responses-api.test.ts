// npm test: the Responses API through the openai client and the AI SDK, in process; milliseconds.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { aiSdks } from '../helpers/ai-sdk-versions.js';
import { createGateway, type UsageEvent } from '../../src/index.js';
import { createFetch, generateKey } from '../../src/http.js';
import { httpGateway, mockIntegration } from '../helpers/http-gateway.js';

/**
 * `POST /v1/responses`, the Responses API, served by translating to and from chat (so by every
 * provider): the official `openai` client's `responses.create`, plain and streamed, through
 * `createFetch`, and the AI SDK's default `openai()` model (which speaks the Responses API).
 */
const baseURL = 'http://tollgate.invalid/v1';

function setup(mock: Record<string, unknown> = {}) {
  const { token, hash } = generateKey();
  const gateway = createGateway({
    integrations: [mockIntegration({ mock: { usage: { inputTokens: 20, outputTokens: 80 }, ...mock } })],
    keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock', hash }],
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  const fetch = createFetch(gateway);
  const client = new OpenAI({ apiKey: token, baseURL, fetch, maxRetries: 0 });
  return { gateway, events, client, token, fetch };
}

describe('the Responses API with the openai client', () => {
  it('responses.create: the output text, the usage, one usage event', async () => {
    const { gateway, events, client } = setup();
    const response = await client.responses.create({ model: 'm', instructions: 'Be brief.', input: 'Hello' });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Mock reply to "Hello"');
    expect(response.instructions).toBe('Be brief.');
    expect(response.usage).toMatchObject({ input_tokens: 20, output_tokens: 80, total_tokens: 100 });
    expect(events).toMatchObject([{ status: 'success', key: 'app-1', model: 'm', stream: false }]);
    expect(response.id).toBe(`resp_${events[0]!.requestId.replace(/-/g, '')}`);
    await gateway.close();
  });

  it('a conversation with items: messages, a function call and its output reach the model as chat', async () => {
    const { gateway, events, client } = setup();
    await client.responses.create({
      model: 'm',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"temp":21}' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(events[0]?.status).toBe('success');
    await gateway.close();
  });

  it('function tools: the model’s tool calls come back as function_call items', async () => {
    const { gateway, client } = setup({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const response = await client.responses.create({
      model: 'm',
      input: 'Weather in Paris?',
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }],
    });
    expect(response.output).toMatchObject([{ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' }]);
    await gateway.close();
  });

  it('a stream: response.created, text deltas, items done, response.completed with the usage', async () => {
    const { gateway, events, client } = setup({ chunks: ['Hel', 'lo ', 'world'] });
    const stream = await client.responses.create({ model: 'm', input: 'Hello', stream: true });
    const types: string[] = [];
    let text = '';
    let completed: OpenAI.Responses.Response | null = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(text).toBe('Hello world');
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_item.added');
    expect(types).toContain('response.output_text.done');
    expect(types.at(-1)).toBe('response.completed');
    expect(completed?.output_text ?? (completed?.output[0] as { content: Array<{ text: string }> }).content[0]!.text).toBe('Hello world');
    expect(completed?.usage).toMatchObject({ input_tokens: 20, output_tokens: 80 });
    await gateway.flush();
    expect(events).toMatchObject([{ status: 'success', stream: true }]);
    await gateway.close();
  });

  it('what needs state or a hosted tool is a 400 naming the field, and nothing is called', async () => {
    const { gateway, events, client } = setup();
    const stored = await client.responses.create({ model: 'm', input: 'Hello', previous_response_id: 'resp_123' }).catch((e: unknown) => e);
    expect(stored).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String((stored as Error).message)).toMatch(/previous_response_id: tollgate does not store responses/);
    const hosted = await client.responses.create({ model: 'm', input: 'Hello', tools: [{ type: 'web_search' }] }).catch((e: unknown) => e);
    expect(hosted).toMatchObject({ status: 400 });
    expect(String((hosted as Error).message)).toMatch(/tools\[0\]\.type: tools of type 'web_search'/);
    expect(events.filter((e) => e.status === 'success')).toHaveLength(0);
    await gateway.close();
  });
});

describe('the Responses API over HTTP', () => {
  it('served by the same endpoint on node:http, plain and streamed', async () => {
    const app = await httpGateway({ integrations: [mockIntegration({ mock: { chunks: ['Hel', 'lo'] } })], keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock' }] });
    const client = app.client('app-1');
    const response = await client.responses.create({ model: 'm', input: 'Hello' });
    expect(response.output_text).toBe('Hello');
    let text = '';
    for await (const event of await client.responses.create({ model: 'm', input: 'Hello', stream: true })) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe('Hello');
    await app.gateway.flush();
    expect(app.events.map((e) => [e.status, e.stream])).toEqual([
      ['success', false],
      ['success', true],
    ]);
  });
});


for (const sdk of aiSdks) {
  describe(`the AI SDK's default openai() model (the Responses API) through createFetch, ${sdk.name}`, () => {
    it('generateText and streamText, governed and metered', async () => {
      const { ai, createOpenAI } = await sdk.load();
      const { gateway, events, token, fetch } = setup({ chunks: ['Hel', 'lo ', 'world'] });
      const openai = createOpenAI({ apiKey: token, baseURL, fetch });
      const generated = await ai.generateText({ model: openai('m') as never, prompt: 'Hello', maxRetries: 0 });
      expect(generated.text).toBe('Hello world');
      expect(generated.usage).toMatchObject({ inputTokens: 20, outputTokens: 80 });
      const streamed = ai.streamText({ model: openai('m') as never, prompt: 'Hello', maxRetries: 0 });
      let text = '';
      for await (const delta of streamed.textStream) text += delta;
      expect(text).toBe('Hello world');
      expect(await streamed.usage).toMatchObject({ inputTokens: 20, outputTokens: 80 });
      await gateway.flush();
      expect(events).toMatchObject([
        { status: 'success', stream: false, key: 'app-1' },
        { status: 'success', stream: true, key: 'app-1' },
      ]);
      await gateway.close();
    });
  });
}
