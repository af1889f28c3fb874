/**
 * The servers the HTTP bench puts in front of the upstream, each in its own process: tollgate's
 * handler (role `handler`: `toNodeListener(createFetchHandler(gateway))`, full policy, the OpenAI
 * adapter), and a bare fetch proxy (role `proxy`: what a team writes to forward calls without a
 * gateway: read the body, `fetch` the upstream, pipe the answer back).
 */
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetchHandler, toNodeListener } from '../src/http.js';
import { fullPolicyGateway } from './full-policy.js';
import { untilStdinEnds } from './roles.js';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Forwards each request to `upstream` with fetch, with the provider key the proxy holds. */
function proxyListener(upstream: string): RequestListener {
  return (req, res) => {
    void (async () => {
      const body = await readBody(req);
      const answer = await fetch(`${upstream}${req.url!.replace(/^\/v1/, '')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
        body: new Uint8Array(body),
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      for await (const part of answer.body as unknown as AsyncIterable<Uint8Array>) res.write(part);
      res.end();
    })().catch((error: unknown) => {
      console.error('bench proxy:', error);
      res.destroy();
    });
  };
}

export async function serveHttp(role: 'handler' | 'proxy'): Promise<void> {
  const upstream = process.env.TOLLGATE_BENCH_UPSTREAM!;
  const gateway = role === 'handler' ? fullPolicyGateway({ upstream, hash: process.env.TOLLGATE_BENCH_HASH! }).gateway : null;
  const server = createServer({ keepAliveTimeout: 60_000 }, gateway ? toNodeListener(createFetchHandler(gateway)) : proxyListener(upstream));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  await untilStdinEnds();
  server.closeAllConnections();
  server.close();
  await gateway?.close();
}
