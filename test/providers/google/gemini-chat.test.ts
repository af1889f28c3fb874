// npm test: Gemini's wire format replayed by msw from recorded fixtures; milliseconds.
import { describe, expect, it } from 'vitest';
import { RequestValidationError, type ChatMessage, type FunctionTool } from '../../../src/index.js';
import { failure } from '../../helpers/failure.js';
import { API_KEY, fixtureJson, geminiGateway, geminiUrl, jsonResponse, setupGoogleServer } from '../../helpers/gemini-server.js';

const google = setupGoogleServer();

const URL_FLASH = geminiUrl('gemini-2.0-flash', 'generateContent');
const messages: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Hello' },
];

const weatherTool: FunctionTool = {
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
  },
};

describe('Gemini adapter: non-streaming chat', () => {
  it('answers an OpenAI chat.completion built from the Gemini response', async () => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    const { gateway, events } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.0-flash', messages, metadata: { user: 'u-42' } });

    const { gateway: info, ...completion } = res;
    expect(completion).toEqual({
      id: 'pQxHaP7WN5-Hz7IPq9S3gA0',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gemini-2.0-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 9,
        completion_tokens: 9,
        total_tokens: 18,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(60);
    expect(info).toMatchObject({
      integration: 'gemini',
      provider: 'gemini',
      workspace: 'team-a',
      model: 'gemini-2.0-flash',
      providerRequestId: 'pQxHaP7WN5-Hz7IPq9S3gA0',
      retries: 0,
      usage: { inputTokens: 9, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 18, estimated: false },
    });

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'success',
      httpStatus: 200,
      provider: 'gemini',
      model: 'gemini-2.0-flash',
      servedModel: 'gemini-2.0-flash',
      finishReason: 'stop',
      providerRequestId: 'pQxHaP7WN5-Hz7IPq9S3gA0',
      metadata: { user: 'u-42' },
      warnings: [],
      rawUsage: fixtureJson('gemini/gemini-generate.json').usageMetadata,
    });
  });

  it('sends the request Gemini expects: URL, API key header (never in the URL), contents and system instruction', async () => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    const { gateway } = geminiGateway({ integration: { headers: { 'x-goog-user-project': 'acme-billing' } } });

    await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.0-flash', messages, metadata: { user: 'u-42' } });

    expect(google.requests).toHaveLength(1);
    const sent = google.requests[0]!;
    expect(sent.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent');
    expect(sent.url).not.toContain(API_KEY);
    expect(sent.method).toBe('POST');
    expect(sent.headers['x-goog-api-key']).toBe(API_KEY);
    expect({ ...sent.headers, 'x-goog-api-key': '<key>' }).toEqual({
      'x-goog-api-key': '<key>',
      'x-goog-user-project': 'acme-billing',
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(sent.body).toEqual({
      systemInstruction: { parts: [{ text: 'You are a helpful assistant.' }] },
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
    });
  });

  it('maps the OpenAI generation parameters into generationConfig', async () => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    const { gateway, events } = geminiGateway();
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };

    await gateway.chat({
      workspace: 'team-a',
      model: '@gemini/gemini-2.0-flash',
      messages,
      max_completion_tokens: 300,
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      n: 2,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.25,
      logprobs: true,
      top_logprobs: 3,
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
    });

    expect(google.requests[0]!.body.generationConfig).toEqual({
      maxOutputTokens: 300,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.25,
      responseLogprobs: true,
      logprobs: 3,
      responseMimeType: 'application/json',
      responseJsonSchema: schema,
    });
    expect(events[0]!.warnings).toEqual([]);
  });

  it('asks for JSON for response_format json_object', async () => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    const { gateway } = geminiGateway();

    await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.0-flash', messages, stop: ['a', 'b'], response_format: { type: 'json_object' } });

    expect(google.requests[0]!.body.generationConfig).toEqual({ stopSequences: ['a', 'b'], responseMimeType: 'application/json' });
  });

  it('translates a whole conversation: system, images, audio, tool calls and their results, merged turns', async () => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    const { gateway, events } = geminiGateway();
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

    await gateway.chat({
      workspace: 'team-a',
      model: '@gemini/gemini-2.0-flash',
      messages: [
        { role: 'system', content: 'You are a travel assistant.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in metric units.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Where was this taken, and what is the weather there and in Tokyo?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/photos/eiffel.webp?sig=abc' } },
          ],
        },
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZFZm10IBAAAAABAAEA', format: 'wav' } }] },
        {
          role: 'assistant',
          content: 'Checking the weather.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' },
              extra_content: { google: { thought_signature: 'c2lnbmF0dXJlLTE=' } },
            },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Tokyo, Japan","unit":"celsius"}' } },
          ],
        } as ChatMessage,
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":18,"sky":"cloudy"}' },
        { role: 'tool', tool_call_id: 'call_2', content: '24 degrees and sunny' },
        { role: 'user', content: 'Thanks! Which is warmer?' },
      ],
      tools: [weatherTool],
      tool_choice: 'auto',
    });

    expect(google.requests[0]!.body).toEqual({
      systemInstruction: { parts: [{ text: 'You are a travel assistant.' }, { text: 'Answer in metric units.' }] },
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Where was this taken, and what is the weather there and in Tokyo?' },
            { inlineData: { mimeType: 'image/png', data: png } },
            { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/photos/eiffel.webp?sig=abc' } },
            { inlineData: { mimeType: 'audio/wav', data: 'UklGRiQAAABXQVZFZm10IBAAAAABAAEA' } },
          ],
        },
        {
          role: 'model',
          parts: [
            { text: 'Checking the weather.' },
            { functionCall: { name: 'get_weather', args: { location: 'Paris, France', unit: 'celsius' } }, thoughtSignature: 'c2lnbmF0dXJlLTE=' },
            { functionCall: { name: 'get_weather', args: { location: 'Tokyo, Japan', unit: 'celsius' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { temperature: 18, sky: 'cloudy' } } },
            { functionResponse: { name: 'get_weather', response: { output: '24 degrees and sunny' } } },
            { text: 'Thanks! Which is warmer?' },
          ],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            { name: 'get_weather', description: 'Get the current weather in a given location', parametersJsonSchema: weatherTool.function.parameters },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    });
    expect(events[0]!.warnings).toEqual([]);
  });

  it.each([
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ type: 'function', function: { name: 'get_weather' } }, { mode: 'ANY', allowedFunctionNames: ['get_weather'] }],
  ] as const)('maps tool_choice %j to functionCallingConfig', async (choice, config) => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    const { gateway } = geminiGateway();

    await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.0-flash', messages, tools: [weatherTool], tool_choice: choice });

    expect(google.requests[0]!.body.toolConfig).toEqual({ functionCallingConfig: config });
  });

  it('returns function calls as OpenAI tool calls, with the thought signature Gemini 3 needs back', async () => {
    const fixture = fixtureJson<{ candidates: Array<{ content: { parts: Array<{ thoughtSignature?: string }> } }> }>(
      'gemini/gemini-generate-function-call.json',
    );
    google.respond(geminiUrl('gemini-3-pro-preview', 'generateContent'), () => jsonResponse(fixture));
    const { gateway, events } = geminiGateway();

    const res = await gateway.chat({
      workspace: 'team-a',
      model: '@gemini/gemini-3-pro-preview',
      messages: [{ role: 'user', content: 'What is the weather in Paris and in Tokyo?' }],
      tools: [weatherTool],
    });

    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls!;
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => [c.type, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['function', 'get_weather', { location: 'Paris, France', unit: 'celsius' }],
      ['function', 'get_weather', { location: 'Tokyo, Japan', unit: 'celsius' }],
    ]);
    for (const call of calls) expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(calls[0]!.id).not.toBe(calls[1]!.id);
    expect(calls[0]).toHaveProperty('extra_content', { google: { thought_signature: fixture.candidates[0]!.content.parts[0]!.thoughtSignature } });
    expect(calls[1]).not.toHaveProperty('extra_content');
    expect(res.gateway.usage).toMatchObject({ inputTokens: 74, outputTokens: 227, reasoningTokens: 187, totalTokens: 301 });
    expect(events[0]).toMatchObject({ finishReason: 'tool_calls', servedModel: 'gemini-3-pro-preview' });

    // The next turn sends the calls back as Gemini had them, signature included.
    google.respond(geminiUrl('gemini-3-pro-preview', 'generateContent'), () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    await gateway.chat({
      workspace: 'team-a',
      model: '@gemini/gemini-3-pro-preview',
      messages: [
        { role: 'user', content: 'What is the weather in Paris and in Tokyo?' },
        { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '{"temperature":18}' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '{"temperature":24}' },
      ],
      tools: [weatherTool],
    });
    const contents = google.requests[1]!.body.contents as Array<{ role: string; parts: unknown[] }>;
    expect(contents[1]).toEqual({ role: 'model', parts: fixture.candidates[0]!.content.parts });
    expect(contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { temperature: 18 } } },
        { functionResponse: { name: 'get_weather', response: { temperature: 24 } } },
      ],
    });
  });

  it('returns Gemini logprobs as OpenAI logprobs.content', async () => {
    const fixture = fixtureJson<{ candidates: Array<Record<string, unknown>> }>('gemini/gemini-generate.json');
    fixture.candidates[0]!.logprobsResult = {
      topCandidates: [
        { candidates: [{ token: 'Hello', tokenId: 9259, logProbability: -0.01 }, { token: 'Hi', tokenId: 2151, logProbability: -4.6 }] },
        { candidates: [{ token: '!', tokenId: 235341, logProbability: -0.2 }] },
      ],
      chosenCandidates: [
        { token: 'Hello', tokenId: 9259, logProbability: -0.01 },
        { token: '!', tokenId: 235341, logProbability: -0.2 },
      ],
    };
    google.respond(URL_FLASH, () => jsonResponse(fixture));
    const { gateway } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.0-flash', messages, logprobs: true, top_logprobs: 2 });

    expect(res.choices[0]!.logprobs).toEqual({
      content: [
        {
          token: 'Hello',
          logprob: -0.01,
          bytes: [72, 101, 108, 108, 111],
          top_logprobs: [
            { token: 'Hello', logprob: -0.01, bytes: [72, 101, 108, 108, 111] },
            { token: 'Hi', logprob: -4.6, bytes: [72, 105] },
          ],
        },
        { token: '!', logprob: -0.2, bytes: [33], top_logprobs: [{ token: '!', logprob: -0.2, bytes: [33] }] },
      ],
    });
  });

  it('keeps thought summaries out of the content and counts thinking as output', async () => {
    google.respond(geminiUrl('gemini-2.5-pro', 'generateContent'), () => jsonResponse(fixtureJson('gemini/gemini-generate-thinking-cached.json')));
    const { gateway } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-pro', messages });

    expect(res.choices[0]!.message.content).toBe('The report finds that revenue grew 12%, churn fell to 3.1%, and the EMEA launch slipped to Q3.');
    expect(res.usage).toEqual({
      prompt_tokens: 1234,
      completion_tokens: 180,
      total_tokens: 1414,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 123 },
    });
  });

  it('answers a blocked prompt with a content_filter completion carrying the reason, metered and not retried', async () => {
    google.respond(geminiUrl('gemini-2.5-flash', 'generateContent'), () => jsonResponse(fixtureJson('gemini/gemini-blocked.json')));
    const { gateway, events } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-flash', messages: [{ role: 'user', content: '(a prohibited prompt)' }] });

    expect(google.requests).toHaveLength(1);
    expect(res.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: 'Gemini blocked the prompt (blockReason PROHIBITED_CONTENT)' },
        finish_reason: 'content_filter',
      },
    ]);
    expect(res.gateway.usage).toMatchObject({ inputTokens: 12, outputTokens: 0, totalTokens: 12, estimated: false });
    expect(res.gateway.providerRequestId).toBe('EXCPaojyHaDUjMcP656rqAk');
    expect(events[0]).toMatchObject({
      status: 'success',
      finishReason: 'content_filter',
      warnings: ['Gemini blocked the prompt (blockReason PROHIBITED_CONTENT)'],
    });
  });

  it.each([
    ['MAX_TOKENS', 'length', []],
    ['SAFETY', 'content_filter', []],
    ['RECITATION', 'content_filter', []],
    ['SPII', 'content_filter', []],
    ['MALFORMED_FUNCTION_CALL', 'stop', ["Gemini finish reason MALFORMED_FUNCTION_CALL is reported as 'stop'"]],
  ])('maps finish reason %s to %s', async (reason, expected, warnings) => {
    const fixture = fixtureJson<{ candidates: Array<Record<string, unknown>> }>('gemini/gemini-generate.json');
    fixture.candidates[0]!.finishReason = reason;
    google.respond(URL_FLASH, () => jsonResponse(fixture));
    const { gateway, events } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.0-flash', messages });

    expect(res.choices[0]!.finish_reason).toBe(expected);
    expect(events[0]!.warnings).toEqual(warnings);
  });

  it('reports what Gemini cannot honor as warnings on the usage event, and leaves it out of the request', async () => {
    google.respond(URL_FLASH, () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    const { gateway, events } = geminiGateway();

    await gateway.chat({
      workspace: 'team-a',
      model: '@gemini/gemini-2.0-flash',
      messages: [
        { role: 'user', name: 'alice', content: [{ type: 'image_url', image_url: { url: 'https://example.com/render?id=42', detail: 'high' } }] },
      ],
      tools: [{ ...weatherTool, function: { ...weatherTool.function, strict: true } }],
      parallel_tool_calls: false,
      logit_bias: { '1234': -100 },
      user: 'u-42',
      reasoning_effort: 'low',
    });

    const sent = google.requests[0]!.body;
    expect(sent.contents).toEqual([{ role: 'user', parts: [{ fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/render?id=42' } }] }]);
    for (const name of ['logit_bias', 'user', 'reasoning_effort', 'parallel_tool_calls', 'generationConfig']) expect(sent).not.toHaveProperty(name);
    expect(events[0]!.warnings).toEqual([
      'message names are not supported by Gemini; ignored',
      "image detail 'high' is not supported by Gemini; ignored",
      'the MIME type of image URL https://example.com/render?… could not be told from its extension; sent as image/jpeg',
      'strict function schemas are not enforced by Gemini (function get_weather)',
      'parallel_tool_calls: false is not supported by Gemini; the model may call several functions at once',
      "parameter 'user' is not supported by Gemini; ignored",
      "parameter 'logit_bias' is not supported by Gemini; ignored",
      "parameter 'reasoning_effort' is not supported by Gemini; ignored",
    ]);
  });

  it('rejects a tool message that answers no earlier tool call, without calling Gemini', async () => {
    const { gateway, events } = geminiGateway();

    const error = await failure(
      gateway.chat({
        workspace: 'team-a',
        model: '@gemini/gemini-2.0-flash',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'tool', tool_call_id: 'call_unknown', content: '42' },
        ],
      }),
    );

    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { path: 'messages.1.tool_call_id', message: "no earlier assistant tool call has the id 'call_unknown' (Gemini needs the function's name)" },
    ]);
    expect(google.requests).toHaveLength(0);
    expect(events[0]).toMatchObject({ status: 'rejected', httpStatus: 400, errorCode: 'invalid_request' });
  });

  it('rejects tool call arguments that are not a JSON object', async () => {
    const { gateway } = geminiGateway();

    const error = await failure(
      gateway.chat({
        workspace: 'team-a',
        model: '@gemini/gemini-2.0-flash',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '[1,2' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'ok' },
        ],
      }),
    );

    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues[0]!.path).toBe('messages.1.tool_calls.0.function.arguments');
    expect(google.requests).toHaveLength(0);
  });
});
