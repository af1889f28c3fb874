import { request as httpRequest, type IncomingMessage, type RequestListener } from 'node:http';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { toNodeListener } from '../../src/http.js';
import { httpGateway, listen, mockIntegration, rawRequest, withParsedBody } from '../helpers/http-gateway.js';

/** `toNodeListener`: the fetch handler served by node:http, and as an Express middleware. */

const HELLO = [{ role: 'user' as const, content: 'Hello' }];
const KEY = { id: 'app-1', workspace: 'team-a', integration: 'mock' };

describe('toNodeListener behind an Express-style body parser', () => {
  it('uses the parsed req.body: JSON answers, streams and embeddings', async () => {
    const app = await httpGateway({ integrations: [mockIntegration({ mock: { chunks: ['x', 'y'] } })], keys: [KEY] }, { listener: withParsedBody });
    const client = app.client('app-1');
    const completion = await client.chat.completions.create({ model: 'm', messages: HELLO });
    expect(completion.choices[0]?.message.content).toBe('xy');
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'm', messages: HELLO, stream: true })) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe('xy');
    expect((await client.embeddings.create({ model: 'e', input: ['a', 'b'] })).data).toHaveLength(2);
    expect(app.events.map((e) => e.status)).toEqual(['success', 'success', 'success']);
  });

  it('refuses a parsed body that is not an object, and measures a parsed body against maxBodyBytes', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [KEY] }, { listener: withParsedBody, maxBodyBytes: 512 });
    const auth = { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' };
    const array = await fetch(`${app.baseURL}/chat/completions`, { method: 'POST', headers: auth, body: '[1]' });
    expect(array.status).toBe(400);
    expect(await array.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const big = await fetch(`${app.baseURL}/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(1000) }] }) });
    expect(big.status).toBe(413);
  });

  it('reads the stream itself when the parser set req.body without reading it (another content type)', async () => {
    const app = await httpGateway(
      { integrations: [mockIntegration()], keys: [KEY] },
      {
        listener: (tollgate) => (req, res) => {
          // express.json() sets `{}` and leaves the stream alone when the content type is not its own.
          (req as IncomingMessage & { body?: unknown }).body = {};
          tollgate(req, res);
        },
      },
    );
    const response = await fetch(`${app.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ model: 'm', messages: HELLO }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as OpenAI.ChatCompletion).choices[0]?.message.content).toBe('Mock reply to "Hello"');
  });

  it('takes a parsed body given as a string or a Buffer', async () => {
    for (const as of ['string', 'buffer'] as const) {
      const app = await httpGateway(
        { integrations: [mockIntegration()], keys: [KEY] },
        {
          listener: (tollgate) => (req, res) => {
            const parts: Buffer[] = [];
            req.on('data', (d: Buffer) => parts.push(d));
            req.on('end', () => {
              const raw = Buffer.concat(parts);
              (req as IncomingMessage & { body?: unknown }).body = as === 'string' ? raw.toString('utf8') : raw;
              tollgate(req, res);
            });
          },
        },
      );
      const completion = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO });
      expect(completion.choices[0]?.message.content, as).toBe('Mock reply to "Hello"');
    }
  });
});

describe('toNodeListener', () => {
  it('passes a failure of the adapter to next() when given one, else answers a bare 500', async () => {
    const failing = toNodeListener(async () => {
      throw new Error('adapter failure');
    });
    const passed: unknown[] = [];
    const withNext = await listen((req, res) => {
      failing(req, res, (error) => {
        passed.push(error);
        res.writeHead(502).end('from next');
      });
    });
    const viaNext = await rawRequest(withNext.origin, { method: 'GET', path: '/' });
    expect(viaNext).toMatchObject({ status: 502, body: 'from next' });
    expect(String(passed[0])).toContain('adapter failure');

    const alone = await listen(failing as RequestListener);
    const bare = await rawRequest(alone.origin, { method: 'GET', path: '/' });
    expect(bare.status).toBe(500);
    expect(bare.body).toBe('');
  });

  it('hands the method, URL, headers and body to the handler as a Request', async () => {
    const seen: Array<{ method: string; url: string; custom: string | null; body: string }> = [];
    const server = await listen(
      toNodeListener(async (request) => {
        seen.push({ method: request.method, url: request.url, custom: request.headers.get('x-custom'), body: request.method === 'GET' ? '' : await request.text() });
        return new Response(null, { status: 204, headers: { 'x-answer': 'yes' } });
      }) as RequestListener,
    );
    const get = await rawRequest(server.origin, { method: 'GET', path: '/a/b?c=d', headers: { 'x-custom': 'one' } });
    const post = await rawRequest(server.origin, { method: 'POST', path: '/p', chunks: ['he', 'llo'] });
    expect(get).toMatchObject({ status: 204, body: '', headers: { 'x-answer': 'yes' } });
    expect(post.status).toBe(204);
    expect(seen).toEqual([
      { method: 'GET', url: `http://127.0.0.1:${server.port}/a/b?c=d`, custom: 'one', body: '' },
      { method: 'POST', url: `http://127.0.0.1:${server.port}/p`, custom: null, body: 'hello' },
    ]);
  });

  it('writes a large streamed answer whole, through backpressure', async () => {
    const total = 8 * 1024 * 1024;
    const piece = new Uint8Array(64 * 1024).fill(97);
    let sent = 0;
    const server = await listen(
      toNodeListener(
        async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              pull(controller) {
                if (sent >= total) return controller.close();
                sent += piece.byteLength;
                controller.enqueue(piece);
              },
            }),
          ),
      ) as RequestListener,
    );
    const received = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.origin}/`, (res) => {
        let size = 0;
        res.on('data', (d: Buffer) => (size += d.byteLength));
        res.on('end', () => resolve(size));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(received).toBe(total);
  });

  it('serves many concurrent calls through one server', async () => {
    const app = await httpGateway({ integrations: [mockIntegration({ mock: { reply: (r: { messages: Array<{ content: string }> }) => `echo ${r.messages[0]!.content}` } })], keys: [KEY] });
    const client = app.client('app-1');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `n${i}` }] }).then((c) => c.choices[0]?.message.content)
          : (async () => {
              let text = '';
              for await (const c of await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `n${i}` }], stream: true })) text += c.choices[0]?.delta.content ?? '';
              return text;
            })(),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => `echo n${i}`));
  });
});
