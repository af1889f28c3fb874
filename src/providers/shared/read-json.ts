import { malformedResponse, type ResponseContext } from './response-errors.js';
import { networkError } from './provider-fetch.js';
import type { ProviderResponse } from '../transport/provider-transport.js';

/** The body of a 2xx answer as JSON: a network failure while reading is retryable, bad JSON is not. */
export async function readJsonBody(response: Pick<ProviderResponse, 'text'>, signal: AbortSignal, ctx: ResponseContext): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw networkError(ctx.provider, error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformedResponse(ctx, 'the response body is not JSON');
  }
}

/** The JSON data of one stream event; data that is not JSON is a malformed answer. */
export function parseEventJson(data: string, ctx: ResponseContext, what = 'a stream event'): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    throw malformedResponse(ctx, `${what} is not JSON`);
  }
}
