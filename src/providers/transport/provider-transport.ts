/**
 * How the built-in adapters reach a provider: one POST, its answer's status, headers and body.
 * Narrower than `fetch` on purpose: with no WHATWG `Request`, `Response`, `Headers` or web
 * stream to build, a call through undici's `request` costs a fraction of one through `fetch`
 * (see docs/benchmarks.md), and a gateway given its own `fetch` still gets every call through it.
 */

/** What is read of an answer's headers; fetch's `Headers` has both methods. */
export interface HeaderReader {
  /** The value of a header (names are case-insensitive), several values joined by `, `; null when absent. */
  get(name: string): string | null;
  /** Every header, its name lower case. */
  forEach(fn: (value: string, name: string) => void): void;
}

/** One POST: the body already serialized, the attempt's signal (the caller's abort, the timeout). */
export interface TransportRequest {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/** A provider's answer, its body not yet read. Its body is read once: as text, or in chunks. */
export interface ProviderResponse {
  readonly status: number;
  /** The status's reason phrase; empty when unknown. */
  readonly statusText: string;
  readonly headers: HeaderReader;
  /** The whole body as UTF-8 text. */
  text(): Promise<string>;
  /**
   * The body's bytes as they arrive. An abort of `signal` ends a pending read at once, rejecting
   * with the signal's reason. Stopping early closes the connection, unless `complete()` says the
   * stream was over (OpenAI's `[DONE]`, Anthropic's `message_stop`): the few bytes left are then
   * read in the background, so that the connection goes back to its pool.
   */
  chunks(signal?: AbortSignal, complete?: () => boolean): AsyncGenerator<Uint8Array>;
}

/** POSTs `request` to `url`; rejects only when no answer came (a network failure, an abort). */
export type ProviderTransport = (url: string, request: TransportRequest) => Promise<ProviderResponse>;

/** How long the rest of a complete stream is read for before its connection is closed instead. */
export const DRAIN_MS = 1_000;
