/**
 * One HTTP request as the endpoint needs it, whatever serves it: a fetch `Request` (Bun, Deno,
 * Next.js, Hono) or `node:http` directly. On Node, going through WHATWG `Request`, `Response` and
 * web streams costs more than the gateway itself, so `toNodeListener` fills this in from
 * `IncomingMessage` and writes the answer to `ServerResponse` without them.
 */
export interface HttpRequestLike {
  method: string;
  /** The path, without the query string. */
  path: string;
  /** A header by its lowercase name; null when absent. */
  header(name: string): string | null;
  /** The whole body; rejects with a 413 HttpError as soon as it is known to exceed `maxBytes`. */
  body(maxBytes: number): Promise<Buffer>;
  /** Aborts when the client goes away before the answer is complete. */
  signal: AbortSignal;
}

/** The endpoint's answer: a JSON text, or Server-Sent Events produced as the client reads them. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** A JSON text, or SSE events (`data: ...\n\n`); returning the iterator early stops the stream. */
  body: string | AsyncIterableIterator<string>;
}
