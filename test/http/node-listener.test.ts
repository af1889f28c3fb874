// npm test: toNodeListener over node:http on a free loopback port (the 10 MB stream is in node-listener.scale.test.ts).
import { request as httpRequest, type IncomingMessage, type RequestListener } from 'node:http';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { toNodeListener } from '../../src/http.js';
import { until } from '../helpers/until.js';
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

  it('reads the stream itself when the parser set req.body without reading it (another JSON content type)', async () => {
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
      headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/vnd.api+json' },
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
    // An absolute-form target (as sent to a proxy) keeps its path and query.
    const absolute = await absoluteGet(server.port, 'http://elsewhere.test/x/y?z=1');
    expect(get).toMatchObject({ status: 204, body: '', headers: { 'x-answer': 'yes' } });
    expect(post.status).toBe(204);
    expect(absolute.status).toBe(204);
    expect(seen).toEqual([
      { method: 'GET', url: `http://127.0.0.1:${server.port}/a/b?c=d`, custom: 'one', body: '' },
      { method: 'POST', url: `http://127.0.0.1:${server.port}/p`, custom: null, body: 'hello' },
      { method: 'GET', url: `http://127.0.0.1:${server.port}/x/y?z=1`, custom: null, body: '' },
    ]);
  });

  it('routes an absolute-form target on its path, whatever its host', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [KEY] });
    const models = await absoluteGet(app.port, 'http://elsewhere.test/v1/models?x=1', { authorization: `Bearer ${app.tokens['app-1']}` });
    expect(models.status).toBe(200);
    expect(JSON.parse(models.body)).toMatchObject({ object: 'list', data: [{ id: 'e' }, { id: 'm' }, { id: 'm2' }] });
    expect((await absoluteGet(app.port, 'http://elsewhere.test/v2/models', { authorization: `Bearer ${app.tokens['app-1']}` })).status).toBe(404);
  });

  it('writes a large streamed answer whole, pulling no further ahead than the socket takes', async () => {
    const pieces = 1024;
    const piece = new Uint8Array(64 * 1024).fill(97);
    let pulled = 0;
    const server = await listen(
      toNodeListener(
        async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              pull(controller) {
                if (pulled === pieces) return controller.close();
                pulled++;
                controller.enqueue(piece);
              },
            }),
          ),
      ) as RequestListener,
    );
    let size = 0;
    let res!: IncomingMessage;
    const done = new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${server.origin}/`, (r) => {
        res = r;
        r.on('data', (d: Buffer) => (size += d.byteLength));
        r.on('end', () => resolve());
        r.on('error', reject);
        // A client that stops reading after the first bytes.
        r.once('data', () => r.pause());
      });
      req.on('error', reject);
      req.end();
    });
    // Until the server stops pulling: then the socket is full and the listener waits for 'drain'.
    let stable = 0;
    let last = -1;
    while (stable < 200) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      stable = pulled === last ? stable + 1 : 0;
      last = pulled;
    }
    expect(pulled).toBeLessThan(pieces / 2);
    res.resume();
    await done;
    expect(size).toBe(pieces * piece.byteLength);
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

  it('a gateway stream is pulled only as fast as the client reads: a paused client holds it open', async () => {
    const reply = Array.from({ length: 100_000 }, (_, i) => `w${i} `).join('');
    const app = await httpGateway({ integrations: [mockIntegration({ mock: { reply } })], keys: [KEY] });
    let text = '';
    let res!: IncomingMessage;
    const done = new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${app.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}` } }, (r) => {
        res = r;
        r.setEncoding('utf8');
        r.on('data', (d: string) => (text += d));
        r.on('end', () => resolve());
        r.on('error', reject);
        r.once('data', () => r.pause());
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'm', messages: HELLO, stream: true }));
    });
    await until(() => text.length > 0);
    for (let i = 0; i < 500; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    // Not read to its end: no usage event yet, the call still holds its reservation.
    expect(app.events).toEqual([]);
    res.resume();
    await done;
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(app.events).toMatchObject([{ status: 'success', stream: true }]);
  });
});

/** A GET whose request target is an absolute URL (`GET http://host/path HTTP/1.1`), to the local port. */
function absoluteGet(port: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
