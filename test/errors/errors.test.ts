// npm test: the error classes alone; milliseconds.
import { describe, expect, it } from 'vitest';
import * as tollgate from '../../src/index.js';
import {
  BudgetExceededError,
  ConfigError,
  GatewayError,
  ModelNotAllowedError,
  PricingUnknownError,
  ProviderError,
  RateLimitExceededError,
  RequestValidationError,
  ScopeDisabledError,
  StoreUnavailableError,
  WorkspaceNotProvisionedError,
} from '../../src/index.js';

describe('errors', () => {
  const cases: Array<[GatewayError, string, number, Record<string, unknown>]> = [
    [new ConfigError([{ path: 'a', message: 'b' }]), 'invalid_config', 500, { issues: [{ path: 'a', message: 'b' }] }],
    [new RequestValidationError([{ path: 'messages', message: 'x' }]), 'invalid_request', 400, { issues: [{ path: 'messages', message: 'x' }] }],
    [new WorkspaceNotProvisionedError('w', 'i'), 'workspace_not_provisioned', 403, { workspace: 'w', integration: 'i' }],
    [new ModelNotAllowedError('m', 'grant:i/w'), 'model_not_allowed', 403, { model: 'm', scope: 'grant:i/w' }],
    [new ScopeDisabledError('key:k'), 'scope_disabled', 403, { scope: 'key:k' }],
    [
      new RateLimitExceededError({ scope: 'key:k', type: 'requests', limit: 10, remaining: 0, resetAt: '2026-01-01T00:01:00.000Z', retryAfterMs: 1500 }),
      'rate_limit_exceeded',
      429,
      { scope: 'key:k', limit: 10, remaining: 0, resetAt: '2026-01-01T00:01:00.000Z', retryAfterMs: 1500 },
    ],
    [
      new BudgetExceededError({ scope: 'workspace:w', limit: 5, used: 5.2, remaining: 0, resetAt: null, retryAfterMs: null, unit: 'USD', reason: 'exhausted' }),
      'budget_exceeded',
      429,
      { scope: 'workspace:w', limit: 5, used: 5.2, remaining: 0, resetAt: null, retryAfterMs: null, reason: 'exhausted' },
    ],
    [new PricingUnknownError('m'), 'pricing_unknown', 422, { model: 'm' }],
    [
      new ProviderError({ provider: 'openai', message: 'slow down', upstreamStatus: 429, retryAfterMs: 2000, isRetryable: true, body: { a: 1 } }),
      'provider_error',
      429,
      { provider: 'openai', retryAfterMs: 2000, isRetryable: true, body: { a: 1 }, upstreamStatus: 429 },
    ],
    [new StoreUnavailableError('down', new Error('ECONNREFUSED')), 'store_unavailable', 503, {}],
  ];

  it.each(cases)('%s has its code, status, fields and is a GatewayError', (error, code, status, fields) => {
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error).toMatchObject(fields);
    expect(error.name).toBe(error.constructor.name);
    expect(GatewayError.isInstance(error)).toBe(true);
    expect((error.constructor as typeof GatewayError).isInstance(error)).toBe(true);
    const json = JSON.parse(JSON.stringify(error));
    expect(json).toMatchObject({ code, status, message: error.message, ...fields });
  });

  it('isInstance is specific to the class', () => {
    const e = new ModelNotAllowedError('m', 's');
    expect(RateLimitExceededError.isInstance(e)).toBe(false);
    expect(ModelNotAllowedError.isInstance(new Error('x'))).toBe(false);
    expect(GatewayError.isInstance(null)).toBe(false);
    expect(GatewayError.isInstance({ code: 'model_not_allowed' })).toBe(false);
  });

  it('every error class is exported from the package root', () => {
    for (const name of [
      'GatewayError',
      'ConfigError',
      'RequestValidationError',
      'WorkspaceNotProvisionedError',
      'ModelNotAllowedError',
      'ScopeDisabledError',
      'RateLimitExceededError',
      'BudgetExceededError',
      'PricingUnknownError',
      'ProviderError',
      'StoreUnavailableError',
    ]) {
      expect(typeof (tollgate as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
