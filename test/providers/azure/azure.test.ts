// npm test: Azure OpenAI's wire format replayed by msw; milliseconds.
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ProviderError, createGateway, secret, type GatewayConfig } from '../../../src/index.js';
import { fixtureReader } from '../../helpers/fixture-reader.js';
import { gatewayWithEvents } from '../../helpers/mock-gateway.js';
import { setupProviderServer } from '../../helpers/provider-server.js';

const { fixtureText } = fixtureReader(new URL('../../fixtures/azure/', import.meta.url));
// The tests install their own handlers, recording each request's `Headers` as received (`seen`).
const { server } = setupProviderServer();
const seen: Array<{ url: string; headers: Headers; body: Record<string, unknown> }> = [];
afterEach(() => {
  seen.length = 0;
});

const capture = async (request: Request) => seen.push({ url: request.url, headers: request.headers, body: (await request.clone().json()) as Record<string, unknown> });
const completion = {
  id: 'chatcmpl-AzT3st1n9Gq0RBdUe5ExampleB',
  object: 'chat.completion',
  created: 1763734000,
  model: 'gpt-4o-mini-2024-07-18',
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi!', refusal: null }, content_filter_results: {}, logprobs: null }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
};

function gatewayWith(fields: Record<string, unknown>) {
  return gatewayWithEvents({
    integrations: [{ slug: 'azure', provider: 'azure-openai', workspaces: 'all', ...fields } as GatewayConfig['integrations'][number]],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 },
  });
}

const ask = { workspace: 'w', model: '@azure/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }] };

describe('azure-openai', () => {
  it('calls the deployment URL with api-version and the api-key header', async () => {
    server.use(
      http.post('https://contoso.openai.azure.com/openai/deployments/prod-4o-mini/chat/completions', async ({ request }) => {
        await capture(request);
        return HttpResponse.json(completion, { headers: { 'x-request-id': 'azure-req-1', 'apim-request-id': 'apim-1' } });
      }),
    );
    const { gateway } = gatewayWith({
      resourceName: 'contoso',
      credentials: { apiKey: secret.value('azure-key-123') },
      deployments: { 'gpt-4o-mini': 'prod-4o-mini' },
    });
    const res = await gateway.chat(ask);
    expect(res.choices[0]?.message.content).toBe('Hi!');
    expect(res.gateway).toMatchObject({ provider: 'azure-openai', providerRequestId: 'azure-req-1', usage: { inputTokens: 9, outputTokens: 2 } });
    expect(new URL(seen[0]!.url).searchParams.get('api-version')).toBe('2024-10-21');
    expect(seen[0]!.headers.get('api-key')).toBe('azure-key-123');
    expect(seen[0]!.headers.get('authorization')).toBeNull();
    expect(seen[0]!.body).toMatchObject({ model: 'gpt-4o-mini', stream: false });
  });

  it('authenticates with a Microsoft Entra ID token, at a baseURL, with another api-version', async () => {
    server.use(
      http.post('https://gw.internal/azure/openai/deployments/gpt-4o-mini/chat/completions', async ({ request }) => {
        await capture(request);
        return HttpResponse.json(completion);
      }),
    );
    const { gateway } = gatewayWith({ baseURL: 'https://gw.internal/azure/', apiVersion: '2025-04-01-preview', credentials: { azureAdToken: secret.from(async () => 'entra-token-xyz') } });
    await gateway.chat(ask);
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer entra-token-xyz');
    expect(seen[0]!.headers.get('api-key')).toBeNull();
    expect(new URL(seen[0]!.url).searchParams.get('api-version')).toBe('2025-04-01-preview');
  });

  it("streams, skipping Azure's prompt-filter chunk, and meters the provider's usage", async () => {
    server.use(
      http.post('https://contoso.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions', async ({ request }) => {
        await capture(request);
        return new HttpResponse(fixtureText('azure-stream.chunks.txt'), { headers: { 'content-type': 'text/event-stream' } });
      }),
    );
    const { gateway, events } = gatewayWith({ resourceName: 'contoso', credentials: { apiKey: secret.value('azure-key-123') } });
    const chunks = [];
    for await (const chunk of await gateway.chat({ ...ask, stream: true })) chunks.push(chunk);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.choices.length === 1)).toBe(true);
    expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('Hello there!');
    expect(seen[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(events).toMatchObject([{ status: 'success', usage: { inputTokens: 9, outputTokens: 3, estimated: false }, servedModel: 'gpt-4o-mini-2024-07-18' }]);
  });

  it('a content-filter refusal is a 400, not retried', async () => {
    let calls = 0;
    server.use(
      http.post('https://contoso.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions', () => {
        calls++;
        return new HttpResponse(fixtureText('azure-content-filter-400.json'), { status: 400, headers: { 'content-type': 'application/json' } });
      }),
    );
    const { gateway } = gatewayWith({ resourceName: 'contoso', credentials: { apiKey: secret.value('azure-key-123') } });
    const error = await gateway.chat(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 400, type: 'content_filter', isRetryable: false, message: expect.stringContaining('content management policy') });
    expect(calls).toBe(1);
  });

  it('embeddings go to the deployment embeddings URL', async () => {
    server.use(
      http.post('https://contoso.openai.azure.com/openai/deployments/embed-small/embeddings', async ({ request }) => {
        await capture(request);
        return HttpResponse.json({
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3] }],
          model: 'text-embedding-3-small',
          usage: { prompt_tokens: 2, total_tokens: 2 },
        });
      }),
    );
    const { gateway, events } = gatewayWith({
      resourceName: 'contoso',
      credentials: { apiKey: secret.value('azure-key-123') },
      deployments: { 'text-embedding-3-small': 'embed-small' },
    });
    const res = await gateway.embeddings({ workspace: 'w', model: '@azure/text-embedding-3-small', input: 'Hello', dimensions: 3 });
    expect(res.data[0]!.embedding).toEqual([0.1, -0.2, 0.3]);
    expect(seen[0]!.body).toEqual({ model: 'text-embedding-3-small', input: 'Hello', dimensions: 3 });
    expect(events).toMatchObject([{ operation: 'embeddings', usage: { inputTokens: 2 }, priceSource: 'catalog' }]);
  });

  it('needs a resourceName or a baseURL, and exactly one credential', () => {
    let error: ConfigError | undefined;
    try {
      createGateway({
        integrations: [
          { slug: 'a', provider: 'azure-openai', credentials: { apiKey: secret.value('k-azure') }, workspaces: 'all' },
          { slug: 'b', provider: 'azure-openai', resourceName: 'x', credentials: {} as never, workspaces: 'all' },
          {
            slug: 'c',
            provider: 'azure-openai',
            resourceName: 'x',
            credentials: { apiKey: secret.value('k-azure'), azureAdToken: secret.value('t-azure') } as never,
            workspaces: 'all',
          },
        ],
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.issues).toEqual([
      { path: 'integrations[0].resourceName', message: expect.stringContaining('resourceName') },
      { path: 'integrations[1].credentials', message: 'give exactly one of apiKey or azureAdToken' },
      { path: 'integrations[2].credentials', message: 'give exactly one of apiKey or azureAdToken' },
    ]);
  });

  it('passes the Responses API through to the v1 endpoint, the deployment as the model, with the api-key header', async () => {
    const answer = {
      id: 'resp_azure_1',
      object: 'response',
      created_at: 1763734000,
      status: 'completed',
      model: 'prod-4o-mini',
      output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hi!', annotations: [] }] }],
      usage: { input_tokens: 9, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 11 },
    };
    server.use(
      http.post('https://contoso.openai.azure.com/openai/v1/responses', async ({ request }) => {
        await capture(request);
        return HttpResponse.json(answer, { headers: { 'x-request-id': 'azure-resp-1' } });
      }),
    );
    const { gateway, events } = gatewayWith({
      resourceName: 'contoso',
      credentials: { apiKey: secret.value('azure-key-123') },
      deployments: { 'gpt-4o-mini': 'prod-4o-mini' },
    });
    const res = await gateway.responses({ workspace: 'w', model: '@azure/gpt-4o-mini', input: 'Hello' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('https://contoso.openai.azure.com/openai/v1/responses');
    expect(seen[0]!.headers.get('api-key')).toBe('azure-key-123');
    expect(seen[0]!.body).toMatchObject({ model: 'prod-4o-mini', input: 'Hello', stream: false });
    expect(res.id).toBe('resp_azure_1');
    expect(events).toMatchObject([{ status: 'success', provider: 'azure-openai', model: 'gpt-4o-mini', usage: { inputTokens: 9, outputTokens: 2 } }]);
    await gateway.close();
  });
});
