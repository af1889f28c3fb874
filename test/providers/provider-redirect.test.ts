// npm test: a provider answering with a redirect, on a loopback server; milliseconds.
import { describe, expect, it } from 'vitest';
import { ProviderError, createGateway, secret } from '../../src/index.js';
import { listen } from '../helpers/http-gateway.js';
import { fixtureJson } from '../helpers/openai-server.js';

describe('a provider that answers with a redirect', () => {
  it('is a provider error (502, not retried), not followed: the request is not sent again elsewhere, on either transport', async () => {
    const hits: string[] = [];
    const server = await listen((req, res) => {
      hits.push(req.url!);
      req.resume();
      if (req.url === '/v1/chat/completions') res.writeHead(307, { location: '/elsewhere/chat/completions' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixtureJson('openai-chat.json')));
    });
    // The default transport (undici's request), then a gateway given a fetch.
    for (const fetch of [undefined, (input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)]) {
      hits.length = 0;
      const gateway = createGateway({
        integrations: [{ slug: 'up', provider: 'openai', baseURL: `${server.origin}/v1`, credentials: { apiKey: secret.value('sk-test-3xx-0123456789') }, workspaces: 'all' }],
        retry: { retries: 2, minDelayMs: 0, maxDelayMs: 0 },
        ...(fetch ? { fetch } : {}),
      });
      const error = await gateway.chat({ workspace: 'w', model: '@up/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ status: 502, upstreamStatus: 307, isRetryable: false });
      expect((error as ProviderError).message).toContain('redirect');
      expect(hits).toEqual(['/v1/chat/completions']);
      await gateway.close();
    }
  });
});
