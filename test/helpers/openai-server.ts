import { secret, type ChatCompletion, type GatewayConfig } from '../../src/index.js';
import { fixtureReader } from './fixture-reader.js';
import { gatewayWithEvents } from './mock-gateway.js';
import { providerJson, providerStream, setupProviderServer, type Responder, type StreamOptions } from './provider-server.js';
import { sseEvents } from './sse-events.js';

/**
 * A fake OpenAI for adapter tests: `http://openai.test/v1`, replaying recorded-style payloads
 * from `test/fixtures/openai/` with OpenAI's headers (the server itself: `provider-server.ts`).
 */

export const BASE_URL = 'http://openai.test/v1';
export const CHAT_URL = `${BASE_URL}/chat/completions`;
/** Not a real key; shaped so that the masked echo regex of OpenAI's 401 applies. */
export const API_KEY = 'sk-test-0123456789';
export const MODEL = '@openai-prod/gpt-4o-mini';

export const { fixtureText, fixtureJson } = fixtureReader(new URL('../fixtures/openai/', import.meta.url));

export const chatFixture = () => fixtureJson<ChatCompletion & Record<string, unknown>>('openai-chat.json');

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
  return providerJson(body, init.status ?? 200, openaiHeaders(init.requestId ?? 'req_7a1c2e9f0b3d4c5e8f6a7b8c9d0e1f2a', init.headers));
}

/** An SSE answer carrying `text` (raw `data: ...\n\n` events), split as `providerStream` does. */
export function sseResponse(text: string, options: StreamOptions & { requestId?: string } = {}): Response {
  return providerStream(
    sseEvents(text),
    { 'content-type': 'text/event-stream; charset=utf-8', ...openaiHeaders(options.requestId ?? 'req_3e8d1b6a9c2f4e7d0a5b8c1e4f7a0d3b') },
    options,
  );
}

/** The fake server, answering the chat completions endpoint: `respond` needs no URL (`respondAt` another). */
export function setupOpenAIServer() {
  const server = setupProviderServer();
  return { ...server, respondAt: server.respond, respond: (...responders: Responder[]) => server.respond(CHAT_URL, ...responders) };
}

/** The gateway of the adapter tests, with a listener collecting its usage events. */
export function createTestGateway(
  options: { retry?: GatewayConfig['retry']; organization?: string; project?: string; timeoutMs?: number } = {},
) {
  return gatewayWithEvents({
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
}
