// npm test: credential rotation against OpenAI's wire format replayed by msw; milliseconds.
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createGateway, secret } from '../../src/index.js';
import { ask } from '../helpers/mock-gateway.js';

const seen: string[] = [];
const server = setupServer(
  http.post('http://openai.test/v1/chat/completions', ({ request }) => {
    seen.push(request.headers.get('authorization') ?? '');
    return HttpResponse.json({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
});
afterAll(() => server.close());

describe('rotateCredentials', () => {
  it('the next request uses the new key; the change event carries no secret', async () => {
    const gateway = createGateway({
      integrations: [{ slug: 'openai-prod', provider: 'openai', baseURL: 'http://openai.test/v1', credentials: { apiKey: secret.value('key-one-1111') }, workspaces: 'all' }],
    });
    const changes: unknown[] = [];
    gateway.on('provisioning.changed', (c) => changes.push(c));
    await gateway.chat(ask('@openai-prod/gpt-4o-mini'));
    await gateway.provisioning.rotateCredentials({ integration: 'openai-prod', credentials: { apiKey: secret.value('key-two-2222') } });
    await gateway.chat(ask('@openai-prod/gpt-4o-mini'));
    expect(seen).toEqual(['Bearer key-one-1111', 'Bearer key-two-2222']);
    expect(changes).toMatchObject([{ action: 'rotate-credentials', integration: 'openai-prod', workspace: null }]);
    expect(JSON.stringify(changes)).not.toContain('key-two');
  });

  it('rejects credentials that are not secrets and keeps the old ones', async () => {
    const gateway = createGateway({
      integrations: [{ slug: 'openai-prod', provider: 'openai', baseURL: 'http://openai.test/v1', credentials: { apiKey: secret.value('key-one-1111') }, workspaces: 'all' }],
    });
    let error: unknown;
    try {
      await gateway.provisioning.rotateCredentials({ integration: 'openai-prod', credentials: { apiKey: 'raw-key-9999' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ path: 'integrations[0].credentials.apiKey', message: expect.stringContaining('must be a secret') }]);
    expect(JSON.stringify(error)).not.toContain('raw-key');
    await gateway.chat(ask('@openai-prod/gpt-4o-mini'));
    expect(seen).toEqual(['Bearer key-one-1111']);
  });
});
