import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path and query, as the server saw them. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received (what the signature covers). */
  body: string;
  /** The sender gave up on this request before an answer (the connection closed). */
  aborted: boolean;
}

/** One scripted answer: a status with headers, or no answer at all. */
export type Reply = { status: number; headers?: Record<string, string> } | { hang: true };

/**
 * A real `node:http` server on a free loopback port that records every request and answers
 * with the next scripted reply (then `fallback`).
 */
export async function startWebhookReceiver(script: Reply[] = [], fallback: Reply = { status: 204 }) {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), aborted: false };
      requests.push(received);
      res.on('close', () => {
        if (!res.writableFinished) received.aborted = true;
      });
      const reply = script.shift() ?? fallback;
      if ('hang' in reply) return;
      res.writeHead(reply.status, reply.headers).end(reply.status === 204 ? undefined : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks/tollgate`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The README's verification, written out independently of the sink's code: parse
 * `tollgate-signature: t=<unix seconds>,v1=<hex>`, check the timestamp against a tolerance,
 * recompute HMAC-SHA256(secret, `${t}.${rawBody}`) and compare in constant time.
 */
export function verifyTollgateSignature(rawBody: string, header: string | undefined, secret: string, toleranceSeconds = 300): boolean {
  if (!header) return false;
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key === 't') timestamp = Number(value);
    else if (key === 'v1' && value) signatures.push(value);
  }
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  return signatures.some((hex) => {
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
