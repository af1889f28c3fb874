import { GatewayError } from '../errors/gateway-error.js';
import { BudgetExceededError } from '../errors/limit-errors.js';
import { ProviderError } from '../errors/provider-error.js';
import { RequestValidationError } from '../errors/request-validation-error.js';

/** The body of an error answer, as OpenAI sends it: what OpenAI clients parse into their error classes. */
export interface OpenAIErrorBody {
  /** `tollgate_code`: the gateway's own code where `code` is OpenAI's (a spent budget is `insufficient_quota`). */
  error: { message: string; type: string; param: string | null; code: string | null; tollgate_code?: string };
}

/** OpenAI clients retry 408, 409, 429 and 5xx unless told not to by this header. */
const NO_RETRY = 'x-should-retry';

/** The longest Retry-After the official clients wait for; a later reset is not worth their retries. */
const CLIENT_MAX_RETRY_AFTER_MS = 60_000;

/** OpenAI's `type` for a status: the class of the error, which clients and dashboards group by. */
export function errorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
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
 *
 * - A spent budget is OpenAI's quota error (429, `insufficient_quota`), so that code written for
 *   OpenAI's own quota handles it; `x-should-retry: false` when no retry can pass before the
 *   reset (it never resets, or resets later than a client waits).
 * - An upstream failure the gateway already retried (its `retry` option), or chose not to wait
 *   for, carries `x-should-retry: false`, so that a client's retries do not multiply the gateway's.
 * - The upstream refusing the integration's credentials (401, 403) is not the caller's fault: a
 *   502, which says so, instead of a 401 that would make the client doubt its own key.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) {
    return { status: error.status, body: body(error.status, error.message, error.code, null), headers: error.headers };
  }
  if (BudgetExceededError.isInstance(error)) {
    const answer = gatewayErrorAnswer(error);
    answer.body.error.type = answer.body.error.code = 'insufficient_quota';
    answer.body.error.tollgate_code = error.code;
    const wait = error.retryAfterMs;
    if (wait === null || wait > CLIENT_MAX_RETRY_AFTER_MS) answer.headers[NO_RETRY] = 'false';
    return answer;
  }
  if (ProviderError.isInstance(error)) {
    const upstream = error.upstreamStatus;
    if (upstream === 401 || upstream === 403) {
      const message = `The upstream provider (${error.provider}) rejected the credentials of the integration (HTTP ${upstream}): the gateway's configuration must be fixed, not the caller's key.`;
      return { status: 502, body: body(502, message, 'upstream_authentication_failed', null), headers: { [NO_RETRY]: 'false' } };
    }
    const answer = gatewayErrorAnswer(error);
    if (error.retriedByGateway) answer.headers[NO_RETRY] = 'false';
    return answer;
  }
  if (GatewayError.isInstance(error)) return gatewayErrorAnswer(error);
  return { status: 500, body: body(500, 'The gateway failed to handle the request.', 'internal_error', null), headers: {} };
}

function gatewayErrorAnswer(error: GatewayError): ErrorAnswer {
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

function body(status: number, message: string, code: string, param: string | null): OpenAIErrorBody {
  return { error: { message, type: errorType(status), param, code } };
}
