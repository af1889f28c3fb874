import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * What every fake provider of the adapter tests shares: an msw server that records each request
 * it receives and answers the n-th request to a URL with the n-th responder given for it, and the
 * builders of the answers. The provider helpers add only their URLs, headers and frame formats.
 */

export interface CapturedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** The body exactly as sent (a signature covers these bytes). */
  text: string;
  /** JSON bodies parsed; form bodies (token endpoints: STS, Google OAuth) as their fields. */
  body: Record<string, unknown>;
}

export type Responder = (ctx: { request: Request; attempt: number }) => Response | Promise<Response>;

/** Starts the msw server for the file's tests: strict about unhandled requests, reset after each test. */
export function setupProviderServer() {
  const server = setupServer();
  const requests: CapturedRequest[] = [];
  let releaseClones = true;

  beforeAll(() => {
    server.listen({ onUnhandledRequest: 'error' });
    // msw hands its listeners a clone (a tee) of every mocked response. Releasing that branch
    // leaves the client as the only reader, as on a real connection: when the client cancels
    // the body, the cancel then reaches the source (`onCancel` of `providerStream`).
    server.events.on('response:mocked', ({ response }) => {
      if (releaseClones) void response.body?.cancel().catch(() => {});
    });
  });
  afterEach(() => {
    server.resetHandlers();
    requests.length = 0;
    releaseClones = true;
  });
  afterAll(() => server.close());

  /** POSTs to `url` (exact, query included): the n-th gets the n-th responder, the last answers the rest. */
  function respond(url: string, ...responders: Responder[]): void {
    let attempts = 0;
    server.use(
      // Matched by hand: msw would read the `:method` of Google's URLs as a path parameter, and
      // ignore the query that tells Google's streaming URL from another.
      http.post('*', async ({ request }) => {
        if (request.url !== url) return undefined;
        requests.push(await capture(request));
        attempts++;
        return responders[Math.min(attempts, responders.length) - 1]!({ request, attempt: attempts });
      }),
    );
  }

  /** The requests made to one URL (query excluded). */
  const to = (url: string) => requests.filter((r) => r.url.split('?')[0] === url.split('?')[0]);

  /**
   * For this test, leave msw's clone of each response unread, as a fetch wrapper that clones
   * responses (for logging, say) would: cancelling the client's branch then never settles.
   */
  function keepResponseClones(): void {
    releaseClones = false;
  }

  return { server, requests, respond, to, keepResponseClones };
}

async function capture(request: Request): Promise<CapturedRequest> {
  const text = await request.clone().text();
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const isForm = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const body = isForm ? Object.fromEntries(new URLSearchParams(text)) : text ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { url: request.url, method: request.method, headers, text, body };
}

/** A JSON answer with the provider's headers. */
export function providerJson(body: unknown, status: number, headers: Record<string, string>): Response {
  return HttpResponse.json(body as Record<string, unknown>, { status, headers });
}

export interface StreamOptions {
  /** Keep the body open after the last event (until the client cancels it). */
  hold?: boolean;
  /** Called when the client cancels the body. */
  onCancel?: () => void;
  /** Hands over the body's controller, e.g. to reset the connection (`error`) at a chosen point. */
  control?: (controller: ReadableStreamDefaultController<Uint8Array>) => void;
}

/**
 * A 200 streamed answer carrying `events` (SSE events as text, or binary frames). Each event is
 * written in two network chunks, split mid-event, as TCP may deliver it, so that the adapters'
 * readers must reassemble them; by default the body then closes.
 */
export function providerStream(events: ReadonlyArray<string | Uint8Array>, headers: Record<string, string>, options: StreamOptions = {}): Response {
  const pieces = events.flatMap(halves);
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      options.control?.(controller);
    },
    pull(controller) {
      if (i < pieces.length) {
        controller.enqueue(pieces[i++]!);
        return;
      }
      if (!options.hold) controller.close();
      // hold: never enqueue again; the pull promise stays pending until cancel.
      else return new Promise<void>(() => {});
    },
    cancel() {
      options.onCancel?.();
    },
  });
  return new HttpResponse(body, { status: 200, headers });
}

const encoder = new TextEncoder();

/** An event cut in two. Text is cut between characters (then encoded), so that no UTF-8 sequence is split. */
function halves(event: string | Uint8Array): Uint8Array[] {
  const cut = Math.floor(event.length / 2);
  if (typeof event === 'string') return [encoder.encode(event.slice(0, cut)), encoder.encode(event.slice(cut))];
  return [event.subarray(0, cut), event.subarray(cut)];
}

/** A provider that answers only when the request is aborted (it never answers, in effect). */
export async function neverAnswer({ request }: { request: Request }): Promise<Response> {
  await new Promise<void>((resolve) => {
    if (request.signal.aborted) resolve();
    request.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  return HttpResponse.error();
}
