import { secret, type GatewayConfig } from '../../src/index.js';
import { fixtureReader } from './fixture-reader.js';
import { gatewayWithEvents } from './mock-gateway.js';
import { providerJson, providerStream, setupProviderServer, type Responder, type StreamOptions } from './provider-server.js';
import { sseEvents } from './sse-events.js';

/**
 * A fake Anthropic for adapter tests: `http://anthropic.test` (an API root, like
 * `https://api.anthropic.com`) answering `POST /v1/messages` with payloads from
 * `test/fixtures/anthropic/`, shaped as Anthropic documents them (the server: `provider-server.ts`).
 */

export const BASE_URL = 'http://anthropic.test';
export const MESSAGES_URL = `${BASE_URL}/v1/messages`;
/** Not a real key; shaped like one. Tests never print it: they compare against this constant. */
export const API_KEY = 'sk-ant-api03-tollgate-test-0123456789abcdef';
export const SLUG = 'anthropic-prod';
export const MODEL_ID = 'claude-sonnet-4-5-20250929';
export const MODEL = `@${SLUG}/${MODEL_ID}`;

export const { fixtureText, fixtureJson } = fixtureReader(new URL('../fixtures/anthropic/', import.meta.url));

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
  return providerJson(body, init.status ?? 200, anthropicHeaders(init.requestId ?? 'req_011CSHoEeqs5C35K2UUqR7Fy', init.headers));
}

/** A 200 SSE answer carrying `text` (raw `event: ...\ndata: ...\n\n` events), split as `providerStream` does. */
export function sseResponse(text: string, options: StreamOptions & { requestId?: string } = {}): Response {
  return providerStream(
    sseEvents(text),
    {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...anthropicHeaders(options.requestId ?? 'req_011CSLsW7mFqvHHnzrKdKjAE'),
    },
    options,
  );
}

/** The fake server, answering the Messages endpoint: `respond` needs no URL. */
export function setupAnthropicServer() {
  const server = setupProviderServer();
  return { ...server, respond: (...responders: Responder[]) => server.respond(MESSAGES_URL, ...responders) };
}

type IntegrationExtras = Pick<
  Extract<GatewayConfig['integrations'][number], { provider: 'anthropic' }>,
  'budgets' | 'rateLimits' | 'pricing' | 'customModels' | 'anthropicVersion' | 'headers' | 'baseURL'
>;

/** The gateway of the adapter tests (Anthropic integration `anthropic-prod`), collecting its usage events. */
export function createTestGateway(
  options: { retry?: GatewayConfig['retry']; integration?: Partial<IntegrationExtras>; limits?: GatewayConfig['limits'] } = {},
) {
  return gatewayWithEvents({
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
}
