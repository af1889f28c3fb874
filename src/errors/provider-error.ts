import { GatewayError, isInstanceOf } from './gateway-error.js';

export interface ProviderErrorFields {
  provider: string;
  message: string;
  /** Upstream HTTP status; null when no response arrived (network error, timeout). */
  upstreamStatus: number | null;
  /** Status the gateway reports: the upstream one, else 502 (bad gateway) or 504 (timeout). */
  status?: number;
  retryAfterMs?: number | null;
  isRetryable: boolean;
  /** Upstream error body with every credential removed. */
  body?: unknown;
  /** Provider's request id (e.g. OpenAI's `x-request-id`). */
  requestId?: string | null;
  /** Provider's error type / code (e.g. `insufficient_quota`). */
  type?: string | null;
  /** Upstream rate-limit headers (`x-ratelimit-*`, `retry-after`...), for callers that adapt. */
  headers?: Record<string, string>;
  /** See ProviderError.retriedByGateway. */
  retriedByGateway?: boolean;
  cause?: unknown;
}

/** The provider failed: an upstream error status, a malformed answer, a network error or a timeout. */
export class ProviderError extends GatewayError {
  static override isInstance = isInstanceOf<ProviderError>('provider_error');
  readonly provider: string;
  readonly upstreamStatus: number | null;
  readonly retryAfterMs: number | null;
  readonly isRetryable: boolean;
  readonly body: unknown;
  readonly requestId: string | null;
  readonly type: string | null;
  readonly headers: Record<string, string>;
  /**
   * The gateway's retry policy dealt with this failure: retried until the retries ran out, or not
   * retried because the provider asked for a longer wait than `retry.maxRetryAfterMs`. A server
   * answering it tells its client not to retry again (`x-should-retry: false`), so that retries
   * never multiply through layers.
   */
  readonly retriedByGateway: boolean;

  constructor(fields: ProviderErrorFields) {
    const status = fields.status ?? fields.upstreamStatus ?? 502;
    super('provider_error', status, `${fields.provider}: ${fields.message}`, { cause: fields.cause });
    this.provider = fields.provider;
    this.upstreamStatus = fields.upstreamStatus;
    this.retryAfterMs = fields.retryAfterMs ?? null;
    this.isRetryable = fields.isRetryable;
    this.body = fields.body ?? null;
    this.requestId = fields.requestId ?? null;
    this.type = fields.type ?? null;
    this.headers = fields.headers ?? {};
    this.retriedByGateway = fields.retriedByGateway ?? false;
  }
}

/** Marks a failure the gateway's retry policy dealt with (the retry loop's; readonly for everyone else). */
export function markRetriedByGateway(error: ProviderError): ProviderError {
  (error as { retriedByGateway: boolean }).retriedByGateway = true;
  return error;
}
