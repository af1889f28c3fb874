import { GatewayError, isInstanceOf } from './gateway-error.js';

/** The store (memory or Redis) could not answer and the failure policy is to fail closed. */
export class StoreUnavailableError extends GatewayError {
  static override isInstance = isInstanceOf<StoreUnavailableError>('store_unavailable');

  constructor(message: string, cause?: unknown) {
    super('store_unavailable', 503, `Store unavailable: ${message}`, { cause });
  }
}

/**
 * An integration's credentials could not be resolved when they were first needed: an unset
 * environment variable, or a `secret.from` provider that failed. Names the integration and the
 * source (e.g. `env:OPENAI_API_KEY`), never a value.
 */
export class CredentialsUnavailableError extends GatewayError {
  static override isInstance = isInstanceOf<CredentialsUnavailableError>('credentials_unavailable');
  readonly integration: string;
  readonly source: string;

  constructor(integration: string, source: string, reason: string) {
    super('credentials_unavailable', 500, `Credentials of integration '${integration}' are unavailable: ${source} ${reason}`);
    this.integration = integration;
    this.source = source;
  }
}

/** The caller aborted the request through its AbortSignal. */
export class RequestAbortedError extends GatewayError {
  static override isInstance = isInstanceOf<RequestAbortedError>('request_aborted');

  constructor(cause?: unknown) {
    super('request_aborted', 499, 'The request was aborted by the caller', { cause });
  }
}

/** `chat` was called after `gateway.close()`. */
export class GatewayClosedError extends GatewayError {
  static override isInstance = isInstanceOf<GatewayClosedError>('gateway_closed');

  constructor() {
    super('gateway_closed', 503, 'The gateway is closed');
  }
}

/** `gateway.analytics.query` on a gateway without analytics: turned off, or a store that keeps none. */
export class AnalyticsUnavailableError extends GatewayError {
  static override isInstance = isInstanceOf<AnalyticsUnavailableError>('analytics_unavailable');

  constructor(reason: string) {
    super('analytics_unavailable', 501, `Analytics are not available: ${reason}`);
  }
}
