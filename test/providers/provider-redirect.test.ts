// npm test: a provider answering with a redirect, on a loopback server; milliseconds.
import { describe, expect, it } from 'vitest';
import { ProviderError, createGateway, secret } from '../../src/index.js';
import { listen } from '../helpers/http-gateway.js';
import { fixtureJson } from '../helpers/openai-server.js';

describe('a provider that answers with a redirect', () => {
  it('is a provider error, not followed: the request is not sent again elsewhere (nor copied in case it must be)', async () => {
    const hits: string[] = [];
    const server = await listen((req, res) => {
      hits.push(req.url!);
      req.resume();
      if (req.url === '/v1/chat/completions') res.writeHead(307, { location: '/elsewhere/chat/completions' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixtureJson('openai-chat.json')));
    });
    {
      const gateway = createGateway({
        integrations: [{ slug: 'up', provider: 'openai', baseURL: `${server.origin}/v1`, credentials: { apiKey: secret.value('sk-redirect-test') }, workspaces: 'all' }],
        retry: { retries: 0 },
      });
      const error = await gateway.chat({ workspace: 'w', model: '@up/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).status).toBe(502);
      expect(hits).toEqual(['/v1/chat/completions']);
      await gateway.close();
    }
  });
});
