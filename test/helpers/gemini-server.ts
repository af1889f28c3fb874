import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createGateway, secret, type ChatCompletionChunk, type GatewayConfig, type UsageEvent } from '../../src/index.js';

/**
 * A fake Google for the Gemini and Vertex AI adapter tests: an msw server answering on the real
 * public URLs (nothing leaves the process: unhandled requests fail the test), replaying payloads
 * from `test/fixtures/gemini/` and `test/fixtures/vertex/`, recording every request.
 */

export const GEMINI_ROOT = 'https://generativelanguage.googleapis.com/v1beta';
/** Not a real key; shaped like one (`AIza` + 35 characters). */
export const API_KEY = 'AIzaSyTESTkey-0123456789abcdefghijklmn';
export const PROJECT = 'acme-llm-prod';
export const VERTEX_ROOT = `https://us-central1-aiplatform.googleapis.com/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models`;
export const TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Not a real token; shaped like one. */
export const ACCESS_TOKEN = 'ya29.c.TEST-access-token-0123456789abcdef';

export const geminiUrl = (model: string, method: string) =>
  `${GEMINI_ROOT}/models/${model}:${method}${method === 'streamGenerateContent' ? '?alt=sse' : ''}`;
export const vertexUrl = (model: string, method: string, root = VERTEX_ROOT) =>
  `${root}/${model}:${method}${method === 'streamGenerateContent' ? '?alt=sse' : ''}`;

const FIXTURES = new URL('../fixtures/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

/** The raw SSE events of a `.chunks.txt` fixture, each with its terminating blank line (`\r\n\r\n`, as Google sends). */
export function sseEvents(text: string): string[] {
  return text.split(/(?<=\r\n\r\n|\n\n)/).filter((e) => e.length > 0);
}

/** The JSON payloads of a `.chunks.txt` fixture. */
export function ssePayloads<T = Record<string, unknown>>(text: string): T[] {
  return sseEvents(text).map((e) => JSON.parse(e.replace(/^data: /, '').trim()) as T);
}

export interface CapturedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** JSON bodies parsed; form bodies (the token endpoint) as their fields. */
  body: Record<string, unknown>;
}

export type Responder = (ctx: { request: Request; attempt: number }) => Response | Promise<Response>;

export function jsonResponse(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return HttpResponse.json(body as Record<string, unknown>, {
    status: init.status ?? 200,
    headers: { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer', 'server-timing': 'gfet4t7; dur=412', ...init.headers },
  });
}

export interface SseOptions {
  /** Keep the body open after the last event (until the client cancels it). */
  hold?: boolean;
  onCancel?: () => void;
  /** Hands over the body's controller, e.g. to reset the connection at a chosen point. */
  control?: (controller: ReadableStreamDefaultController<Uint8Array>) => void;
}

/** An SSE answer carrying `text`, each event written in two network chunks split mid-event. */
export function sseResponse(text: string, options: SseOptions = {}): Response {
  const encoder = new TextEncoder();
  const pieces = sseEvents(text).flatMap((event) => {
    const cut = Math.floor(event.length / 2);
    return [event.slice(0, cut), event.slice(cut)];
  });
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      options.control?.(controller);
    },
    pull(controller) {
      if (i < pieces.length) {
        controller.enqueue(encoder.encode(pieces[i++]!));
        return;
      }
      if (!options.hold) controller.close();
      else return new Promise<void>(() => {});
    },
    cancel() {
      options.onCancel?.();
    },
  });
  return new HttpResponse(body, { status: 200, headers: { 'content-type': 'text/event-stream', 'server-timing': 'gfet4t7; dur=388' } });
}

/** Starts the msw server for the file's tests: strict about unhandled requests, reset after each test. */
export function setupGoogleServer() {
  const server = setupServer();
  const requests: CapturedRequest[] = [];

  beforeAll(() => {
    server.listen({ onUnhandledRequest: 'error' });
    // Leave the client as the only reader of a mocked body, as on a real connection.
    server.events.on('response:mocked', ({ response }) => {
      void response.body?.cancel().catch(() => {});
    });
  });
  afterEach(() => {
    server.resetHandlers();
    requests.length = 0;
  });
  afterAll(() => server.close());

  /** Requests to `url` (exact, query included): the n-th gets the n-th responder, the last answers the rest. */
  function respond(url: string, ...responders: Responder[]): void {
    let count = 0;
    server.use(
      // Matched by hand: msw would read the `:method` of Google's URLs as a path parameter.
      http.post('*', async ({ request }) => {
        if (request.url !== url) return undefined;
        requests.push(await capture(request));
        count++;
        return responders[Math.min(count, responders.length) - 1]!({ request, attempt: count });
      }),
    );
  }

  /** The requests made to one URL (query excluded). */
  const to = (url: string) => requests.filter((r) => r.url.split('?')[0] === url.split('?')[0]);

  return { server, requests, respond, to };
}

async function capture(request: Request): Promise<CapturedRequest> {
  const raw = await request.clone().text();
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const form = (headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
  const body = form ? Object.fromEntries(new URLSearchParams(raw)) : raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  return { url: request.url, method: request.method, headers, body };
}

type IntegrationExtras = Record<string, unknown>;

/** A gateway with one `gemini` integration (`@gemini/<model>`), collecting its usage events. */
export function geminiGateway(options: { retry?: GatewayConfig['retry']; integration?: IntegrationExtras; config?: Partial<GatewayConfig> } = {}) {
  const events: UsageEvent[] = [];
  const gateway = createGateway({
    integrations: [
      {
        slug: 'gemini',
        provider: 'gemini',
        credentials: { apiKey: secret.value(API_KEY) },
        workspaces: 'all',
        ...options.integration,
      } as GatewayConfig['integrations'][number],
    ],
    retry: options.retry ?? { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    ...options.config,
  });
  gateway.on('usage', (event) => events.push(event));
  return { gateway, events };
}

/** A gateway with one `vertex-ai` integration (`@vertex/<model>`), collecting its usage events. */
export function vertexGateway(credentials: Record<string, unknown>, options: { location?: string; retry?: GatewayConfig['retry']; integration?: IntegrationExtras } = {}) {
  const events: UsageEvent[] = [];
  const gateway = createGateway({
    integrations: [
      {
        slug: 'vertex',
        provider: 'vertex-ai',
        project: PROJECT,
        ...(options.location ? { location: options.location } : {}),
        credentials,
        workspaces: 'all',
        ...options.integration,
      } as GatewayConfig['integrations'][number],
    ],
    retry: options.retry ?? { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
  });
  gateway.on('usage', (event) => events.push(event));
  return { gateway, events };
}

export async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Reads a stream to its end or its error, keeping what was delivered before the error. */
export async function drain(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

export const streamedText = (chunks: readonly ChatCompletionChunk[], index = 0) =>
  chunks.map((c) => c.choices.find((choice) => choice.index === index)?.delta.content ?? '').join('');

/** Waits (without timers) until `condition` holds. */
export async function until(condition: () => boolean, maxTicks = 10_000): Promise<void> {
  for (let i = 0; i < maxTicks; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

/** Awaits a promise expected to reject, and returns its error. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
}
