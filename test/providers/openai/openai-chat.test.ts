// npm test: OpenAI's wire format replayed by msw from recorded fixtures; milliseconds.
import { describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatMessage, FunctionTool } from '../../../src/index.js';
import {
  API_KEY,
  CHAT_URL,
  MODEL,
  chatFixture,
  createTestGateway,
  fixtureJson,
  jsonResponse,
  setupOpenAIServer,
} from '../../helpers/openai-server.js';

const openai = setupOpenAIServer();

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Hello' },
];

describe('OpenAI adapter: non-streaming chat', () => {
  it('passes the completion through and normalizes its usage', async () => {
    const fixture = chatFixture();
    openai.respond(() => jsonResponse(fixture, { requestId: 'req_0f1e2d3c4b5a69788796a5b4c3d2e1f0' }));
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    const { gateway: info, ...completion } = res;
    expect(completion).toEqual(fixture);
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.system_fingerprint).toBe('fp_34a54ae93c');
    expect(info.usage).toEqual({
      inputTokens: 1290,
      outputTokens: 10,
      cacheReadTokens: 1152,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 1300,
      estimated: false,
    });
    expect(info).not.toHaveProperty('usage.raw');
    expect(info).toMatchObject({
      integration: 'openai-prod',
      provider: 'openai',
      workspace: 'team-a',
      key: null,
      model: 'gpt-4o-mini',
      retries: 0,
      providerRequestId: 'req_0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    });
    expect(openai.requests).toHaveLength(1);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      requestId: info.requestId,
      status: 'success',
      httpStatus: 200,
      stream: false,
      integration: 'openai-prod',
      provider: 'openai',
      workspace: 'team-a',
      model: 'gpt-4o-mini',
      servedModel: 'gpt-4o-mini-2024-07-18',
      finishReason: 'stop',
      providerRequestId: 'req_0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      retries: 0,
      ttftMs: null,
      usage: info.usage,
      rawUsage: fixture.usage,
    });
  });

  it('sends the request OpenAI expects: URL, method, headers and a body without gateway fields', async () => {
    openai.respond(() => jsonResponse(chatFixture()));
    const { gateway, events } = createTestGateway();

    await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages,
      max_tokens: 200,
      temperature: 0.2,
      seed: 7,
      metadata: { user: 'u-42' },
      // A parameter the gateway does not know passes through unchanged.
      prompt_cache_key: 'team-a-greeting',
    });

    expect(openai.requests).toHaveLength(1);
    const sent = openai.requests[0]!;
    expect(sent.url).toBe(CHAT_URL);
    expect(sent.method).toBe('POST');
    expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.accept).toBe('application/json');
    expect(sent.headers).not.toHaveProperty('openai-organization');
    expect(sent.headers).not.toHaveProperty('openai-project');
    expect(sent.body).toEqual({
      model: 'gpt-4o-mini',
      messages,
      max_tokens: 200,
      temperature: 0.2,
      seed: 7,
      prompt_cache_key: 'team-a-greeting',
      stream: false,
    });
    for (const field of ['workspace', 'key', 'metadata', 'stream_options']) expect(sent.body).not.toHaveProperty(field);
    // The metadata stays in the gateway: on the usage event.
    expect(events[0]!.metadata).toEqual({ user: 'u-42' });
  });

  it('sends the organization and project of the credentials as OpenAI headers', async () => {
    openai.respond(() => jsonResponse(chatFixture()));
    const { gateway } = createTestGateway({ organization: 'org-Fq3XaJtYc2v9Pn7LkR8sWm1B', project: 'proj_T4kLm9Qx2Rv7Ws1Yz' });

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    const headers = openai.requests[0]!.headers;
    expect(headers['openai-organization']).toBe('org-Fq3XaJtYc2v9Pn7LkR8sWm1B');
    expect(headers['openai-project']).toBe('proj_T4kLm9Qx2Rv7Ws1Yz');
    expect(headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('does not send stream_options on a non-streaming request (OpenAI rejects it without stream)', async () => {
    openai.respond(() => jsonResponse(chatFixture()));
    const { gateway } = createTestGateway();

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: false, stream_options: { include_usage: true } });

    expect(openai.requests[0]!.body.stream).toBe(false);
    expect(openai.requests[0]!.body).not.toHaveProperty('stream_options');
  });

  it('reports reasoning tokens inside output tokens (o-series usage)', async () => {
    const fixture = fixtureJson<ChatCompletion>('openai-chat-reasoning.json');
    openai.respond(() => jsonResponse(fixture));
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({
      workspace: 'team-a',
      model: '@openai-prod/o4-mini',
      messages: [{ role: 'user', content: 'How many r are in strawberry?' }],
      max_completion_tokens: 2000,
    });

    expect(openai.requests[0]!.body.model).toBe('o4-mini');
    expect(res.gateway.usage).toEqual({
      inputTokens: 18,
      outputTokens: 412,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 384,
      totalTokens: 430,
      estimated: false,
    });
    expect(events[0]!.servedModel).toBe('o4-mini-2025-04-16');
    expect(events[0]!.usage.reasoningTokens).toBe(384);
  });

  it('passes tool calls through with finish_reason tool_calls', async () => {
    const fixture = fixtureJson<ChatCompletion>('openai-chat-tool-calls.json');
    openai.respond(() => jsonResponse(fixture, { requestId: 'req_9b8a7c6d5e4f30211203f4e5d6c7b8a9' }));
    const { gateway, events } = createTestGateway();
    const tools: FunctionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get the current weather in a given location',
          parameters: {
            type: 'object',
            properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
            required: ['location', 'unit'],
            additionalProperties: false,
          },
          strict: true,
        },
      },
    ];

    const res = await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages: [{ role: 'user', content: 'What is the weather in Paris and in Tokyo?' }],
      tools,
      tool_choice: 'auto',
      parallel_tool_calls: true,
    });

    const sent = openai.requests[0]!.body;
    expect(sent.tools).toEqual(tools);
    expect(sent.tool_choice).toBe('auto');
    expect(sent.parallel_tool_calls).toBe(true);

    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual(fixture.choices[0]!.message.tool_calls);
    expect(choice.message.tool_calls!.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['call_Xk3Yq8bN2vLp7TzR5wMd1HcF', 'get_weather', { location: 'Paris, France', unit: 'celsius' }],
      ['call_Bm6Wt1sQ9eJr4KxV2nPy8GaD', 'get_weather', { location: 'Tokyo, Japan', unit: 'celsius' }],
    ]);
    expect(res.gateway.usage).toMatchObject({ inputTokens: 82, outputTokens: 52, totalTokens: 134, estimated: false });
    expect(events[0]).toMatchObject({ status: 'success', finishReason: 'tool_calls', providerRequestId: 'req_9b8a7c6d5e4f30211203f4e5d6c7b8a9' });
  });
});
