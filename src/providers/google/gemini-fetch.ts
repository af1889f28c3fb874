import type { ProviderResponse, ProviderTransport } from '../transport/provider-transport.js';
import { redactProviderError } from '../../secrets/redact-secrets.js';
import { ProviderError } from '../../errors/provider-error.js';
import { providerFetch } from '../shared/provider-fetch.js';
import { readGeminiError, retryDelayFromBody } from './read-gemini-error.js';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents' | 'predict';

/** What authentication may use of an attempt. */
export interface AuthCall {
  credentials: Readonly<Record<string, string>>;
  fetch: typeof globalThis.fetch;
  transport: ProviderTransport;
  signal: AbortSignal;
}

/** How to reach one Gemini deployment: the Gemini API (API key) or Vertex AI (OAuth). */
export interface GeminiTransport {
  /** Name reported in errors and events (`gemini`, `vertex-ai`). */
  provider: string;
  /** URL of a model's method; `streamGenerateContent` includes `?alt=sse`. */
  url(model: string, method: GeminiMethod): string;
  /** Every request header of an attempt: the integration's headers and authentication. */
  authenticate(call: AuthCall): Promise<Record<string, string>>;
  /** The provider refused the credentials (401): forget a cached token. */
  onUnauthorized?(): void;
}

/** The header Google may put a request id in (the Gemini body's `responseId` is preferred). */
export const REQUEST_ID_HEADER = 'x-goog-request-id';

/**
 * POSTs a JSON body to a model's method. Errors are `ProviderError`s as `providerFetch` makes
 * them, plus what only Google's body says: the `RetryInfo` delay (when no Retry-After header
 * came) as `retryAfterMs`. Authentication values (an API key, a minted access token) are removed
 * from every error, whatever the gateway knows of them; `secrets` lists them for the errors
 * the caller makes later (a stream's).
 */
export async function postGemini(
  transport: GeminiTransport,
  call: AuthCall,
  model: string,
  method: GeminiMethod,
  body: unknown,
  accept: string,
): Promise<{ response: ProviderResponse; secrets: string[] }> {
  const headers = await transport.authenticate(call);
  try {
    const response = await providerFetch({
      provider: transport.provider,
      transport: call.transport,
      url: transport.url(model, method),
      headers: { ...headers, 'content-type': 'application/json', accept },
      body,
      signal: call.signal,
      readErrorBody: readGeminiError,
      requestIdHeader: REQUEST_ID_HEADER,
    });
    return { response, secrets: authSecrets(headers) };
  } catch (error) {
    if (!ProviderError.isInstance(error)) throw error;
    if (error.upstreamStatus === 401) transport.onUnauthorized?.();
    const delay = error.retryAfterMs === null ? retryDelayFromBody(error.body) : null;
    throw redactProviderError(delay === null ? error : withRetryAfter(error, delay), authSecrets(headers));
  }
}

function withRetryAfter(error: ProviderError, retryAfterMs: number): ProviderError {
  const prefix = `${error.provider}: `;
  return new ProviderError({
    provider: error.provider,
    message: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message,
    upstreamStatus: error.upstreamStatus,
    status: error.status,
    retryAfterMs,
    isRetryable: error.isRetryable,
    body: error.body,
    requestId: error.requestId,
    type: error.type,
    headers: error.headers,
    cause: error.cause,
  });
}

/** The credential values in request headers. */
export function authSecrets(headers: Record<string, string>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase();
    if (n === 'x-goog-api-key') secrets.push(value);
    else if (n === 'authorization') secrets.push(value.replace(/^Bearer\s+/i, ''));
  }
  return secrets;
}
