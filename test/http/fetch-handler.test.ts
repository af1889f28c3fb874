// npm test: the fetch handler, in process; milliseconds.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { ConfigError, createGateway, type Gateway, type UsageEvent } from '../../src/index.js';
import { createFetchHandler, generateKey, type FetchHandlerOptions } from '../../src/http.js';
import { ssePayloads } from '../helpers/sse-events.js';
import { until } from '../helpers/until.js';
import { httpGateway, mockIntegration, reservedOf } from '../helpers/http-gateway.js';

/** The fetch handler itself, as Next.js, Hono, Bun or Deno call it: `new Request(...)` in, `Response` out. */

const HELLO = [{ role: 'user' as const, content: 'Hello' }];

function direct(mock: Record<string, unknown> = {}, options: FetchHandlerOptions = {}) {
  const { token, hash } = generateKey();
  const gateway = createGateway({
    integrations: [mockIntegration({ mock })],
    keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock', hash, rateLimits: [{ type: 'requests', limit: 10, per: 'minute' }] }],
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  const handler = createFetchHandler(gateway, options);
  const request = (path: string, init: RequestInit = {}) =>
    handler(new Request(`https://tollgate.example${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } }));
  return { gateway, events, handler, request, token };
}

describe('createFetchHandler without a server', () => {
  it('answers a chat completion as JSON', async () => {
    const { request, events } = direct();
    const response = await request('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'm', messages: HELLO }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as OpenAI.ChatCompletion;
    expect(body.choices[0]?.message.content).toBe('Mock reply to "Hello"');
    expect(response.headers.get('x-request-id')).toBe(events[0]?.requestId);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9');
  });

  it('answers a stream as Server-Sent Events ending with [DONE]', async () => {
    const { request } = direct({ chunks: ['a', 'b', 'c'] });
    const response = await request('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'm', messages: HELLO, stream: true }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const chunks = ssePayloads<OpenAI.ChatCompletionChunk>(text);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('abc');
    expect(chunks.every((c) => !('gateway' in c))).toBe(true);
  });

  it('a body cancelled by the runtime (the client left) stops the stream and settles it, reporting nothing', async () => {
    const unexpected: unknown[] = [];
    const { request, gateway, events } = direct({ chunks: ['a', 'b', 'c', 'd'] }, { onError: (error) => unexpected.push(error) });
    const response = await request('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'm', messages: HELLO, stream: true }) });
    const reader = response.body!.getReader();
    await reader.read();
    expect(await reservedOf(gateway, 'app-1')).toBe(1);
    await reader.cancel();
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({ status: 'aborted' });
    expect(await reservedOf(gateway, 'app-1')).toBe(0);
    // A client going away is no bug of the handler.
    expect(unexpected).toEqual([]);
  });

  it('an aborted request signal aborts the call', async () => {
    const { handler, token, events } = direct({ latencyMs: 600_000 });
    const controller = new AbortController();
    const pending = handler(
      new Request('http://x/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: HELLO }), signal: controller.signal }),
    );
    controller.abort();
    const response = await pending;
    expect(response.status).toBe(499);
    expect(await response.json()).toMatchObject({ error: { code: 'request_aborted' } });
    expect(events).toMatchObject([{ status: 'aborted' }]);
  });

  it('answers models, embeddings and errors', async () => {
    const { request, handler } = direct();
    expect(await (await request('/v1/models')).json()).toEqual({
      object: 'list',
      data: ['e', 'm', 'm2'].map((id) => ({ id, object: 'model', created: 0, owned_by: 'mock' })),
    });
    const embeddings = await request('/v1/embeddings', { method: 'POST', body: JSON.stringify({ model: 'e', input: ['a'] }) });
    expect(((await embeddings.json()) as OpenAI.CreateEmbeddingResponse).data).toHaveLength(1);
    expect((await request('/v1/models/m')).status).toBe(200);
    expect((await request('/v1/models/m%32')).status).toBe(200);
    expect((await request('/v1/models/zz')).status).toBe(404);
    expect((await handler(new Request('http://x/v1/models'))).status).toBe(401);
    expect((await request('/v1/chat/completions', { method: 'POST', body: '{' })).status).toBe(400);
  });

  it('checks the body size from Content-Length and as it reads', async () => {
    const { handler, token } = direct({}, { maxBodyBytes: 100 });
    const big = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(200) }] });
    const declared = await handler(new Request('http://x/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-length': '1000', 'content-type': 'application/json' }, body: '{}' }));
    expect(declared.status).toBe(413);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode(big));
      },
    });
    const streamed = await handler(new Request('http://x/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: endless, duplex: 'half' } as RequestInit));
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(5);
    const fits = await handler(new Request('http://x/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: HELLO }) }));
    expect(fits.status).toBe(200);
  });
});

describe('basePath', () => {
  it('serves the routes under another base path, and nothing under /v1', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock' }] }, { basePath: '/llm/v1' });
    expect(app.baseURL).toMatch(/\/llm\/v1$/);
    const completion = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO });
    expect(completion.choices[0]?.message.content).toBe('Mock reply to "Hello"');
    expect((await app.client('app-1').models.list()).data).toHaveLength(3);
    const old = await fetch(`${app.origin}/v1/models`, { headers: { authorization: `Bearer ${app.tokens['app-1']}` } });
    expect(old.status).toBe(404);
    const prefixOnly = await fetch(`${app.origin}/llm/v1x/models`, { headers: { authorization: `Bearer ${app.tokens['app-1']}` } });
    expect(prefixOnly.status).toBe(404);
  });

  it("basePath '' serves at the root", async () => {
    const { request } = direct({}, { basePath: '' });
    expect((await request('/models')).status).toBe(200);
    expect((await request('/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'm', messages: HELLO }) })).status).toBe(200);
    expect((await request('/v1/models')).status).toBe(404);
  });

  it('ignores the query string when routing', async () => {
    const { request } = direct();
    expect((await request('/v1/models?limit=5#x')).status).toBe(200);
    expect((await request('/v1/chat/completions?api-version=1', { method: 'POST', body: JSON.stringify({ model: 'm', messages: HELLO }) })).status).toBe(200);
  });
});

describe('options', () => {
  const gateway = createGateway({ integrations: [mockIntegration()] });
  const configError = (options: unknown): ConfigError => {
    try {
      createFetchHandler(gateway, options as FetchHandlerOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses bad options with a ConfigError naming each', () => {
    for (const basePath of ['v1', '/v1/', '/', '/v 1', '/v1?x', '//v1', 42]) {
      expect(configError({ basePath }).issues.map((i) => i.path), String(basePath)).toEqual(['basePath']);
    }
    for (const maxBodyBytes of [0, -1, 1.5, '1000', Infinity, NaN]) {
      expect(configError({ maxBodyBytes }).issues.map((i) => i.path), String(maxBodyBytes)).toEqual(['maxBodyBytes']);
    }
    expect(configError({ onError: 'log' }).issues.map((i) => i.path)).toEqual(['onError']);
    expect(configError({ basePth: '/v1' }).issues).toHaveLength(1);
    expect(configError({ basePath: 'x', maxBodyBytes: 0 }).issues).toHaveLength(2);
  });

  it('takes valid options, none, or undefined', () => {
    for (const options of [undefined, {}, { basePath: '' }, { basePath: '/a/b-c/v1.2' }, { maxBodyBytes: 1 }, { onError: () => {} }]) {
      expect(typeof createFetchHandler(gateway, options)).toBe('function');
    }
  });

  it('refuses something that is not a gateway', () => {
    expect(() => createFetchHandler({} as Gateway)).toThrow(TypeError);
    expect(() => createFetchHandler(undefined as unknown as Gateway)).toThrow(TypeError);
  });
});
