// npm test: provider calls over the default transport (undici's request) to loopback upstreams; milliseconds.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createGateway, ProviderError, RateLimitExceededError, RequestAbortedError, secret, type GatewayConfig } from '../../../src/index.js';
import { createUndiciTransport, useEnvProxy } from '../../../src/providers/transport/undici-transport.js';
import { listen } from '../../helpers/http-gateway.js';
import { fixtureJson, fixtureText } from '../../helpers/openai-server.js';

/**
 * A gateway given no `fetch` calls its providers with undici's `request`, not `fetch`: what it
 * must keep of `fetch`'s behaviour is checked here against real sockets (the adapter tests
 * replay providers through msw, which only `fetch` reaches).
 */

const KEY = 'sk-transport-0123456789';
const ask = { workspace: 'w', model: '@up/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

async function upstream(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: IncomingHttpHeaders[] = [];
  const server = await listen((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => answer(req, res));
  });
  return { seen, baseURL: `${server.origin}/v1`, server };
}

function gatewayOn(baseURL: string, extra: Partial<GatewayConfig> = {}, headers: Record<string, string> = {}) {
  return createGateway({
    integrations: [{ slug: 'up', provider: 'openai', baseURL, credentials: { apiKey: secret.value(KEY) }, headers, workspaces: 'all' }],
    retry: { retries: 0 },
    ...extra,
  });
}

const completion = (res: ServerResponse, headers: Record<string, string | string[]> = {}) =>
  res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_transport', ...headers }).end(JSON.stringify(fixtureJson('openai-chat.json')));

describe('the default transport', () => {
  it('sends the adapter’s headers and the integration’s (the adapter’s win, whatever their case), and none that fetch adds', async () => {
    const up = await upstream((_req, res) => completion(res));
    const gateway = gatewayOn(up.baseURL, {}, { 'X-Team': 'search', Authorization: 'Bearer not-this-one' });
    const result = await gateway.chat(ask);
    expect(result.choices[0]!.message.content).toBe((fixtureJson('openai-chat.json') as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content);
    expect(result.gateway.providerRequestId).toBe('req_transport');
    const [headers] = up.seen;
    expect(headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'x-team': 'search', 'content-type': 'application/json' });
    // fetch's own headers: an undici request sends none of them (and so gets no compressed body).
    expect(Object.keys(headers!)).not.toContain('sec-fetch-mode');
    expect(Object.keys(headers!)).not.toContain('accept-encoding');
    await gateway.close();
  });

  it('goes through the global fetch once something replaced it (an interceptor, an APM agent), and back to undici when it is restored', async () => {
    const up = await upstream((_req, res) => completion(res));
    const gateway = gatewayOn(up.baseURL);
    const original = globalThis.fetch;
    const through: string[] = [];
    globalThis.fetch = (input, init) => {
      through.push(String(input));
      return original(input, init);
    };
    try {
      await gateway.chat(ask);
    } finally {
      globalThis.fetch = original;
    }
    await gateway.chat(ask);
    expect(through).toEqual([`${up.baseURL}/chat/completions`]);
    // Both calls reached the upstream; only the first carried fetch's headers.
    expect(up.seen.map((h) => 'sec-fetch-mode' in h)).toEqual([true, false]);
    await gateway.close();
  });

  it('an error answer: the provider’s message, status, Retry-After, request id and rate-limit headers (a repeated header joined), and the provider held', async () => {
    const up = await upstream((_req, res) => {
      res.setHeader('x-ratelimit-limit-requests', ['500', '600']);
      res
        .writeHead(429, { 'content-type': 'application/json', 'retry-after': '20', 'x-request-id': 'req_429' })
        .end(JSON.stringify({ error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }));
    });
    const gateway = gatewayOn(up.baseURL);
    const error = await gateway.chat(ask).catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ upstreamStatus: 429, status: 429, retryAfterMs: 20_000, requestId: 'req_429', isRetryable: true });
    expect((error as ProviderError).message).toContain('Rate limit reached for requests');
    expect((error as ProviderError).headers).toMatchObject({ 'retry-after': '20', 'x-ratelimit-limit-requests': '500, 600' });
    // The 429 told the gateway the provider has nothing left: the next call is not sent.
    const refusal = await gateway.chat(ask).catch((e: unknown) => e);
    expect(RateLimitExceededError.isInstance(refusal)).toBe(true);
    expect(refusal).toMatchObject({ scope: 'provider:up' });
    expect(up.seen).toHaveLength(1);
    await gateway.close();
  });

  it('no server: a retryable 502 saying it was the network, with no credential in it', async () => {
    const up = await upstream((_req, res) => completion(res));
    await new Promise<void>((resolve) => {
      up.server.server.closeAllConnections();
      up.server.server.close(() => resolve());
    });
    const gateway = gatewayOn(up.baseURL);
    const error = await gateway.chat(ask).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, upstreamStatus: null, isRetryable: true });
    expect((error as ProviderError).message).toMatch(/network error: .*ECONNREFUSED/);
    expect(JSON.stringify(error)).not.toContain(KEY);
    await gateway.close();
  });

  it('no answer within timeoutMs: a 504, and the request’s connection is closed', async () => {
    let closed!: Promise<void>;
    const up = await upstream((req) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
    });
    const gateway = gatewayOn(up.baseURL, { timeoutMs: 50 });
    const error = await gateway.chat(ask).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 504, isRetryable: true });
    await closed;
    await gateway.close();
  });

  it('a stream aborted by its caller between two chunks: RequestAbortedError from the stream, and the upstream connection closed', async () => {
    const sse = fixtureText('openai-stream.chunks.txt');
    let closed!: Promise<void>;
    const up = await upstream((req, res) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // The first event only; the rest never comes.
      res.write(`${sse.split('\n\n')[0]}\n\n`);
    });
    const gateway = gatewayOn(up.baseURL);
    const controller = new AbortController();
    const stream = await gateway.chat({ ...ask, stream: true }, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const next = iterator.next();
    controller.abort(new Error('the user left'));
    expect(RequestAbortedError.isInstance(await next.catch((e: unknown) => e))).toBe(true);
    await closed;
    await gateway.close();
  });

  it('with NODE_USE_ENV_PROXY=1, as for Node’s own fetch, calls go through HTTP_PROXY (a CONNECT tunnel)', async () => {
    const up = await upstream((_req, res) => completion(res));
    const tunnels: string[] = [];
    const sockets: Socket[] = [];
    const proxy = await listen(() => {});
    proxy.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      tunnels.push(req.url!);
      const [host, port] = req.url!.split(':');
      const target = connect(Number(port), host!, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        target.write(head);
        target.pipe(socket).pipe(target);
      });
      sockets.push(socket, target);
      target.on('error', () => socket.destroy());
      socket.on('error', () => target.destroy());
    });
    vi.stubEnv('NODE_USE_ENV_PROXY', '1');
    vi.stubEnv('HTTP_PROXY', proxy.origin);
    vi.stubEnv('NO_PROXY', '');
    try {
      // A transport of its own: the agent is made on its first call, from the environment then.
      const transport = createUndiciTransport(useEnvProxy);
      const answer = await transport(`${up.baseURL}/chat/completions`, { headers: { 'content-type': 'application/json' }, body: '{}', signal: new AbortController().signal });
      expect(answer.status).toBe(200);
      expect(JSON.parse(await answer.text())).toMatchObject({ object: 'chat.completion' });
      expect(tunnels).toEqual([`127.0.0.1:${up.server.port}`]);
      // Without the variable (nor --use-env-proxy), as for fetch, the proxy variables are not read.
      vi.stubEnv('NODE_USE_ENV_PROXY', '');
      expect(useEnvProxy()).toBe(false);
    } finally {
      vi.unstubAllEnvs();
      for (const socket of sockets) socket.destroy();
    }
  });
});
