import { GatewayError } from '../errors/gateway-error.js';
import { RequestValidationError } from '../errors/request-validation-error.js';

/** The body of an error answer, as OpenAI sends it: what OpenAI clients parse into their error classes. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's `type` for a status: the class of the error, which clients and dashboards group by. */
export function errorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 412:
      return 'insufficient_quota';
    case 429:
      return 'rate_limit_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** An error the HTTP layer itself raises (bad JSON, no key, unknown route): never a gateway call. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorAnswer {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
}

/**
 * The answer for an error: a gateway error keeps its status and code (its message is already
 * free of credentials); an upstream or gateway 429 says when to retry in both the seconds of
 * `Retry-After` and the milliseconds of `retry-after-ms` (which OpenAI clients prefer). Anything
 * else is a bug: a bare 500 that says nothing of it.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) {
    return { status: error.status, body: body(error.status, error.message, error.code, null), headers: error.headers };
  }
  if (GatewayError.isInstance(error)) {
    const status = error.status;
    const param = RequestValidationError.isInstance(error) ? (error.issues[0]?.path ?? null) || null : null;
    const headers: Record<string, string> = {};
    const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof retryAfterMs === 'number' && retryAfterMs >= 0 && (status === 429 || status === 503)) {
      headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
      headers['retry-after-ms'] = String(Math.ceil(retryAfterMs));
    }
    return { status, body: body(status, error.message, error.code, param), headers };
  }
  return { status: 500, body: body(500, 'The gateway failed to handle the request.', 'internal_error', null), headers: {} };
}

function body(status: number, message: string, code: string, param: string | null): OpenAIErrorBody {
  return { error: { message, type: errorType(status), param, code } };
}
