import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createGateway, secret, type ChatCompletionChunk, type GatewayConfig, type UsageEvent } from '../../src/index.js';

/**
 * A fake Anthropic for adapter tests: an msw server at `http://anthropic.test` (an API root, like
 * `https://api.anthropic.com`) answering `POST /v1/messages` with payloads from
 * `test/fixtures/anthropic/`, shaped as Anthropic documents them. It records every request and
 * answers the n-th request with the n-th responder given to `respond`.
 */

export const BASE_URL = 'http://anthropic.test';
export const MESSAGES_URL = `${BASE_URL}/v1/messages`;
/** Not a real key; shaped like one. Tests never print it: they compare against this constant. */
export const API_KEY = 'sk-ant-api03-tollgate-test-0123456789abcdef';
export const SLUG = 'anthropic-prod';
export const MODEL_ID = 'claude-sonnet-4-5-20250929';
export const MODEL = `@${SLUG}/${MODEL_ID}`;

const FIXTURES = new URL('../fixtures/anthropic/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

/** The raw SSE events of a `.chunks.txt` fixture, each with its terminating blank line. */
export function sseEvents(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((e) => e.length > 0);
}

/** The `data` payloads of a `.chunks.txt` fixture, parsed. */
export function ssePayloads(text: string): Array<Record<string, unknown>> {
  return sseEvents(text).map((e) => JSON.parse(/^data: (.*)$/m.exec(e)![1]!) as Record<string, unknown>);
}

export interface CapturedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export type Responder = (ctx: { request: Request; attempt: number }) => Response | Promise<Response>;

/** Headers Anthropic puts on every answer. */
export function anthropicHeaders(requestId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'request-id': requestId,
    'anthropic-organization-id': '3f2b8c1e-7d4a-4e9b-a6c2-5d8e1f0b9a7c',
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '49',
    'anthropic-ratelimit-requests-reset': '2026-11-18T09:31:00Z',
    'anthropic-ratelimit-input-tokens-limit': '30000',
    'anthropic-ratelimit-input-tokens-remaining': '30000',
    'anthropic-ratelimit-input-tokens-reset': '2026-11-18T09:30:01Z',
    'anthropic-ratelimit-output-tokens-limit': '8000',
    'anthropic-ratelimit-output-tokens-remaining': '8000',
    'anthropic-ratelimit-output-tokens-reset': '2026-11-18T09:30:01Z',
    ...extra,
  };
}

export function jsonResponse(body: unknown, init: { status?: number; requestId?: string; headers?: Record<string, string> } = {}): Response {
  return HttpResponse.json(body as Record<string, unknown>, {
    status: init.status ?? 200,
    headers: anthropicHeaders(init.requestId ?? 'req_011CSHoEeqs5C35K2UUqR7Fy', init.headers),
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
 * A 200 SSE answer carrying `text` (raw `event: ...\ndata: ...\n\n` events). Each event is
 * written in two network chunks, split mid-event, as TCP may deliver it.
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
      'cache-control': 'no-cache',
      ...anthropicHeaders(options.requestId ?? 'req_011CSLsW7mFqvHHnzrKdKjAE'),
    },
  });
}

/** Starts the msw server for the file's tests: strict about unhandled requests, reset after each test. */
export function setupAnthropicServer() {
  const server = setupServer();
  const requests: CapturedRequest[] = [];

  beforeAll(() => {
    server.listen({ onUnhandledRequest: 'error' });
    // Release msw's clone of each response, so that a client cancel reaches the source.
    server.events.on('response:mocked', ({ response }) => {
      void response.body?.cancel().catch(() => {});
    });
  });
  afterEach(() => {
    server.resetHandlers();
    requests.length = 0;
  });
  afterAll(() => server.close());

  /** The n-th request gets the n-th responder; the last one answers every request after it. */
  function respond(...responders: Responder[]): void {
    server.use(
      http.post(MESSAGES_URL, async ({ request }) => {
        const raw = await request.clone().text();
        const headers: Record<string, string> = {};
        request.headers.forEach((value, name) => {
          headers[name] = value;
        });
        requests.push({ url: request.url, method: request.method, headers, body: JSON.parse(raw) as Record<string, unknown> });
        const attempt = requests.length;
        return responders[Math.min(attempt, responders.length) - 1]!({ request, attempt });
      }),
    );
  }

  return { server, requests, respond };
}

type IntegrationExtras = Pick<
  Extract<GatewayConfig['integrations'][number], { provider: 'anthropic' }>,
  'budgets' | 'rateLimits' | 'pricing' | 'customModels' | 'anthropicVersion' | 'headers' | 'baseURL'
>;

/** The gateway of the adapter tests (Anthropic integration `anthropic-prod`), collecting its usage events. */
export function createTestGateway(
  options: { retry?: GatewayConfig['retry']; integration?: Partial<IntegrationExtras>; limits?: GatewayConfig['limits'] } = {},
) {
  const events: UsageEvent[] = [];
  const gateway = createGateway({
    integrations: [
      {
        slug: SLUG,
        provider: 'anthropic',
        baseURL: BASE_URL,
        credentials: { apiKey: secret.value(API_KEY) },
        workspaces: 'all',
        ...options.integration,
      },
    ],
    retry: options.retry ?? { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    ...(options.limits ? { limits: options.limits } : {}),
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

export const text = (chunks: readonly ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

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
