// npm test: Anthropic's wire format replayed by msw; milliseconds.
import { describe, expect, it } from 'vitest';
import { RequestValidationError, type ChatMessage } from '../../../src/index.js';
import { MODEL, MODEL_ID, createTestGateway, fixtureJson, jsonResponse, setupAnthropicServer } from '../../helpers/anthropic-server.js';
import { weatherTool } from '../../helpers/weather-tool.js';

const anthropic = setupAnthropicServer();

const ok = () => jsonResponse(fixtureJson('anthropic-messages.json'));

/** Sends one request and returns the body Anthropic received and the call's warnings. */
async function send(extra: Record<string, unknown>, response = ok) {
  anthropic.respond(response);
  const { gateway, events } = createTestGateway();
  const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100, ...extra });
  return { body: anthropic.requests.at(-1)!.body, warnings: events[0]!.warnings, res, event: events[0]! };
}

describe('Anthropic adapter: tool calls', () => {
  it('converts tools, tool calls and tool results, merging the tool results into one user turn', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are a weather assistant.' },
      { role: 'user', content: 'What is the weather in Paris and in Tokyo?' },
      {
        role: 'assistant',
        content: "I'll check the current weather in both cities.",
        tool_calls: [
          { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
          { id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Tokyo, Japan","unit":"celsius"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '18°C, partly cloudy' },
      { role: 'tool', tool_call_id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', content: [{ type: 'text', text: '24°C, sunny' }] },
      { role: 'user', content: 'Which one is warmer?' },
    ];

    const { body, warnings } = await send({ messages, tools: [weatherTool], tool_choice: 'auto' });

    expect(body).toEqual({
      model: MODEL_ID,
      max_tokens: 100,
      system: 'You are a weather assistant.',
      messages: [
        { role: 'user', content: 'What is the weather in Paris and in Tokyo?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: "I'll check the current weather in both cities." },
            { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'Paris, France', unit: 'celsius' } },
            { type: 'tool_use', id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', input: { location: 'Tokyo, Japan', unit: 'celsius' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '18°C, partly cloudy' },
            { type: 'tool_result', tool_use_id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', content: [{ type: 'text', text: '24°C, sunny' }] },
            { type: 'text', text: 'Which one is warmer?' },
          ],
        },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Get the current weather in a given location',
          input_schema: weatherTool.function.parameters,
        },
      ],
      tool_choice: { type: 'auto' },
    });
    expect(warnings).toEqual([]);
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    ['a named function', { type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
    ['absent', undefined, undefined],
  ])('maps tool_choice %s', async (name, named, expected) => {
    const choice = named ?? (name === 'absent' ? undefined : name);
    const { body } = await send({ tools: [weatherTool], ...(choice ? { tool_choice: choice } : {}) });
    if (expected) expect(body.tool_choice).toEqual(expected);
    else expect(body).not.toHaveProperty('tool_choice');
  });

  it('honors parallel_tool_calls: false with disable_parallel_tool_use', async () => {
    const auto = await send({ tools: [weatherTool], parallel_tool_calls: false });
    expect(auto.body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    const any = await send({ tools: [weatherTool], tool_choice: 'required', parallel_tool_calls: false });
    expect(any.body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(any.warnings).toEqual([]);
  });

  it('translates tool_use blocks of the answer into tool_calls with finish_reason tool_calls', async () => {
    const { res, event } = await send({ tools: [weatherTool] }, () => jsonResponse(fixtureJson('anthropic-messages-tool-use.json')));

    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe("I'll check the current weather in both cities.");
    expect(choice.message.tool_calls).toEqual([
      { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
      { id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Tokyo, Japan","unit":"celsius"}' } },
    ]);
    expect(event).toMatchObject({ finishReason: 'tool_calls', usage: { inputTokens: 472, outputTokens: 121 } });
  });

  it('leaves thinking blocks out of the completion, with a warning, and passes thinking through', async () => {
    const fixture = {
      ...fixtureJson('anthropic-messages.json'),
      content: [
        { type: 'thinking', thinking: 'The user greets me; a short greeting back is best.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
        { type: 'text', text: 'Hello! How can I help you today?' },
      ],
    };
    const { body, res, warnings } = await send({ thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 2048 }, () => jsonResponse(fixture));

    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(warnings).toEqual(['Anthropic "thinking" content blocks have no place in a chat completion and were left out']);
  });

  it('merges consecutive messages of the same role into one turn', async () => {
    const { body } = await send({
      messages: [
        { role: 'user', content: 'First question.' },
        { role: 'user', content: [{ type: 'text', text: 'Second question.' }] },
        { role: 'assistant', content: 'First answer.' },
        { role: 'assistant', content: [{ type: 'text', text: 'Second answer.' }] },
        { role: 'user', content: 'Thanks.' },
      ],
    });

    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'First question.' }, { type: 'text', text: 'Second question.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'First answer.' }, { type: 'text', text: 'Second answer.' }] },
      { role: 'user', content: 'Thanks.' },
    ]);
  });
});

describe('Anthropic adapter: finish reasons', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('maps stop_reason %s to finish_reason %s', async (stopReason, finishReason) => {
    const fixture = { ...fixtureJson('anthropic-messages.json'), stop_reason: stopReason };
    const { res, event } = await send({}, () => jsonResponse(fixture));
    expect(res.choices[0]!.finish_reason).toBe(finishReason);
    expect(event.finishReason).toBe(finishReason);
  });
});

describe('Anthropic adapter: JSON mode (response_format)', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' }, temperature: { type: 'number' }, conditions: { type: 'string' } }, required: ['city'] };

  it('emulates json_schema with a forced tool and returns its input as the content', async () => {
    const { body, res, warnings } = await send(
      { response_format: { type: 'json_schema', json_schema: { name: 'weather_report', description: 'A weather report', schema } } },
      () => jsonResponse(fixtureJson('anthropic-messages-json-tool.json')),
    );

    expect(body.tools).toEqual([{ name: 'weather_report', description: 'A weather report', input_schema: schema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'weather_report' });
    expect(body).not.toHaveProperty('response_format');
    const choice = res.choices[0]!;
    expect(JSON.parse(choice.message.content!)).toEqual({ city: 'Paris', temperature: 18, conditions: 'partly cloudy' });
    expect(choice.message.tool_calls).toBeUndefined();
    expect(choice.finish_reason).toBe('stop');
    expect(warnings).toEqual([]);
  });

  it('emulates json_object with a forced tool taking any object', async () => {
    const { body } = await send({ response_format: { type: 'json_object' } });
    expect(body.tools).toEqual([{ name: 'json_response', description: expect.any(String), input_schema: { type: 'object' } }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'json_response' });
  });

  it('warns that strict schema adherence is not enforced', async () => {
    const { warnings } = await send(
      { response_format: { type: 'json_schema', json_schema: { name: 'weather_report', schema, strict: true } } },
      () => jsonResponse(fixtureJson('anthropic-messages-json-tool.json')),
    );
    expect(warnings).toEqual([expect.stringContaining('does not enforce strict schema adherence')]);
  });

  it('returns the text as the content when the model answered without the JSON tool', async () => {
    const { res, warnings } = await send({ response_format: { type: 'json_object' } });
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(warnings).toEqual([]);
  });

  it('asks for JSON in the system prompt, with a warning, when the request has tools of its own', async () => {
    const { body, warnings } = await send({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      tools: [weatherTool],
      response_format: { type: 'json_object' },
    });

    expect(body.tools).toEqual([expect.objectContaining({ name: 'get_weather' })]);
    expect(body).not.toHaveProperty('tool_choice');
    expect(body.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Respond only with a valid JSON object, without any other text.' },
    ]);
    expect(warnings).toEqual([expect.stringMatching(/response_format json_object: .*tools of its own.*not guaranteed/)]);
  });
});

describe('Anthropic adapter: what Anthropic cannot honor', () => {
  it('warns on the usage event for each unsupported parameter, and sends none of them', async () => {
    const { body, event } = await send({
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.2,
      logit_bias: { '50256': -100 },
      temperature: 1.5,
      prompt_cache_key: 'team-a',
      top_k: 40,
    });

    expect(event.status).toBe('success');
    expect(event.warnings).toEqual([
      'temperature 1.5 is above Anthropic\'s maximum of 1: sent 1',
      'n: 2 is not supported by Anthropic: one choice was generated',
      'logprobs are not supported by Anthropic and were ignored',
      'top_logprobs is not supported by Anthropic and was ignored',
      'seed is not supported by Anthropic and was ignored',
      'presence_penalty is not supported by Anthropic and was ignored',
      'frequency_penalty is not supported by Anthropic and was ignored',
      'logit_bias is not supported by Anthropic and was ignored',
      'prompt_cache_key is not supported by Anthropic and was ignored',
    ]);
    // top_k is an Anthropic parameter: passed through.
    expect(body).toEqual({ model: MODEL_ID, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], temperature: 1, top_k: 40 });
  });

  it('warns when a system message inside the conversation is moved to the top-level system prompt', async () => {
    const { body, warnings } = await send({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'From now on, answer in French.' },
      ],
    });
    expect(body.system).toBe('From now on, answer in French.');
    expect(warnings).toEqual([expect.stringContaining('moved to Anthropic\'s top-level system prompt')]);
  });

  it('converts a PDF file to a document block and warns on an image detail it cannot honor', async () => {
    const { body, warnings } = await send({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'contract.pdf' } },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==', detail: 'low' } },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'contract.pdf' },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
        ],
      },
    ]);
    expect(warnings).toEqual(['messages.0.content.1: image detail "low" is not supported by Anthropic and was ignored']);
  });

  it('refuses content Anthropic cannot take (audio, OpenAI file ids) with a RequestValidationError, without calling it', async () => {
    anthropic.respond(ok);
    const { gateway, events } = createTestGateway();

    const error = await gateway
      .chat({
        workspace: 'team-a',
        model: MODEL,
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Transcribe this, and summarize the file.' },
              { type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZFZm10IBAAAAABAAEA', format: 'wav' } },
              { type: 'file', file: { file_id: 'file-6F2ksmvXxt4VdoqmHRw6kL' } },
            ],
          },
        ],
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { path: 'messages.0.content.1', message: 'audio input is not supported by Anthropic' },
      { path: 'messages.0.content.2', message: expect.stringContaining('OpenAI file ids cannot be used with Anthropic') },
    ]);
    expect(anthropic.requests).toHaveLength(0);
    expect(events[0]).toMatchObject({ status: 'rejected', httpStatus: 400, errorCode: 'invalid_request' });
  });
});
