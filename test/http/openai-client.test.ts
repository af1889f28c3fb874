// npm test: the real openai client against the endpoint on a loopback port; milliseconds.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { eventOf, httpGateway, mockIntegration } from '../helpers/http-gateway.js';

/** The official OpenAI client, unchanged but for the URL and the key, against a served gateway. */

const REPLY = 'Mock reply to "Hello"';
const HELLO = [{ role: 'user' as const, content: 'Hello' }];

const served = (mock: Record<string, unknown> = {}) =>
  httpGateway({
    integrations: [mockIntegration({ mock: { usage: { inputTokens: 20, outputTokens: 80 }, ...mock } })],
    keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock' }],
  });

describe('chat completions', () => {
  it('answers a non-streaming call with the mock reply, in OpenAI shape', async () => {
    const app = await served();
    const { data, response } = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO }).withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBe(REPLY);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 80, total_tokens: 100 });
    // The library's `gateway` field is not sent.
    expect(data).not.toHaveProperty('gateway');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(app.events).toMatchObject([{ status: 'success', key: 'app-1', workspace: 'team-a', integration: 'mock', model: 'm' }]);
  });

  it('takes the model bare or as @slug/model of the key’s integration', async () => {
    const app = await served();
    const client = app.client('app-1');
    const bare = await client.chat.completions.create({ model: 'm', messages: HELLO });
    const slugged = await client.chat.completions.create({ model: '@mock/m2', messages: HELLO });
    expect(bare.choices[0]?.message.content).toBe(REPLY);
    expect(slugged.choices[0]?.message.content).toBe(REPLY);
    expect(app.events.map((e) => e.model)).toEqual(['m', 'm2']);
  });

  it('streams chunks whose content is the mock reply, ending with the finish reason', async () => {
    const app = await served({ chunks: ['Hel', 'lo ', 'world'] });
    const stream = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello world');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(app.events).toMatchObject([{ status: 'success', stream: true }]);
  });

  it('streams the default reply word by word', async () => {
    const app = await served();
    const stream = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO, stream: true });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe(REPLY);
  });

  it('with stream_options.include_usage, a last chunk carries the usage', async () => {
    const app = await served();
    const stream = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 80, total_tokens: 100 });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(REPLY);
  });

  it('ignores workspace and key fields of the body: the token decides them', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration()],
      keys: [
        { id: 'app-1', workspace: 'team-a', integration: 'mock' },
        { id: 'app-2', workspace: 'team-b', integration: 'mock' },
      ],
    });
    const body = { model: 'm', messages: HELLO, workspace: 'team-b', key: 'app-2' } as OpenAI.ChatCompletionCreateParamsNonStreaming;
    await app.client('app-1').chat.completions.create(body);
    expect(app.events).toMatchObject([{ status: 'success', key: 'app-1', workspace: 'team-a' }]);
  });

  it('passes the traceparent header to the gateway', async () => {
    const app = await served();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO }, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(app.events[0]?.traceId).toBe(traceId);
  });
});

describe('embeddings', () => {
  it('answers an embeddings list, one vector per input', async () => {
    const app = await served();
    const { data: result, response } = await app.client('app-1').embeddings.create({ model: 'e', input: ['alpha', 'beta'], dimensions: 4 }).withResponse();
    expect(result.object).toBe('list');
    expect(result.data.map((d) => d.index)).toEqual([0, 1]);
    expect(result.data.every((d) => d.object === 'embedding' && d.embedding.length === 4)).toBe(true);
    // The mock embeds deterministically: different texts, different vectors.
    expect(result.data[0]!.embedding).not.toEqual(result.data[1]!.embedding);
    expect(result.usage.prompt_tokens).toBe(20);
    expect(result).not.toHaveProperty('gateway');
    expect(eventOf(app.events, response.headers.get('x-request-id'))).toMatchObject({ status: 'success', model: 'e' });
  });

  it('answers float or base64 vectors, as asked (the client asks base64 by default and decodes it)', async () => {
    const app = await served();
    const client = app.client('app-1');
    const floats = await client.embeddings.create({ model: 'e', input: 'alpha', dimensions: 4, encoding_format: 'float' });
    const decoded = await client.embeddings.create({ model: 'e', input: 'alpha', dimensions: 4 });
    const raw = await client.embeddings.create({ model: 'e', input: 'alpha', dimensions: 4, encoding_format: 'base64' });
    const vector = floats.data[0]!.embedding;
    expect(vector).toHaveLength(4);
    expect(decoded.data[0]!.embedding).toHaveLength(4);
    decoded.data[0]!.embedding.forEach((v, i) => expect(v).toBeCloseTo(vector[i]!, 5));
    const bytes = Buffer.from(raw.data[0]!.embedding as unknown as string, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))).toEqual(decoded.data[0]!.embedding);
  });
});

describe('models', () => {
  const grants = {
    integrations: [
      mockIntegration({
        customModels: [
          { id: 'm', pricing: { input: 1, output: 1 } },
          { id: 'm2', pricing: { input: 1, output: 1 } },
          { id: 'e', pricing: { input: 1, output: 0 } },
          { id: 'org/ft-1', pricing: { input: 1, output: 1 } },
        ],
        workspaces: { '*': {}, narrow: { models: ['m', 'm2'] } },
      }),
    ],
    keys: [
      { id: 'all', workspace: 'team-a', integration: 'mock' },
      { id: 'only-m', workspace: 'team-a', integration: 'mock', models: ['m'] },
      { id: 'narrow', workspace: 'narrow', integration: 'mock' },
      { id: 'narrow-m2', workspace: 'narrow', integration: 'mock', models: ['m2'] },
    ],
  };
  const ids = async (client: OpenAI) => (await client.models.list()).data.map((m) => m.id);

  it('lists what the key may use: everything, narrowed by the key, by the grant, by both', async () => {
    const app = await httpGateway(grants);
    expect(await ids(app.client('all'))).toEqual(['e', 'm', 'm2', 'org/ft-1']);
    expect(await ids(app.client('only-m'))).toEqual(['m']);
    expect(await ids(app.client('narrow'))).toEqual(['m', 'm2']);
    expect(await ids(app.client('narrow-m2'))).toEqual(['m2']);
    const page = await app.client('only-m').models.list();
    expect(page.data).toEqual([{ id: 'm', object: 'model', created: 0, owned_by: 'mock' }]);
  });

  it('lists the allowlist of an integration with one', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration({ models: ['gpt-x', 'gpt-y'], customModels: [{ id: 'ft', pricing: { input: 1, output: 1 } }] })],
      keys: [{ id: 'k', workspace: 'team-a', integration: 'mock', models: ['gpt-y', 'ft'] }],
    });
    expect(await ids(app.client('k'))).toEqual(['ft', 'gpt-y']);
  });

  it('lists an allowlist narrowed by the grant', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration({ models: ['gpt-x', 'gpt-y', 'gpt-z'], customModels: [], workspaces: { 'team-a': { models: ['gpt-x', 'gpt-z'] } } })],
      keys: [
        { id: 'k', workspace: 'team-a', integration: 'mock' },
        { id: 'kz', workspace: 'team-a', integration: 'mock', models: ['gpt-z'] },
      ],
    });
    expect(await ids(app.client('k'))).toEqual(['gpt-x', 'gpt-z']);
    expect(await ids(app.client('kz'))).toEqual(['gpt-z']);
    const error = await app.client('k').models.retrieve('gpt-y').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('lists nothing once the workspace loses its grant', async () => {
    const app = await httpGateway(grants);
    app.gateway.provisioning.revoke({ integration: 'mock', workspace: 'narrow' });
    expect(await ids(app.client('narrow'))).toEqual([]);
    expect(await ids(app.client('all'))).toEqual(['e', 'm', 'm2', 'org/ft-1']);
  });

  it('retrieves an allowed model (a model id with a slash too)', async () => {
    const app = await httpGateway(grants);
    expect(await app.client('only-m').models.retrieve('m')).toEqual({ id: 'm', object: 'model', created: 0, owned_by: 'mock' });
    expect(await app.client('all').models.retrieve('org/ft-1')).toMatchObject({ id: 'org/ft-1', owned_by: 'mock' });
  });

  it('answers 404 for a model the key may not use, or that does not exist', async () => {
    const app = await httpGateway(grants);
    for (const [key, model] of [
      ['only-m', 'm2'],
      ['narrow', 'e'],
      ['all', 'nope'],
    ] as const) {
      const error = await app.client(key).models.retrieve(model).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'model_not_found', type: 'not_found_error' });
    }
  });
});
