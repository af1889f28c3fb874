// npm test: OpenAI's Responses wire format replayed by msw; milliseconds.
import OpenAI, { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { aiSdks } from '../helpers/ai-sdk-versions.js';
import { createGateway, secret, type ResponseObject, type UsageEvent } from '../../src/index.js';
import { createFetch, generateKey } from '../../src/http.js';
import { API_KEY, BASE_URL, fixtureJson, fixtureText, jsonResponse, setupOpenAIServer, sseResponse } from '../helpers/openai-server.js';
import { ssePayloads } from '../helpers/sse-events.js';

/**
 * `/v1/responses` for an OpenAI integration: passed through, with the official `openai` client
 * and the AI SDK's `openai()` models on `createFetch`. What OpenAI answers (its ids, reasoning
 * items, reasoning summary events) reaches the client unchanged; the usage it reports is what
 * the call costs. Upstream: OpenAI's documented wire format, replayed locally.
 */
const RESPONSES_URL = `${BASE_URL}/responses`;
const upstream = setupOpenAIServer();
const respond = (...responders: Parameters<typeof upstream.respond>) => upstream.respondAt(RESPONSES_URL, ...responders);
const fixture = () => fixtureJson<ResponseObject>('openai-response.json');
const streamText = () => fixtureText('openai-response-stream.chunks.txt');

function setup() {
  const { token, hash } = generateKey();
  const gateway = createGateway({
    integrations: [{ slug: 'openai-prod', provider: 'openai', baseURL: BASE_URL, credentials: { apiKey: secret.value(API_KEY) }, workspaces: 'all' }],
    keys: [{ id: 'app-1', workspace: 'team-a', integration: 'openai-prod', hash, budgets: [{ type: 'cost', limit: 1 }] }],
    retry: { retries: 0 },
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  const fetch = createFetch(gateway);
  return { gateway, events, token, fetch, client: new OpenAI({ apiKey: token, baseURL: 'http://tollgate.invalid/v1', fetch, maxRetries: 0 }) };
}

describe('the Responses API passed through to OpenAI, with the openai client on createFetch', () => {
  it('responses.create: OpenAI’s response, reasoning item and id included; the upstream call carries OpenAI’s key, never the tollgate key', async () => {
    respond(() => jsonResponse(fixture()));
    const { gateway, events, client, token } = setup();
    const response = await client.responses.create({ model: 'o4-mini', instructions: 'Be brief.', input: 'Hello', store: false, include: ['reasoning.encrypted_content'] });
    expect(response.id).toBe(fixture().id);
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(response.output_text).toBe('Hello! How can I help?');
    expect(response.usage).toMatchObject({ input_tokens: 24, output_tokens: 146, output_tokens_details: { reasoning_tokens: 128 } });
    const [sent] = upstream.to(RESPONSES_URL);
    expect(sent!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent!.text).not.toContain(token);
    expect(sent!.body).toMatchObject({ model: 'o4-mini', store: false, include: ['reasoning.encrypted_content'] });
    expect(sent!.body).not.toHaveProperty('key');
    expect(events).toMatchObject([{ status: 'success', key: 'app-1', usage: { inputTokens: 24, outputTokens: 146 }, costMicros: 669 }]);
    const [budget] = await gateway.limits.status({ key: 'app-1' });
    expect(budget).toMatchObject({ used: 0.000669, reserved: 0 });
    await gateway.close();
  });

  it('a stream: every event OpenAI sent, in order, as the client parses it; metered by response.completed', async () => {
    respond(() => sseResponse(streamText()));
    const { gateway, events, client } = setup();
    const stream = await client.responses.create({ model: 'o4-mini', input: 'Hello', stream: true });
    const received: unknown[] = [];
    for await (const event of stream) received.push(event);
    expect(received).toEqual(ssePayloads(streamText()));
    await gateway.flush();
    expect(events).toMatchObject([{ status: 'success', stream: true, costMicros: 669 }]);
    await gateway.close();
  });

  it('a failure after the first event reaches the client as OpenAI’s error event, which the client throws as an APIError', async () => {
    const head = streamText().split('\n\n').slice(0, 3).join('\n\n') + '\n\n';
    respond(() => sseResponse(head));
    const { gateway, events, client } = setup();
    const stream = await client.responses.create({ model: 'o4-mini', input: 'Hello', stream: true });
    const received: Array<{ type: string }> = [];
    const failure = await (async () => {
      for await (const event of stream) received.push(event as never);
    })().catch((error: unknown) => error);
    expect(received.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    expect(failure).toBeInstanceOf(APIError);
    expect(failure).toMatchObject({ code: 'provider_error', message: expect.stringContaining('ended before completion') });
    await gateway.flush();
    expect(events).toMatchObject([{ status: 'error', errorCode: 'provider_error' }]);
    await gateway.close();
  });
});


for (const sdk of aiSdks) {
  describe(`the AI SDK's openai() model passed through to OpenAI, ${sdk.name}`, () => {
    it('generateText and streamText: the reasoning summary and the text as OpenAI sent them; spend is the usage OpenAI reported', async () => {
      respond(
        () => jsonResponse(fixture()),
        () => sseResponse(streamText()),
      );
      const { ai, createOpenAI } = await sdk.load();
      const { gateway, events, token, fetch } = setup();
      const openai = createOpenAI({ apiKey: token, baseURL: 'http://tollgate.invalid/v1', fetch });
      const generated = await ai.generateText({ model: openai('o4-mini') as never, prompt: 'Hello', maxRetries: 0 });
      expect(generated.text).toBe('Hello! How can I help?');
      expect(generated.reasoningText).toContain('Greeting the user');
      expect(generated.usage).toMatchObject({ inputTokens: 24, outputTokens: 146 });
      const streamed = ai.streamText({ model: openai('o4-mini') as never, prompt: 'Hello', maxRetries: 0 });
      let text = '';
      for await (const delta of streamed.textStream) text += delta;
      expect(text).toBe('Hello! How can I help?');
      expect(await streamed.reasoningText).toContain('Greeting the user');
      await gateway.flush();
      expect(events).toMatchObject([
        { status: 'success', stream: false, costMicros: 669 },
        { status: 'success', stream: true, costMicros: 669 },
      ]);
      const [budget] = await gateway.limits.status({ key: 'app-1' });
      expect(budget).toMatchObject({ used: 0.001338, reserved: 0 });
      await gateway.close();
    });
  });
}
