import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FetchHandler } from './fetch-handler.js';

/** A `node:http` request listener, also an Express / Connect middleware (`app.use(listener)`). */
export type NodeListener = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Serves a fetch handler from `node:http` (or Express): the request becomes a WHATWG `Request`
 * whose `signal` aborts when the client goes away before the answer is complete (which aborts the
 * gateway call, or stops a stream, and settles its reservation), and the `Response` is written
 * back with its body's backpressure respected. A body already parsed by an Express body parser
 * (`req.body`) is used as is.
 *
 * @example createServer(toNodeListener(createFetchHandler(gateway))).listen(8787)
 */
export function toNodeListener(handler: FetchHandler): NodeListener {
  return (req, res, next) => {
    serve(handler, req, res).catch((error: unknown) => {
      if (next) return next(error);
      // The handler answers every error itself; this is the adapter failing (a socket error).
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end();
    });
  };
}

async function serve(handler: FetchHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  // 'close' before the answer is finished: the client went away (or the socket failed).
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  const response = await handler(toRequest(req, controller.signal));
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  controller.signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (controller.signal.aborted) return;
      // Wait for 'drain' when the socket's buffer is full, or for the client to go away.
      if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  } finally {
    controller.signal.removeEventListener('abort', stop);
  }
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const host = req.headers.host ?? 'localhost';
  const url = `http://${host}${req.url ?? '/'}`;
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers, signal });
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined && req.readableEnded) {
    // Express with a body parser already read the stream: hand on what it parsed.
    headers.delete('content-length');
    const body: BodyInit = typeof parsed === 'string' ? parsed : parsed instanceof Uint8Array ? Buffer.from(parsed) : JSON.stringify(parsed);
    return new Request(url, { method, headers, signal, body });
  }
  return new Request(url, { method, headers, signal, body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } as RequestInit);
}
