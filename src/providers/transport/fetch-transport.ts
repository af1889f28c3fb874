import type { ProviderResponse, ProviderTransport, TransportRequest } from './provider-transport.js';
import { readWebBody } from './read-web-body.js';

/**
 * A transport on a `fetch` function: the gateway's `fetch` option (a proxy, a test's mock), or
 * the global `fetch` once something replaced it (an interceptor such as msw or nock, an APM
 * agent). Redirects are not followed (a 3xx is answered as is, and becomes a provider error, as
 * on the default transport): a provider's API does not redirect, and with a redirect to follow,
 * fetch copies every request (its body teed into two streams) in case it must be sent again;
 * with none it does not (the Fetch standard's HTTP-network-or-cache fetch, step 8).
 */
export function fetchTransport(fetch: typeof globalThis.fetch): ProviderTransport {
  return async (url: string, request: TransportRequest) =>
    new FetchAnswer(await fetch(url, { method: 'POST', headers: request.headers, body: request.body, signal: request.signal, redirect: 'manual', window: null }));
}

class FetchAnswer implements ProviderResponse {
  constructor(private readonly response: Response) {}

  get status(): number {
    return this.response.status;
  }

  get statusText(): string {
    return this.response.statusText;
  }

  get headers(): Headers {
    return this.response.headers;
  }

  text(): Promise<string> {
    return this.response.text();
  }

  async *chunks(signal?: AbortSignal, complete?: () => boolean): AsyncGenerator<Uint8Array> {
    const body = this.response.body;
    if (body) yield* readWebBody(body, signal, complete);
  }
}
