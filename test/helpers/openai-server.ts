import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createGateway, secret, type ChatCompletion, type ChatCompletionChunk, type GatewayConfig, type UsageEvent } from '../../src/index.js';

/**
 * A fake OpenAI for adapter tests: an msw server on `http://openai.test/v1` that replays
 * recorded-style payloads from `test/fixtures/openai/`, records every request it receives and
 * answers the n-th request with the n-th responder given to `respond`.
 */

export const BASE_URL = 'http://openai.test/v1';
export const CHAT_URL = `${BASE_URL}/chat/completions`;
/** Not a real key; shaped so that the masked echo regex of OpenAI's 401 applies. */
export const API_KEY = 'sk-test-0123456789';
export const MODEL = '@openai-prod/gpt-4o-mini';

const FIXTURES = new URL('../fixtures/openai/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export const chatFixture = () => fixtureJson<ChatCompletion & Record<string, unknown>>('openai-chat.json');

/** The raw SSE events of a `.chunks.txt` fixture, each with its terminating blank line. */
export function sseEvents(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((e) => e.length > 0);
}

/** The JSON payloads of a `.chunks.txt` fixture (everything but `[DONE]`). */
export function ssePayloads(text: string): ChatCompletionChunk[] {
  return sseEvents(text)
    .map((e) => e.replace(/^data: /, '').trim())
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as ChatCompletionChunk);
}

export interface CapturedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export type Responder = (ctx: { request: Request; attempt: number }) => Response | Promise<Response>;

/** Headers OpenAI puts on every answer. */
export function openaiHeaders(requestId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'x-request-id': requestId,
    'openai-version': '2020-10-01',
    'openai-organization': 'user-tollgate-test',
    'openai-processing-ms': '412',
    'x-ratelimit-limit-requests': '500',
    'x-ratelimit-remaining-requests': '499',
    'x-ratelimit-reset-requests': '120ms',
    'x-ratelimit-limit-tokens': '200000',
    'x-ratelimit-remaining-tokens': '199975',
    'x-ratelimit-reset-tokens': '7ms',
    ...extra,
  };
}

export function jsonResponse(body: unknown, init: { status?: number; requestId?: string; headers?: Record<string, string> } = {}): Response {
  return HttpResponse.json(body as Record<string, unknown>, {
    status: init.status ?? 200,
    headers: openaiHeaders(init.requestId ?? 'req_7a1c2e9f0b3d4c5e8f6a7b8c9d0e1f2a', init.headers),
  });
}

export interface SseOptions {
  requestId?: string;
  /** Keep the body open after the last event (until the client cancels it). */
  hold?: boolean;
  /** Called when the client cancels the body. */
  onCancel?: () => void;
  /** Hands over the body's controller, e.g. to reset the connection (`error`) at a chosen point. */
  control?: (controller: ReadableStreamDefaultController<Uint8Array>) => void;
}

/**
 * An SSE answer carrying `text` (raw `data: ...\n\n` events). Each event is written in two
 * network chunks, split mid-event, as TCP may deliver it; by default the body then closes.
 */
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
      // hold: never enqueue again; the pull promise stays pending until cancel.
      else return new Promise<void>(() => {});
    },
    cancel() {
      options.onCancel?.();
    },
  });
  return new HttpResponse(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      ...openaiHeaders(options.requestId ?? 'req_3e8d1b6a9c2f4e7d0a5b8c1e4f7a0d3b'),
    },
  });
}

/** Starts the msw server for the file's tests: strict about unhandled requests, reset after each test. */
export function setupOpenAIServer() {
  const server = setupServer();
  const requests: CapturedRequest[] = [];
  let releaseClones = true;

  beforeAll(() => {
    server.listen({ onUnhandledRequest: 'error' });
    // msw hands its listeners a clone (a tee) of every mocked response. Releasing that branch
    // leaves the client as the only reader, as on a real connection: when the client cancels
    // the body, the cancel then reaches the source (`onCancel` of `sseResponse`).
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

  /** The n-th request gets the n-th responder; the last one answers every request after it. */
  function respond(...responders: Responder[]): void {
    server.use(
      http.post(CHAT_URL, async ({ request }) => {
        const raw = await request.clone().text();
        const headers: Record<string, string> = {};
        request.headers.forEach((value, name) => {
          headers[name] = value;
        });
        requests.push({
          url: request.url,
          method: request.method,
          headers,
          body: JSON.parse(raw) as Record<string, unknown>,
        });
        const attempt = requests.length;
        return responders[Math.min(attempt, responders.length) - 1]!({ request, attempt });
      }),
    );
  }

  /**
   * For this test, leave msw's clone of each response unread, as a fetch wrapper that clones
   * responses (for logging, say) would: cancelling the client's branch then never settles.
   */
  function keepResponseClones(): void {
    releaseClones = false;
  }

  return { server, requests, respond, keepResponseClones };
}

/** The gateway of the adapter tests, with a listener collecting its usage events. */
export function createTestGateway(
  options: { retry?: GatewayConfig['retry']; organization?: string; project?: string; timeoutMs?: number } = {},
) {
  const events: UsageEvent[] = [];
  const gateway = createGateway({
    integrations: [
      {
        slug: 'openai-prod',
        provider: 'openai',
        baseURL: BASE_URL,
        credentials: {
          apiKey: secret.value(API_KEY),
          ...(options.organization ? { organization: options.organization } : {}),
          ...(options.project ? { project: options.project } : {}),
        },
        workspaces: 'all',
      },
    ],
    retry: options.retry ?? { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  gateway.on('usage', (event) => events.push(event));
  return { gateway, events };
}

/** Waits (without timers, so that fake timers do not matter) until `condition` holds. */
export async function until(condition: () => boolean, maxTicks = 10_000): Promise<void> {
  for (let i = 0; i < maxTicks; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

/** Reassembles streamed tool-call deltas the way an OpenAI client does. */
export function collectToolCalls(chunks: readonly ChatCompletionChunk[]) {
  const calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.function.name += delta.function.name;
        if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
      }
    }
  }
  return calls;
}
