// npm test: the real openai client on the in-process fetch, no socket; milliseconds.
import net from 'node:net';
import OpenAI from 'openai';
import { describe, expect, it, vi } from 'vitest';
import { createGateway, type UsageEvent } from '../../src/index.js';
import { createFetch, generateKey } from '../../src/http.js';
import { mockIntegration } from '../helpers/http-gateway.js';

/** `createFetch`: the official OpenAI client (the current major) with tollgate's in-process fetch, and no server. */
// A host that never resolves (RFC 2606 `.invalid`): any request that left the process would fail.
const baseURL = 'http://tollgate.invalid/v1';
const HELLO = [{ role: 'user' as const, content: 'Hello' }];

function setup() {
  const { token, hash } = generateKey();
  const gateway = createGateway({
    integrations: [mockIntegration({ mock: { usage: { inputTokens: 20, outputTokens: 80 } } })],
    keys: [
      { id: 'app-1', workspace: 'team-a', integration: 'mock', hash },
      { id: 'limited', workspace: 'team-a', integration: 'mock', rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] },
    ],
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  return { gateway, token, events };
}

describe('createFetch with the openai client', () => {
  it('serves chat, a stream with usage, embeddings and models.list in process, with no socket', async () => {
    const { gateway, token, events } = setup();
    // No server listens; and the host cannot resolve (`.invalid`), so nothing left the process.
    const listen = vi.spyOn(net.Server.prototype, 'listen');
    const openai = new OpenAI({ apiKey: token, baseURL, fetch: createFetch(gateway), maxRetries: 0 });

    const completion = await openai.chat.completions.create({ model: 'm', messages: HELLO });
    expect(completion.choices[0]?.message.content).toBe('Mock reply to "Hello"');
    expect(completion.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 80 });

    const stream = await openai.chat.completions.create({ model: 'm', messages: HELLO, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Mock reply to "Hello"');
    expect(usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 80, total_tokens: 100 });

    const embeddings = await openai.embeddings.create({ model: 'e', input: ['a', 'b'] });
    expect(embeddings.data).toHaveLength(2);

    const models = [];
    for await (const model of openai.models.list()) models.push(model.id);
    expect(models).toEqual(['e', 'm', 'm2']);

    expect(events.map((e) => [e.key, e.status, e.stream])).toEqual([
      ['app-1', 'success', false],
      ['app-1', 'success', true],
      ['app-1', 'success', false],
    ]);
    expect(listen).not.toHaveBeenCalled();
    listen.mockRestore();
    await gateway.close();
  });

  it('a bad key is the client’s 401 AuthenticationError', async () => {
    const { gateway } = setup();
    const openai = new OpenAI({ apiKey: 'tg_not-a-key', baseURL, fetch: createFetch(gateway), maxRetries: 0 });
    const error = await openai.chat.completions.create({ model: 'm', messages: HELLO }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(String((error as Error).message)).not.toContain('tg_not-a-key');
    await gateway.close();
  });

  it('a rate-limited call is the client’s 429 RateLimitError with retry-after; the key given in code applies', async () => {
    const { gateway, events } = setup();
    // The application chose the key in code: the client's apiKey is a placeholder.
    const openai = new OpenAI({ apiKey: 'placeholder', baseURL, fetch: createFetch(gateway, { key: 'limited' }), maxRetries: 0 });
    await openai.chat.completions.create({ model: 'm', messages: HELLO });
    const error = await openai.chat.completions.create({ model: 'm', messages: HELLO }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    const retryAfter = Number((error as { headers: Headers }).headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(events.map((e) => e.key)).toEqual(['limited', 'limited']);
    await gateway.close();
  });

  it('a workspace given in code: bare models of its integration, and models.list of what it reaches', async () => {
    const { gateway, events } = setup();
    const openai = new OpenAI({ apiKey: 'placeholder', baseURL, fetch: createFetch(gateway, { workspace: 'team-b', integration: 'mock' }), maxRetries: 0 });
    await openai.chat.completions.create({ model: 'm2', messages: HELLO });
    expect(events).toMatchObject([{ workspace: 'team-b', integration: 'mock', model: 'm2', key: null }]);
    const models = [];
    for await (const model of openai.models.list()) models.push(model.id);
    expect(models).toEqual(['e', 'm', 'm2']);
    const any = new OpenAI({ apiKey: 'placeholder', baseURL, fetch: createFetch(gateway, { workspace: 'team-b' }), maxRetries: 0 });
    const all = [];
    for await (const model of any.models.list()) all.push(model.id);
    expect(all).toEqual(['@mock/e', '@mock/m', '@mock/m2']);
    await gateway.close();
  });
});

describe('createFetch options', () => {
  it('refuses options that contradict each other, saying which', () => {
    const { gateway } = setup();
    expect(() => createFetch(gateway, { key: 'app-1', workspace: 'team-a' })).toThrow(/key or workspace, not both/);
    expect(() => createFetch(gateway, { integration: 'mock' })).toThrow(/integration goes with workspace/);
    expect(() => createFetch(gateway, { basePath: 'v1/' })).toThrow(/basePath/);
  });

  it('a key given in code that does not exist is a 401 naming it', async () => {
    const { gateway } = setup();
    const response = await createFetch(gateway, { key: 'ghost' })(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: HELLO }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_api_key', message: expect.stringContaining("'ghost'") } });
  });
});
