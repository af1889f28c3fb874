import { GatewayError, isInstanceOf } from './gateway-error.js';

/** A rate limit of the scope is reached; retry after `retryAfterMs` (the window's reset). */
export class RateLimitExceededError extends GatewayError {
  static override isInstance = isInstanceOf<RateLimitExceededError>('rate_limit_exceeded');
  readonly scope: string;
  readonly limit: number;
  readonly remaining: number;
  /** ISO time at which the window resets. */
  readonly resetAt: string;
  readonly retryAfterMs: number;

  constructor(fields: { scope: string; limit: number; remaining: number; resetAt: string; retryAfterMs: number; detail?: string }) {
    super(
      'rate_limit_exceeded',
      429,
      `Rate limit exceeded for ${fields.scope}${fields.detail ? ` (${fields.detail})` : ''}: retry after ${fields.retryAfterMs} ms`,
    );
    this.scope = fields.scope;
    this.limit = fields.limit;
    this.remaining = fields.remaining;
    this.resetAt = fields.resetAt;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/** A budget of the scope is exhausted; `resetAt` is null when it never resets. */
export class BudgetExceededError extends GatewayError {
  static override isInstance = isInstanceOf<BudgetExceededError>('budget_exceeded');
  readonly scope: string;
  readonly limit: number;
  readonly used: number;
  readonly resetAt: string | null;

  constructor(fields: { scope: string; limit: number; used: number; resetAt: string | null; unit: 'USD' | 'tokens'; detail?: string }) {
    const until = fields.resetAt ? `until ${fields.resetAt}` : 'and it does not reset';
    super(
      'budget_exceeded',
      412,
      `Budget of ${fields.limit} ${fields.unit} for ${fields.scope} is exhausted (${fields.used} used${fields.detail ? `; ${fields.detail}` : ''}) ${until}`,
    );
    this.scope = fields.scope;
    this.limit = fields.limit;
    this.used = fields.used;
    this.resetAt = fields.resetAt;
  }
}

/** A cost budget applies but the model has no price, so its cost cannot be enforced. */
export class PricingUnknownError extends GatewayError {
  static override isInstance = isInstanceOf<PricingUnknownError>('pricing_unknown');
  readonly model: string;

  constructor(model: string, scope?: string) {
    super(
      'pricing_unknown',
      422,
      `Model '${model}' has no price, so the cost budget${scope ? ` of ${scope}` : ''} cannot be enforced; add it to customModels or pricing`,
    );
    this.model = model;
  }
}
