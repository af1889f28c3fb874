// npm test: Bedrock's Converse wire format replayed by msw; milliseconds.
import { describe, expect, it } from 'vitest';
import { RequestValidationError, type ChatCompletion, type ChatMessage, type ToolChoice } from '../../../src/index.js';
import {
  ACCESS_KEY_ID,
  MODEL,
  MODEL_ID,
  REGION,
  SECRET_ACCESS_KEY,
  converseUrl,
  createTestGateway,
  fixtureJson,
  jsonResponse,
  setupBedrockServer,
} from '../../helpers/bedrock-server.js';
import { weatherTool } from '../../helpers/weather-tool.js';

const bedrock = setupBedrockServer();

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Hello' },
];

describe('Bedrock adapter: non-streaming chat (Converse)', () => {
  it('returns an OpenAI chat completion with usage normalized to include cache reads and writes', async () => {
    const fixture = fixtureJson('bedrock-converse.json');
    bedrock.respond(converseUrl(), () => jsonResponse(fixture, { requestId: '7f1c2e9a-0b3d-4c5e-8f6a-7b8c9d0e1f2a' }));
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    const { gateway: info, ...completion } = res;
    expect(completion).toEqual({
      id: 'chatcmpl-7f1c2e9a-0b3d-4c5e-8f6a-7b8c9d0e1f2a',
      object: 'chat.completion',
      created: expect.any(Number),
      model: MODEL_ID,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop', logprobs: null }],
      // Bedrock: inputTokens 18 (uncached) + 1152 cache reads + 256 cache writes.
      usage: { prompt_tokens: 1426, completion_tokens: 12, total_tokens: 1438, prompt_tokens_details: { cached_tokens: 1152 }, completion_tokens_details: { reasoning_tokens: 0 } },
    } satisfies ChatCompletion);
    expect(info.usage).toEqual({
      inputTokens: 1426,
      outputTokens: 12,
      cacheReadTokens: 1152,
      cacheWriteTokens: 256,
      reasoningTokens: 0,
      totalTokens: 1438,
      estimated: false,
    });
    expect(info).toMatchObject({
      integration: 'bedrock-prod',
      provider: 'bedrock',
      workspace: 'team-a',
      model: MODEL_ID,
      retries: 0,
      providerRequestId: '7f1c2e9a-0b3d-4c5e-8f6a-7b8c9d0e1f2a',
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'success',
      provider: 'bedrock',
      finishReason: 'stop',
      providerRequestId: '7f1c2e9a-0b3d-4c5e-8f6a-7b8c9d0e1f2a',
      usage: info.usage,
      rawUsage: (fixture as { usage: unknown }).usage,
    });
  });

  it('sends the request Bedrock expects: URL with the encoded model id, SigV4 headers and a Converse body', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway, events } = createTestGateway();

    await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages,
      max_tokens: 200,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['\n\nHuman:'],
      metadata: { user: 'u-42' },
    });

    expect(bedrock.requests).toHaveLength(1);
    const sent = bedrock.requests[0]!;
    expect(sent.url).toBe(`https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse`);
    expect(sent.method).toBe('POST');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.accept).toBe('application/json');
    const amzDate = sent.headers['x-amz-date']!;
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    expect(sent.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/${amzDate.slice(0, 8)}/${REGION}/bedrock/aws4_request, ` +
          'SignedHeaders=accept;content-type;host;x-amz-date, Signature=[0-9a-f]{64}$',
      ),
    );
    expect(sent.headers).not.toHaveProperty('x-amz-security-token');
    // The secret key is used to sign, never sent.
    expect(JSON.stringify(sent)).not.toContain(SECRET_ACCESS_KEY);
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hello' }] }],
      system: [{ text: 'You are a helpful assistant.' }],
      inferenceConfig: { maxTokens: 200, temperature: 0.2, topP: 0.9, stopSequences: ['\n\nHuman:'] },
    });
    expect(events[0]!.warnings ?? []).toEqual([]);
  });

  it('signs with the session token of temporary keys (x-amz-security-token)', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway } = createTestGateway({ sessionToken: 'FwoGZXIvYXdzEXAMPLEsessiontoken//////////' });

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    const headers = bedrock.requests[0]!.headers;
    expect(headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLEsessiontoken//////////');
    expect(headers.authorization).toContain('SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token,');
  });

  it('sends to a private endpoint (baseURL), signed for its host', async () => {
    const base = 'https://vpce-0a1b2c3d4e5f-abcdefgh.bedrock-runtime.us-east-1.vpce.amazonaws.com';
    bedrock.respond(`${base}/model/${encodeURIComponent(MODEL_ID)}/converse`, () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway } = createTestGateway({ baseURL: `${base}/` });

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(bedrock.requests[0]!.url).toBe(`${base}/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse`);
    expect(bedrock.requests[0]!.headers.authorization).toContain(`/${REGION}/bedrock/aws4_request`);
  });

  it('charges a cost budget the hand-computed cost of cache reads, cache writes, input and output', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway } = createTestGateway({
      pricing: { [MODEL_ID]: { input: 1.0, output: 5.0, cachedInput: 0.1, cacheWrite: 1.25 } },
      budgets: [{ type: 'cost', limit: 1 }],
    });

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 100 });

    // In micro-dollars per token: 18 x 1.0 + 1152 x 0.1 + 256 x 1.25 + 12 x 5.0 = 513.2, rounded up.
    expect(res.gateway.cost).toBe(0.000514);
    const [budget] = await gateway.limits.status({ workspace: 'team-a', integration: 'bedrock-prod' });
    expect(budget).toMatchObject({ kind: 'budget', type: 'cost', used: 0.000514, reserved: 0 });
  });

  it('translates tools, tool_choice and a tool-call history, and returns tool calls', async () => {
    const fixture = fixtureJson<Record<string, unknown>>('bedrock-converse-tool-use.json');
    bedrock.respond(converseUrl(), () => jsonResponse(fixture, { requestId: '0c9b8a7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d' }));
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages: [
        { role: 'user', content: 'What is the weather in Lyon?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'tooluse_Lyon00000000000000001', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Lyon, France","unit":"celsius"}' } }],
        },
        { role: 'tool', tool_call_id: 'tooluse_Lyon00000000000000001', content: '{"temperature":14,"sky":"cloudy"}' },
        { role: 'user', content: 'And in Paris and Tokyo?' },
      ],
      tools: [weatherTool],
      tool_choice: 'auto',
    });

    expect(bedrock.requests[0]!.body).toEqual({
      messages: [
        { role: 'user', content: [{ text: 'What is the weather in Lyon?' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_Lyon00000000000000001', name: 'get_weather', input: { location: 'Lyon, France', unit: 'celsius' } } }] },
        // The tool result and the next user message: one user turn, the result first.
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 'tooluse_Lyon00000000000000001', content: [{ text: '{"temperature":14,"sky":"cloudy"}' }] } },
            { text: 'And in Paris and Tokyo?' },
          ],
        },
      ],
      toolConfig: {
        tools: [{ toolSpec: { name: 'get_weather', description: 'Get the current weather in a given location', inputSchema: { json: weatherTool.function.parameters } } }],
        toolChoice: { auto: {} },
      },
    });

    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe("I'll check the weather in both cities.");
    expect(choice.message.tool_calls).toEqual([
      { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
      { id: 'tooluse_Qb7sVgN0T3uLxJ2mWdYc8A', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Tokyo, Japan","unit":"celsius"}' } },
    ]);
    expect(res.gateway.usage).toMatchObject({ inputTokens: 412, outputTokens: 118, totalTokens: 530, cacheReadTokens: 0, estimated: false });
    expect(events[0]).toMatchObject({ status: 'success', finishReason: 'tool_calls' });
  });

  it.each<[ToolChoice, unknown]>([
    ['required', { any: {} }],
    [{ type: 'function', function: { name: 'get_weather' } }, { tool: { name: 'get_weather' } }],
  ])('maps tool_choice %j to %j', async (toolChoice, expected) => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse-tool-use.json')));
    const { gateway } = createTestGateway();

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages, tools: [weatherTool], tool_choice: toolChoice });

    expect((bedrock.requests[0]!.body.toolConfig as Record<string, unknown>).toolChoice).toEqual(expected);
  });

  it("sends no tools for tool_choice 'none'", async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway, events } = createTestGateway();

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages, tools: [weatherTool], tool_choice: 'none' });

    expect(bedrock.requests[0]!.body).not.toHaveProperty('toolConfig');
    expect(events[0]!.warnings ?? []).toEqual([]);
  });

  it('sends data: URL images as bytes and merges consecutive user messages', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway } = createTestGateway();
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

    await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] },
        { role: 'user', content: 'Answer in one word.' },
      ],
    });

    expect(bedrock.requests[0]!.body.messages).toEqual([
      {
        role: 'user',
        content: [{ text: 'What is in this image?' }, { image: { format: 'png', source: { bytes: png } } }, { text: 'Answer in one word.' }],
      },
    ]);
  });

  it('hoists developer and late system messages to the system prompt, and sends s3:// images and PDF documents', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway, events } = createTestGateway();
    const pdf = Buffer.from('%PDF-1.4 tollgate test').toString('base64');

    await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 's3://acme-uploads/scans/page-1.JPG' } },
            { type: 'file', file: { filename: 'Q3 report (final).pdf', file_data: `data:application/pdf;base64,${pdf}` } },
            { type: 'text', text: 'Summarize.' },
          ],
        },
        { role: 'system', content: 'Answer in French.' },
      ],
    });

    expect(bedrock.requests[0]!.body).toEqual({
      system: [{ text: 'Be brief.' }, { text: 'Answer in French.' }],
      messages: [
        {
          role: 'user',
          content: [
            { image: { format: 'jpeg', source: { s3Location: { uri: 's3://acme-uploads/scans/page-1.JPG' } } } },
            { document: { format: 'pdf', name: 'Q3 report (final)', source: { bytes: pdf } } },
            { text: 'Summarize.' },
          ],
        },
      ],
    });
    expect(events[0]!.warnings).toEqual(['bedrock: a system message after the conversation started was moved to the system prompt (Converse has one)']);
  });

  it("keeps the tools, with a warning, when tool_choice 'none' meets a tool-call history (Converse requires them)", async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway, events } = createTestGateway();

    await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages: [
        { role: 'user', content: 'Weather in Lyon?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'tooluse_1', content: 'cloudy' },
      ],
      tools: [weatherTool],
      tool_choice: 'none',
    });

    const sent = bedrock.requests[0]!.body;
    // Empty assistant text is left out (Converse rejects blank text); empty arguments are {}.
    expect((sent.messages as unknown[])[1]).toEqual({ role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: {} } }] });
    expect(sent.toolConfig).toEqual({ tools: [expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'get_weather' }) })] });
    expect(events[0]!.warnings).toEqual([
      "bedrock: tool_choice 'none' cannot be enforced by Converse when the conversation has tool calls: the model may call a tool",
    ]);
  });

  it('rejects tool-call arguments that are not JSON', async () => {
    const { gateway } = createTestGateway();

    const error = await gateway
      .chat({
        workspace: 'team-a',
        model: MODEL,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{location: Lyon' } }] },
          { role: 'tool', tool_call_id: 'tooluse_1', content: 'cloudy' },
        ],
        tools: [weatherTool],
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path: 'messages[1].tool_calls[0].function.arguments', message: expect.stringContaining('JSON') }]);
    expect(bedrock.requests).toHaveLength(0);
  });

  it('rejects an http(s) image URL before calling Bedrock (Converse does not fetch URLs)', async () => {
    const { gateway, events } = createTestGateway();

    const error = await gateway
      .chat({
        workspace: 'team-a',
        model: MODEL,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe it' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { path: 'messages[0].content[1].image_url.url', message: expect.stringContaining('send a data: URL (base64) or an s3:// URL') },
    ]);
    expect(bedrock.requests).toHaveLength(0);
    expect(events[0]).toMatchObject({ status: 'rejected', httpStatus: 400, errorCode: 'invalid_request', retries: 0 });
  });

  it('reports what Converse cannot honor as warnings on the usage event, and passes Converse fields through', async () => {
    bedrock.respond(converseUrl(), () => jsonResponse(fixtureJson('bedrock-converse.json')));
    const { gateway, events } = createTestGateway();

    await gateway.chat({
      workspace: 'team-a',
      model: MODEL,
      messages,
      n: 2,
      seed: 7,
      logprobs: true,
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      user: 'u-42',
      response_format: { type: 'json_object' },
      additionalModelRequestFields: { top_k: 50 },
      prompt_cache_key: 'team-a',
    });

    const sent = bedrock.requests[0]!.body;
    expect(sent.additionalModelRequestFields).toEqual({ top_k: 50 });
    for (const field of ['n', 'seed', 'logprobs', 'presence_penalty', 'frequency_penalty', 'user', 'response_format', 'prompt_cache_key']) {
      expect(sent).not.toHaveProperty(field);
    }
    expect(events[0]!.warnings).toEqual([
      'bedrock: n > 1 is not supported by Converse: one choice is returned',
      'bedrock: logprobs are not supported by Converse: ignored',
      'bedrock: presence_penalty is not supported by Converse: ignored',
      'bedrock: frequency_penalty is not supported by Converse: ignored',
      'bedrock: seed is not supported by Converse: ignored',
      'bedrock: user is not sent to Converse (it has no end-user field): ignored',
      'bedrock: response_format json_object is not supported by Converse: ignored (ask for JSON in the prompt, or use a tool)',
      'bedrock: prompt_cache_key is not a Converse parameter: not sent',
    ]);
  });
});
