import { ProviderError } from '../../errors/provider-error.js';
import { isRetryableStatus } from '../shared/is-retryable-status.js';
import type { ErrorBodyReader } from '../shared/provider-fetch.js';
import { anthropicErrorBodySchema } from './anthropic-api.js';

/** `{"type": "error", "error": {"type": "rate_limit_error", "message": "..."}, "request_id": "req_..."}` */
export const readAnthropicError: ErrorBodyReader = (body) => {
  const parsed = anthropicErrorBodySchema.safeParse(body);
  if (!parsed.success) return null;
  const { message, type } = parsed.data.error;
  return { message: message ?? undefined, type: type ?? null };
};

/** The HTTP status Anthropic gives each error type (https://docs.anthropic.com/en/api/errors). */
const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * An `error` event inside a 200 stream (`overloaded_error` is the usual one): reported with the
 * status Anthropic would have answered with, and retryable on the same terms. The gateway
 * retries it only while nothing has reached the caller.
 */
export function streamErrorFrame(provider: string, body: unknown, upstreamStatus: number, requestId: string | null): ProviderError {
  const parsed = anthropicErrorBodySchema.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  const type = error?.type ?? null;
  const status = (type && STATUS_OF_TYPE[type]) || 502;
  return new ProviderError({
    provider,
    message: error?.message ?? 'the stream reported an error',
    upstreamStatus,
    status,
    isRetryable: status === 502 || isRetryableStatus(status),
    type,
    body,
    requestId,
  });
}
