import { secret, type GatewayConfig } from '../../src/index.js';
import { fixtureReader } from './fixture-reader.js';
import { gatewayWithEvents } from './mock-gateway.js';
import { providerJson, providerStream, setupProviderServer, type StreamOptions } from './provider-server.js';
import { sseEvents } from './sse-events.js';

/**
 * A fake Google for the Gemini and Vertex AI adapter tests: the real public URLs, intercepted
 * (nothing leaves the process: unhandled requests fail the test), replaying payloads from
 * `test/fixtures/gemini/` and `test/fixtures/vertex/`. The server itself: `provider-server.ts`.
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

export const { fixtureText, fixtureJson } = fixtureReader(new URL('../fixtures/', import.meta.url));

export function jsonResponse(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return providerJson(body, init.status ?? 200, {
    'content-type': 'application/json; charset=UTF-8',
    vary: 'Origin, X-Origin, Referer',
    'server-timing': 'gfet4t7; dur=412',
    ...init.headers,
  });
}

/** An SSE answer carrying `text` (`\r\n\r\n`-terminated events, as Google sends), split as `providerStream` does. */
export function sseResponse(text: string, options: StreamOptions = {}): Response {
  return providerStream(sseEvents(text), { 'content-type': 'text/event-stream', 'server-timing': 'gfet4t7; dur=388' }, options);
}

/** The fake server (`respond(url, ...)`: one URL per model and method, plus the token endpoint). */
export const setupGoogleServer = setupProviderServer;

type IntegrationExtras = Record<string, unknown>;

/** A gateway with one `gemini` integration (`@gemini/<model>`), collecting its usage events. */
export function geminiGateway(options: { retry?: GatewayConfig['retry']; integration?: IntegrationExtras; config?: Partial<GatewayConfig> } = {}) {
  return gatewayWithEvents({
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
}

/** A gateway with one `vertex-ai` integration (`@vertex/<model>`), collecting its usage events. */
export function vertexGateway(credentials: Record<string, unknown>, options: { location?: string; retry?: GatewayConfig['retry']; integration?: IntegrationExtras } = {}) {
  return gatewayWithEvents({
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
}
