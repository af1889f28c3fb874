import type { Dispatcher } from 'undici';
import { DRAIN_MS, type HeaderReader, type ProviderResponse, type ProviderTransport, type TransportRequest } from './provider-transport.js';

type Undici = typeof import('undici');

/**
 * The default transport: undici's `request` on a keep-alive `Agent` of the gateway's own. It is
 * the client Node's `fetch` is built on, without the WHATWG objects `fetch` makes around each
 * call (a `Request` with a signal following ours, `Headers`, a `Response` and a web stream for
 * its body): on a loopback upstream a call costs about a third of a `fetch`'s CPU (see
 * docs/benchmarks.md). undici is loaded on the first call, not on import: a gateway that never
 * calls a provider over HTTP (the mock provider, the `admit` API) never pays for loading it.
 * `envProxy` says, then, whether the agent follows the proxy environment variables.
 */
export function createUndiciTransport(envProxy: () => boolean): ProviderTransport {
  let loaded: { request: Undici['request']; agent: Dispatcher } | undefined;
  let loading: Promise<NonNullable<typeof loaded>> | undefined;
  const load = () =>
    (loading ??= import('undici').then((module) => (loaded = { request: module.request, agent: envProxy() ? new module.EnvHttpProxyAgent() : new module.Agent() })));
  return async (url: string, request: TransportRequest) => {
    const { request: send, agent } = loaded ?? (await load());
    const answer = await send(url, { method: 'POST', headers: request.headers, body: request.body, signal: request.signal, dispatcher: agent });
    return new UndiciAnswer(answer);
  };
}

/**
 * Node's own `fetch` goes through `HTTP_PROXY` / `HTTPS_PROXY` (but `NO_PROXY`) when the process
 * runs with `NODE_USE_ENV_PROXY=1` or `--use-env-proxy`: so do provider calls, as they did when
 * tollgate called them with `fetch`.
 */
export function useEnvProxy(): boolean {
  return process.env.NODE_USE_ENV_PROXY === '1' || process.execArgv.includes('--use-env-proxy');
}

export const undiciTransport = createUndiciTransport(useEnvProxy);

class UndiciAnswer implements ProviderResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeaderReader;
  readonly #body: Dispatcher.ResponseData['body'];

  constructor(answer: Dispatcher.ResponseData) {
    this.status = answer.statusCode;
    this.statusText = answer.statusText ?? '';
    this.headers = new RecordHeaders(answer.headers);
    this.#body = answer.body;
  }

  text(): Promise<string> {
    return this.#body.text();
  }

  async *chunks(signal?: AbortSignal, complete?: () => boolean): AsyncGenerator<Uint8Array> {
    const body = this.#body;
    // The iterator is not to destroy the body when the consumer stops early: a complete stream's
    // end is read below instead, so that its connection is kept.
    const iterator = body.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Uint8Array>;
    let finished = false;
    try {
      for (;;) {
        signal?.throwIfAborted();
        // An abort of the request's signal destroys the body, which ends a pending read.
        const next = await iterator.next();
        if (next.done) break;
        yield next.value;
      }
      finished = true;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    } finally {
      if (!finished) {
        if (complete?.() && !signal?.aborted) {
          // No byte limit (undici counts the bytes already read against it), a time limit instead.
          body.dump({ limit: Number.MAX_SAFE_INTEGER, signal: AbortSignal.timeout(DRAIN_MS) }).catch(() => {});
        } else body.destroy();
      }
    }
  }
}

/** undici's header record (names lower case; a repeated header as an array) read as fetch's `Headers` are. */
class RecordHeaders implements HeaderReader {
  constructor(private readonly record: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.record[name.toLowerCase()];
    return value === undefined ? null : typeof value === 'string' ? value : value.join(', ');
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const name in this.record) {
      const value = this.get(name);
      if (value !== null) fn(value, name);
    }
  }
}
