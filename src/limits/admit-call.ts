import { PricingUnknownError } from '../errors/limit-errors.js';
import { ScopeDisabledError } from '../errors/access-errors.js';
import type { AdmitResult, CounterSpec, MaybePromise } from '../stores/store.js';
import type { PlannedCall } from './call-plans.js';
import { UNRESERVED } from './guarded-store.js';
import type { CallTarget, LimiterContext } from './limiter-context.js';
import { counterAt, type LimitPlan } from './limit-plan.js';
import { worstCaseCostMicros } from './money.js';
import type { ResolvedPrice } from './pricing/resolve-price.js';
import { refusal } from './refusal.js';

/** The reservation of one admitted call, settled exactly once. */
export interface Admission {
  readonly id: string;
  /** The store's handle of the reservation, given back at settlement. */
  handle?: unknown;
  /** False when the call was admitted without a reservation (no limits, or the store failed open). */
  reserved: boolean;
  readonly plan: LimitPlan;
  readonly counters: readonly CounterSpec[];
  readonly amounts: readonly number[];
  readonly price: ResolvedPrice | null;
  settled: boolean;
}

/** The most a call can use: its input tokens (bounded or estimated) and output tokens. */
export interface Demand {
  input: number;
  output: number;
}

/** An admission that reserved nothing (no limit applies, or the store failed open). */
export function unreserved(id: string, plan: LimitPlan, price: ResolvedPrice | null): Admission {
  return { id, plan, counters: [], amounts: [], price, reserved: false, settled: false };
}

/**
 * Checks the call against every limit of its plan and reserves its worst case on all of them in
 * one store call, or refuses it with the error of the first limit without room and reserves
 * nothing.
 */
export function admitCall(ctx: LimiterContext, requestId: string, planned: PlannedCall, target: CallTarget, demand: () => Demand): MaybePromise<Admission> {
  const { plan, price } = planned;
  if (plan.limits.length === 0) return unreserved(requestId, plan, price);
  if (plan.disabledScope) throw new ScopeDisabledError(plan.disabledScope);
  if (plan.costLimit && !price && ctx.options.unpricedModels === 'reject') throw new PricingUnknownError(target.model, plan.costLimit.scope);

  const now = ctx.clock();
  const { input: inputTokens, output: outputTokens } = demand();
  const tokens = inputTokens + outputTokens;
  const cost = price ? worstCaseCostMicros(inputTokens, outputTokens, price.price) : 0;
  const counters: CounterSpec[] = [];
  const amounts: number[] = [];
  for (const limit of plan.limits) {
    counters.push(counterAt(limit, now, ctx.options.reservationTtlMs));
    amounts.push(limit.type === 'requests' ? 1 : limit.type === 'tokens' ? tokens : cost);
  }

  const admission: Admission = { id: requestId, plan, counters, amounts, price, reserved: false, settled: false };
  let admitted = false;
  const decide = (result: AdmitResult): Admission => {
    if (!result.admitted) throw refusal(ctx.events, plan.limits[result.index]!, result.state, amounts[result.index]!, result.first, now);
    admitted = true;
    if (result !== UNRESERVED) {
      admission.reserved = true;
      admission.handle = result.handle;
    }
    return admission;
  };
  // The store reserved after the gateway stopped waiting. A call that goes on (fail-open) settles
  // that reservation; one refused (fail-closed) or already settled releases it. Never leaked.
  const late = (result: AdmitResult & { admitted: true }) => {
    if (admitted && !admission.settled && !admission.reserved) {
      admission.reserved = true;
      admission.handle = result.handle;
      return;
    }
    const release = { reservationId: requestId, handle: result.handle, reserved: true, counters, amounts, actual: counters.map(() => 0), now: ctx.clock() };
    void ctx.store.settle(release, () => {});
  };
  const result = ctx.store.admit({ reservationId: requestId, counters, amounts, now, ttlMs: ctx.options.reservationTtlMs }, (r) => {
    if (r.admitted) late(r);
  });
  // Synchronous when the store is (memory): no promise per call on the hot path.
  return result instanceof Promise ? result.then(decide) : decide(result);
}
