import type { Budget, RateLimit } from '../config/limits-schema.js';

interface BudgetEventBase {
  /** The scope whose budget it is, e.g. `grant:openai-prod/team-a`. */
  scope: string;
  /** Where the config defines the budget, e.g. `grant:openai-prod/*`. */
  origin: string;
  budget: Budget;
  /** In the budget's unit: USD for cost budgets, tokens for token budgets. */
  limit: number;
  used: number;
  unit: 'USD' | 'tokens';
  /** ISO start of the current period (never before the budget was set). */
  periodStart: string;
  /** ISO end of the period; null for a budget that never resets. */
  resetAt: string | null;
  at: string;
}

/** Usage crossed the budget's `alertThreshold`: once per scope per period. */
export interface BudgetAlertEvent extends BudgetEventBase {
  threshold: number;
}

/**
 * The budget stops serving: once per scope per period, when usage reaches the limit
 * (`limit-reached`), at the first refusal once it has (`refused`), or at the first refusal while
 * no more than `limits.exhaustedShare` of it is left (`insufficient`: no call of the size callers
 * send fits any more). A call refused while more is left (an oversized `max_tokens`) announces
 * nothing, and leaves the one announcement for the real exhaustion.
 */
export interface BudgetExhaustedEvent extends BudgetEventBase {
  reason: 'limit-reached' | 'refused' | 'insufficient';
}

/**
 * A call's reported usage went beyond what was reserved for it (an upstream that counts more
 * input than the bound, or ignores the output limit): the usage is recorded all the same (the
 * money was spent), so `used` may pass the limit by `overshoot`. Every such call, in the budget's unit.
 */
export interface BudgetOvershootEvent extends BudgetEventBase {
  /** What the call reserved on the budget. */
  reserved: number;
  /** What it used. */
  actual: number;
  /** `actual - reserved`. */
  overshoot: number;
  /** The call's request id. */
  requestId: string;
}

/** A rate limit refused a request: once per scope, limit and window. */
export interface RateLimitExceededEvent {
  scope: string;
  rateLimit: RateLimit;
  limit: number;
  resetAt: string;
  retryAfterMs: number;
  at: string;
}

/**
 * A provider said it has nothing left (its rate-limit headers, or a 429's Retry-After): every call
 * to the integration waits or is refused with `RateLimitExceededError` on scope
 * `provider:<integration>` until `until`, without being sent. Emitted by the gateway that read
 * the answer (`told: false`) and by every other gateway on the store told of it (`told: true`).
 */
export interface ProviderLimitedEvent {
  integration: string;
  /** ISO time until which calls are held. */
  until: string;
  retryAfterMs: number;
  /** What ran out: `requests`, `tokens`, or `retry-after` (a 429). */
  reason: string;
  told: boolean;
  at: string;
}

/**
 * The budgets defined at an origin changed. Budgets cannot be edited: a changed definition is a
 * new budget, counted from zero from now; a removed one is forgotten.
 */
export interface BudgetChangedEvent {
  origin: string;
  added: Budget[];
  removed: Budget[];
  at: string;
}

/** The store failed (or timed out); what the gateway did about it. */
export interface StoreDegradedEvent {
  store: string;
  /**
   * `analytics`: writing the analytics rollups (off the request path; calls are never refused for
   * it). `policy`: reading the policy log for changes made elsewhere (announced when it starts
   * failing, with `deferred`: this gateway keeps its policy until a read succeeds; revocations are
   * still enforced, in admission).
   */
  operation: 'admit' | 'settle' | 'read' | 'register' | 'analytics' | 'policy';
  error: Error;
  /**
   * `refused`: the call was refused (`onStoreError: 'fail-closed'`). `admitted`: the call went
   * ahead unchecked (`fail-open`). `deferred`: a settlement failed and is being retried;
   * `recorded-late`: it was recorded; `lost`: retries gave up and that usage is missing.
   */
  decision: 'refused' | 'admitted' | 'deferred' | 'recorded-late' | 'lost';
  at: string;
}
