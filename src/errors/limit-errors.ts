import { GatewayError, isInstanceOf } from './gateway-error.js';

/** A rate limit of the scope is reached; retry after `retryAfterMs` (the window's reset). */
export class RateLimitExceededError extends GatewayError {
  static override isInstance = isInstanceOf<RateLimitExceededError>('rate_limit_exceeded');
  readonly scope: string;
  /** What the limit counts: requests or tokens per window, or calls in flight at once. */
  readonly type: 'requests' | 'tokens' | 'concurrency';
  readonly limit: number;
  readonly remaining: number;
  /** ISO time at which the window resets. */
  readonly resetAt: string;
  readonly retryAfterMs: number;
  /** How long the call waited for capacity before it was refused (`wait`); 0 when it did not wait. */
  readonly waitedMs: number;

  constructor(fields: { scope: string; type?: 'requests' | 'tokens' | 'concurrency'; limit: number; remaining: number; resetAt: string; retryAfterMs: number; detail?: string }) {
    super(
      'rate_limit_exceeded',
      429,
      `Rate limit exceeded for ${fields.scope}${fields.detail ? ` (${fields.detail})` : ''}: retry after ${fields.retryAfterMs} ms`,
    );
    this.scope = fields.scope;
    this.type = fields.type ?? 'requests';
    this.limit = fields.limit;
    this.remaining = fields.remaining;
    this.resetAt = fields.resetAt;
    this.retryAfterMs = fields.retryAfterMs;
    this.waitedMs = 0;
  }
}

/** Says on a refusal how long its call waited for capacity first (the wait loop's; readonly for everyone else). */
export function noteWaited(error: RateLimitExceededError, waitedMs: number): RateLimitExceededError {
  const ms = Math.round(waitedMs);
  (error as { waitedMs: number }).waitedMs = ms;
  error.message += ` (refused after waiting ${ms} ms)`;
  return error;
}

/**
 * A budget of the scope has no room for the call: status 429, as OpenAI answers a spent quota.
 * `reason` says whether the budget is spent (`exhausted`: used, or used and reserved by calls in
 * flight, reach the limit) or only this call does not fit (`reservation-exceeds-remaining`: a
 * smaller `max_tokens` may pass). `resetAt` and `retryAfterMs` are null when it never resets.
 */
export class BudgetExceededError extends GatewayError {
  static override isInstance = isInstanceOf<BudgetExceededError>('budget_exceeded');
  readonly scope: string;
  readonly limit: number;
  readonly used: number;
  /** What the budget still has for new calls, in its unit: the limit less used and reserved. */
  readonly remaining: number;
  readonly resetAt: string | null;
  readonly retryAfterMs: number | null;
  readonly reason: 'exhausted' | 'reservation-exceeds-remaining';

  constructor(fields: {
    scope: string;
    limit: number;
    used: number;
    remaining: number;
    resetAt: string | null;
    retryAfterMs: number | null;
    unit: 'USD' | 'tokens';
    reason: 'exhausted' | 'reservation-exceeds-remaining';
    detail?: string;
  }) {
    const until = fields.resetAt ? `until ${fields.resetAt}` : 'and it does not reset';
    const detail = fields.detail ? `; ${fields.detail}` : '';
    super(
      'budget_exceeded',
      429,
      fields.reason === 'exhausted'
        ? `Budget of ${fields.limit} ${fields.unit} for ${fields.scope} is exhausted (${fields.used} used${detail}) ${until}`
        : `This request's reservation exceeds what remains of the budget of ${fields.limit} ${fields.unit} for ${fields.scope} (${fields.remaining} remains, ${fields.used} used${detail}); ask for fewer output tokens`,
    );
    this.scope = fields.scope;
    this.limit = fields.limit;
    this.used = fields.used;
    this.remaining = fields.remaining;
    this.resetAt = fields.resetAt;
    this.retryAfterMs = fields.retryAfterMs;
    this.reason = fields.reason;
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
