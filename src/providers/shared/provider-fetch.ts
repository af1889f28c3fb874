import { ProviderError } from '../../errors/provider-error.js';
import { isRetryableStatus } from './is-retryable-status.js';
import { pickHeaders } from './pick-headers.js';
import { parseRetryAfter } from '../../util/retry-after.js';
import type { ProviderResponse, ProviderTransport } from '../transport/provider-transport.js';

const MAX_ERROR_BODY = 8 * 1024;

/**
 * How a provider reads its own error body: its message, its error type and, when the provider
 * puts it in the body, a retry hint. Returning null keeps the generic message.
 */
export type ErrorBodyReader = (body: unknown) => { message?: string; type?: string | null } | null;

export interface ProviderFetchOptions {
  provider: string;
  transport: ProviderTransport;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  readErrorBody: ErrorBodyReader;
  requestIdHeader?: string;
}

/**
 * POSTs a JSON body through the call's transport and returns the response when it is 2xx. Every other outcome becomes a
 * `ProviderError`: an error status (with the provider's message, type, Retry-After and
 * rate-limit headers), or a network failure (502, retryable). An abort of `signal` is rethrown
 * untouched, so the caller can tell its own abort or timeout from a provider failure.
 */
export async function providerFetch(options: ProviderFetchOptions): Promise<ProviderResponse> {
  let response: ProviderResponse;
  try {
    response = await options.transport(options.url, { headers: options.headers, body: JSON.stringify(options.body), signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    throw networkError(options.provider, error);
  }
  if (response.status >= 200 && response.status < 300) return response;
  throw await errorFromResponse(options.provider, response, options.readErrorBody, options.requestIdHeader);
}

export function networkError(provider: string, error: unknown): ProviderError {
  const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  return new ProviderError({
    provider,
    message: `network error: ${detail}`,
    upstreamStatus: null,
    status: 502,
    isRetryable: true,
    cause: error,
  });
}

export async function errorFromResponse(
  provider: string,
  response: Pick<ProviderResponse, 'status' | 'statusText' | 'headers' | 'text'>,
  readErrorBody: ErrorBodyReader,
  requestIdHeader = 'x-request-id',
): Promise<ProviderError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body could not be read; the status alone still says what happened.
  }
  if (text.length > MAX_ERROR_BODY) text = `${text.slice(0, MAX_ERROR_BODY)}…`;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (an HTML page from a proxy, say): keep the text.
  }
  const read = readErrorBody(body);
  // A provider's API does not redirect, and a redirect is never followed (the request would be
  // sent again, its credentials with it, to wherever the answer points): the gateway's caller
  // gets a 502, not a 3xx whose Location means nothing to it.
  const redirect = response.status >= 300 && response.status < 400;
  return new ProviderError({
    provider,
    message: redirect
      ? `HTTP ${response.status}: the provider answered with a redirect, which is not followed; point the integration's baseURL at the final URL`
      : (read?.message ?? `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`),
    upstreamStatus: response.status,
    ...(redirect ? { status: 502 } : {}),
    retryAfterMs: parseRetryAfter(response.headers),
    isRetryable: isRetryableStatus(response.status, response.headers),
    body,
    type: read?.type ?? null,
    requestId: response.headers.get(requestIdHeader),
    headers: pickHeaders(response.headers),
  });
}
