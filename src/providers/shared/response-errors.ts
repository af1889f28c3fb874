import { ProviderError } from '../../errors/provider-error.js';

/** Where an answer came from: named in every error about it. */
export interface ResponseContext {
  provider: string;
  /** The HTTP status of the answer (2xx: these errors are about answers that looked fine). */
  status: number;
  requestId: string | null;
}

/**
 * A 2xx answer that is not what the API documents. Not retried: the provider did the work
 * (and may bill for it), so asking again could double the cost.
 */
export function malformedResponse(ctx: ResponseContext, message: string): ProviderError {
  return new ProviderError({
    provider: ctx.provider,
    message: `malformed response: ${message}`,
    upstreamStatus: ctx.status,
    status: 502,
    isRetryable: false,
    requestId: ctx.requestId,
  });
}

/**
 * The error a stream ends with when reading it failed: the caller's abort as is, a ProviderError
 * as is, anything else (a reset connection) as a retryable "interrupted". Retrying is safe: the
 * gateway only retries a stream before its first chunk went out.
 */
export function streamFailure(ctx: ResponseContext, error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (ProviderError.isInstance(error)) return error;
  return new ProviderError({
    provider: ctx.provider,
    message: `the stream was interrupted: ${error instanceof Error ? error.message : String(error)}`,
    upstreamStatus: ctx.status,
    status: 502,
    isRetryable: true,
    requestId: ctx.requestId,
    cause: error,
  });
}

/** A stream that closed without the event that ends it: cut on the way, retryable. */
export function streamEndedEarly(ctx: ResponseContext, detail?: string): ProviderError {
  return new ProviderError({
    provider: ctx.provider,
    message: `the stream ended before completion${detail ? ` (${detail})` : ''}`,
    upstreamStatus: ctx.status,
    status: 502,
    isRetryable: true,
    requestId: ctx.requestId,
  });
}

/** The first issue of a failed zod parse, as `message at path`. */
export function firstIssue(error: { issues: readonly { message: string; path: readonly PropertyKey[] }[] }): string {
  const issue = error.issues[0];
  return `${issue?.message ?? 'invalid'} at ${issue?.path.map(String).join('.') ?? ''}`;
}
