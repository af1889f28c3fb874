// npm test: an OpenAI-compatible server replayed by msw; milliseconds.
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createGateway, secret, type GatewayConfig } from '../../../src/index.js';
import { gatewayWithEvents } from '../../helpers/mock-gateway.js';
import { setupProviderServer } from '../../helpers/provider-server.js';

const { server } = setupProviderServer();
const seen: Array<{ headers: Headers; body: Record<string, unknown> }> = [];
afterEach(() => {
  seen.length = 0;
});

const BASE = 'http://vllm.internal:8000/v1';
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-vllm-1', object: 'chat.completion.chunk', created: 1763734000, model: 'meta-llama/Llama-3.1-8B-Instruct', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;

function gatewayWith(fields: Record<string, unknown> = {}) {
  return gatewayWithEvents({
    integrations: [{ slug: 'local', provider: 'openai-compatible', baseURL: BASE, workspaces: 'all', ...fields } as GatewayConfig['integrations'][number]],
  });
}

const ask = { workspace: 'w', model: '@local/meta-llama/Llama-3.1-8B-Instruct', messages: [{ role: 'user' as const, content: 'Hello' }] };

describe('openai-compatible', () => {
  it('calls baseURL without auth by default, with a bearer key when given', async () => {
    server.use(
      http.post(`${BASE}/chat/completions`, async ({ request }) => {
        seen.push({ headers: request.headers, body: (await request.json()) as Record<string, unknown> });
        return HttpResponse.json({
          id: 'chatcmpl-vllm-2',
          object: 'chat.completion',
          created: 1763734000,
          model: 'meta-llama/Llama-3.1-8B-Instruct',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 },
        });
      }),
    );
    await gatewayWith().gateway.chat(ask);
    await gatewayWith({ credentials: { apiKey: secret.value('local-key-1') }, headers: { 'x-team': 'ml' } }).gateway.chat(ask);
    expect(seen[0]!.headers.get('authorization')).toBeNull();
    expect(seen[1]!.headers.get('authorization')).toBe('Bearer local-key-1');
    expect(seen[1]!.headers.get('x-team')).toBe('ml');
    expect(seen[0]!.body.model).toBe('meta-llama/Llama-3.1-8B-Instruct');
  });

  it("takes a usage chunk with `choices: null` (vLLM)", async () => {
    server.use(
      http.post(`${BASE}/chat/completions`, () => {
        const usage = `data: ${JSON.stringify({ id: 'chatcmpl-vllm-1', object: 'chat.completion.chunk', created: 1763734000, model: 'm', choices: null, usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } })}\n\n`;
        return new HttpResponse(chunk({ role: 'assistant', content: 'Hi' }) + chunk({ content: '!' }) + chunk({}, 'stop') + usage + 'data: [DONE]\n\n', {
          headers: { 'content-type': 'text/event-stream' },
        });
      }),
    );
    const { gateway, events } = gatewayWith();
    let text = '';
    for await (const c of await gateway.chat({ ...ask, stream: true })) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hi!');
    expect(events).toMatchObject([{ status: 'success', usage: { inputTokens: 12, outputTokens: 2, estimated: false } }]);
  });

  it('streamUsage: false sends no stream_options (some servers reject it): usage estimated, said in a warning', async () => {
    server.use(
      http.post(`${BASE}/chat/completions`, async ({ request }) => {
        seen.push({ headers: request.headers, body: (await request.json()) as Record<string, unknown> });
        return new HttpResponse(chunk({ role: 'assistant', content: 'Hello there' }) + chunk({}, 'stop') + 'data: [DONE]\n\n', {
          headers: { 'content-type': 'text/event-stream' },
        });
      }),
    );
    const { gateway, events } = gatewayWith({ streamUsage: false });
    for await (const _ of await gateway.chat({ ...ask, stream: true, stream_options: { include_usage: true } }));
    expect(seen[0]!.body).not.toHaveProperty('stream_options');
    expect(events[0]).toMatchObject({ status: 'success', usage: { estimated: true, outputTokens: Math.ceil('Hello there'.length / 4) } });
    expect(events[0]!.warnings).toEqual([expect.stringContaining('streamUsage: false')]);
  });

  it('embeddings at baseURL/embeddings', async () => {
    server.use(
      http.post(`${BASE}/embeddings`, () =>
        HttpResponse.json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1, 0] }], model: 'bge-small', usage: { prompt_tokens: 3, total_tokens: 3 } }),
      ),
    );
    const res = await gatewayWith().gateway.embeddings({ workspace: 'w', model: '@local/bge-small', input: 'hello' });
    expect(res).toMatchObject({ data: [{ embedding: [1, 0] }], gateway: { usage: { inputTokens: 3 } } });
  });

  it('requires baseURL', () => {
    expect(() => createGateway({ integrations: [{ slug: 'x', provider: 'openai-compatible', workspaces: 'all' } as never] })).toThrow(ConfigError);
    try {
      createGateway({ integrations: [{ slug: 'x', provider: 'openai-compatible', workspaces: 'all' } as never] });
    } catch (e) {
      expect((e as ConfigError).issues).toEqual([{ path: 'integrations[0].baseURL', message: expect.stringContaining('is required') }]);
    }
  });
});
