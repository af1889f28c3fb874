// npm test: Anthropic's wire format replayed by msw from recorded fixtures; milliseconds.
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../src/index.js';
import {
  API_KEY,
  BASE_URL,
  MESSAGES_URL,
  MODEL,
  MODEL_ID,
  SLUG,
  createTestGateway,
  fixtureJson,
  jsonResponse,
  setupAnthropicServer,
} from '../../helpers/anthropic-server.js';

const anthropic = setupAnthropicServer();

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Hello' },
];

describe('Anthropic adapter: non-streaming chat', () => {
  it('translates the message into a chat.completion and normalizes its usage', async () => {
    const fixture = fixtureJson('anthropic-messages.json');
    anthropic.respond(() => jsonResponse(fixture, { requestId: 'req_011CSHoEeqs5C35K2UUqR7Fy' }));
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 256, metadata: { user: 'u-42' } });

    const { gateway: info, ...completion } = res;
    expect(completion).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 19, completion_tokens: 12, total_tokens: 31, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(info.usage).toEqual({
      inputTokens: 19,
      outputTokens: 12,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 31,
      estimated: false,
    });
    expect(info).toMatchObject({ integration: SLUG, provider: 'anthropic', workspace: 'team-a', model: MODEL_ID, retries: 0, providerRequestId: 'req_011CSHoEeqs5C35K2UUqR7Fy' });
    expect(anthropic.requests).toHaveLength(1);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      requestId: info.requestId,
      status: 'success',
      httpStatus: 200,
      stream: false,
      provider: 'anthropic',
      model: MODEL_ID,
      servedModel: 'claude-sonnet-4-5-20250929',
      finishReason: 'stop',
      providerRequestId: 'req_011CSHoEeqs5C35K2UUqR7Fy',
      metadata: { user: 'u-42' },
      usage: info.usage,
      rawUsage: fixture.usage,
      warnings: [],
    });
  });

  it('sends the request Anthropic expects: URL, headers, system extracted, images converted, max_tokens', async () => {
    anthropic.respond(() => jsonResponse(fixtureJson('anthropic-messages.json')));
    const { gateway } = createTestGateway();

    await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these two pictures?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==' } },
            { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg', detail: 'auto' } },
          ],
        },
        { role: 'assistant', content: 'Une image de 1 pixel et une fourmi.' },
        { role: 'user', content: 'Describe the ant.' },
      ],
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['\n\nHuman:', 'END'],
      user: 'u-7f3a9c',
      metadata: { user: 'u-42' },
    });

    expect(anthropic.requests).toHaveLength(1);
    const sent = anthropic.requests[0]!;
    expect(sent.url).toBe(MESSAGES_URL);
    expect(sent.method).toBe('POST');
    // The key went out in its header (compared, never printed).
    expect(sent.headers['x-api-key'] === API_KEY).toBe(true);
    expect(sent.headers).not.toHaveProperty('authorization');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.accept).toBe('application/json');
    expect(sent.body).toEqual({
      model: MODEL_ID,
      max_tokens: 300,
      system: [
        { type: 'text', text: 'You are a helpful assistant.' },
        { type: 'text', text: 'Answer in French.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these two pictures?' },
            {
              type: 'image',
              source: {
                type: 'base64',
                media_type: 'image/png',
                data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
              },
            },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
          ],
        },
        { role: 'assistant', content: 'Une image de 1 pixel et une fourmi.' },
        { role: 'user', content: 'Describe the ant.' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['\n\nHuman:', 'END'],
      metadata: { user_id: 'u-7f3a9c' },
    });
    // Gateway fields never reach Anthropic (the gateway's metadata is not Anthropic's metadata).
    for (const field of ['workspace', 'key', 'stream', 'stream_options', 'user', 'stop']) expect(sent.body).not.toHaveProperty(field);
  });

  it('sends a single system message as a string, the configured anthropic-version and extra headers', async () => {
    anthropic.respond(() => jsonResponse(fixtureJson('anthropic-messages.json')));
    const { gateway } = createTestGateway({
      integration: { anthropicVersion: '2023-01-01', headers: { 'anthropic-beta': 'token-efficient-tools-2025-02-19' } },
    });

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_completion_tokens: 64, max_tokens: 999 });

    const sent = anthropic.requests[0]!;
    expect(sent.headers['anthropic-version']).toBe('2023-01-01');
    expect(sent.headers['anthropic-beta']).toBe('token-efficient-tools-2025-02-19');
    // max_completion_tokens (OpenAI's current name) wins over max_tokens.
    expect(sent.body).toEqual({ model: MODEL_ID, max_tokens: 64, system: 'You are a helpful assistant.', messages: [{ role: 'user', content: 'Hello' }] });
  });

  it('treats a base URL as the API root, like the official SDK (trailing slash tolerated)', async () => {
    anthropic.respond(() => jsonResponse(fixtureJson('anthropic-messages.json')));
    const { gateway } = createTestGateway({ integration: { baseURL: `${BASE_URL}/` } });

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 10 });

    expect(anthropic.requests[0]!.url).toBe(`${BASE_URL}/v1/messages`);
  });

  it('sends the default max_tokens (4096) when the request has none, with a warning', async () => {
    anthropic.respond(() => jsonResponse(fixtureJson('anthropic-messages.json')));
    const { gateway, events } = createTestGateway();

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(anthropic.requests[0]!.body.max_tokens).toBe(4096);
    expect(events[0]!.warnings).toEqual([expect.stringMatching(/max_tokens is required by Anthropic.*4096/)]);
  });

  it("sends the gateway's limits.defaultMaxOutputTokens, the output it reserved for the call, as max_tokens", async () => {
    anthropic.respond(() => jsonResponse(fixtureJson('anthropic-messages.json')));
    const { gateway, events } = createTestGateway({
      limits: { defaultMaxOutputTokens: 1024 },
      integration: { budgets: [{ type: 'tokens', limit: 100_000 }] },
    });
    let reserved = 0;
    gateway.use(async (_ctx, next) => {
      reserved = (await gateway.limits.status({ integration: 'anthropic-prod' }))[0]!.reserved;
      return next();
    });

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(anthropic.requests[0]!.body.max_tokens).toBe(1024);
    // The gateway set the limit (it reserved it): nothing for the adapter to make up or warn of.
    expect(events[0]!.warnings).toEqual([]);
    // The reservation covers exactly what Anthropic may produce (input bound + 1024).
    expect(reserved).toBeGreaterThan(1024);
    expect(reserved).toBeLessThan(1024 + 200);
  });

  it('counts cache reads and cache writes inside inputTokens', async () => {
    const fixture = fixtureJson<{ usage: Record<string, number> }>('anthropic-messages-cache.json');
    anthropic.respond(() => jsonResponse(fixture));
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 512 });

    // 14 uncached + 2048 read from the cache + 1320 written to it.
    const usage = { inputTokens: 3382, outputTokens: 96, cacheReadTokens: 2048, cacheWriteTokens: 1320, reasoningTokens: 0, totalTokens: 3478, estimated: false };
    expect(res.gateway.usage).toEqual(usage);
    expect(res.usage).toEqual({ prompt_tokens: 3382, completion_tokens: 96, total_tokens: 3478, prompt_tokens_details: { cached_tokens: 2048 }, completion_tokens_details: { reasoning_tokens: 0 } });
    expect(events[0]!.usage).toEqual(usage);
    expect(events[0]!.rawUsage).toEqual(fixture.usage);
  });

  it('charges a cost budget the price of each part of the usage, rounded up to the micro-dollar', async () => {
    anthropic.respond(() => jsonResponse(fixtureJson('anthropic-messages-cache.json')));
    const price = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };
    const { gateway, events } = createTestGateway({
      integration: { pricing: { [MODEL_ID]: price }, budgets: [{ type: 'cost', limit: 1 }] },
    });

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 512 });

    // USD per 1M tokens -> micro-dollars per token: 14 x 3 + 2048 x 0.3 + 1320 x 3.75 + 96 x 15
    // = 42 + 614.4 + 4950 + 1440 = 7046.4 micro-dollars, rounded up to 7047.
    const micros = Math.ceil((14 * 3_000_000 + 2048 * 300_000 + 1320 * 3_750_000 + 96 * 15_000_000) / 1_000_000);
    expect(micros).toBe(7047);
    expect(res.gateway.cost).toBe(0.007047);
    expect(events[0]).toMatchObject({ cost: 0.007047, priceSource: 'override' });
    const [budget] = (await gateway.limits.status({ workspace: 'team-a', integration: SLUG })).filter((s) => s.kind === 'budget');
    expect(budget).toMatchObject({ type: 'cost', limit: 1, used: 0.007047, reserved: 0 });
  });
});
