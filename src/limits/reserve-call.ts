import { PricingUnknownError } from '../errors/limit-errors.js';
import { KeyRevokedError, ScopeDisabledError, WorkspaceNotProvisionedError } from '../errors/access-errors.js';
import type { AdmitInput, AdmitResult, CounterSpec, CounterState, MaybePromise } from '../stores/store.js';
import type { PlannedCall } from './call-plans.js';
import { UNRESERVED } from './guarded-store.js';
import type { LimiterContext } from './limiter-context.js';
import type { Target } from '../config/policy.js';
import { bindPlan, counterAt, type CallAttributes, type LimitPlan, type PlannedLimit } from './limit-plan.js';
import { MICROS_PER_USD, worstCaseCostMicros } from './money.js';
import type { ResolvedPrice } from './pricing/resolve-price.js';
import { refusal } from './refusal.js';
import { callNote, type CallAbout } from './call-note.js';

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
  /**
   * Output tokens per choice the reservation covers when the request set no limit of its own and
   * a token or cost limit applies: the gateway sends it upstream so that the answer cannot
   * outgrow what was reserved. Null when the request set `max_tokens` / `max_completion_tokens`,
   * or no limit counts output.
   */
  outputCap: number | null;
  settled: boolean;
  /** The gateway's clock when the store was asked. */
  readonly admittedAt: number;
  /** Each counter's used + reserved once this call was reserved, as the store said (AdmitResult.totals); null: it did not. */
  totals: readonly number[] | null;
}

/** The most a call can use: its input tokens (bounded or estimated) and output tokens. */
export interface Demand {
  /** Input tokens; measured only when a limit needs them (a walk over the whole prompt). */
  input: () => number;
  /** Output tokens per choice. */
  output: number;
  /** Choices (`n`): the output is reserved for each. */
  choices: number;
  /**
   * The request set no output limit: `output` is the default reservation, and may shrink (down
   * to `minOutputTokens`) to fit what a budget or token limit has left.
   */
  flexible: boolean;
}

/** An admission as made here: a class, not a literal, as a call holds it until it ends (see CallEvent). */
class CallAdmission implements Admission {
  handle: unknown = undefined;
  reserved = false;
  settled = false;
  totals: readonly number[] | null = null;

  constructor(
    readonly id: string,
    readonly plan: LimitPlan,
    readonly counters: readonly CounterSpec[],
    readonly amounts: readonly number[],
    readonly price: ResolvedPrice | null,
    public outputCap: number | null,
    readonly admittedAt: number,
  ) {}
}

const NOTHING: readonly never[] = Object.freeze([]);

/** An admission that reserved nothing (no limit applies, or the store failed open). */
export function unreserved(id: string, plan: LimitPlan, price: ResolvedPrice | null): Admission {
  return new CallAdmission(id, plan, NOTHING, NOTHING, price, null, 0);
}

/** Shrinking attempts after a refusal: each is refused by another counter, or fits. */
const MAX_SHRINKS = 3;

/**
 * Checks the call against every limit of its plan and reserves its worst case on all of them in
 * one store call, or refuses it with the error of the first limit without room and reserves
 * nothing. A request without an output limit that does not fit is tried again with the output
 * that fits the refusing counter's room (one more store call, only near a limit).
 */
export function reserveCall(
  ctx: LimiterContext,
  requestId: string,
  planned: PlannedCall,
  target: Target,
  demand: Demand,
  attributes: CallAttributes,
  about?: CallAbout,
): MaybePromise<Admission> {
  const price = planned.price;
  const plan = bindPlan(planned.plan, attributes);
  const guards = ctx.guarded ? planned.guards : undefined;
  if (plan.limits.length === 0) {
    if (!guards) return unreserved(requestId, plan, price);
    // No limit, but a key or a grant that may have been revoked in another process: the store says.
    return checkGuards(ctx, requestId, plan, price, guards, target);
  }
  if (plan.disabledScope) throw new ScopeDisabledError(plan.disabledScope);
  if (plan.costLimit && !price && ctx.options.unpricedModels === 'reject') throw new PricingUnknownError(target.model, plan.costLimit.scope);
  return attempt(ctx, requestId, plan, price, { input: demand.input(), output: demand.output, choices: demand.choices, flexible: demand.flexible }, 0, guards, target, attributes, about);
}

function checkGuards(ctx: LimiterContext, requestId: string, plan: LimitPlan, price: ResolvedPrice | null, guards: readonly string[], target: Target): MaybePromise<Admission> {
  const decide = (result: AdmitResult): Admission => {
    if (!result.admitted && 'revoked' in result) throw revokedError(result.revoked, target);
    return unreserved(requestId, plan, price);
  };
  const result = ctx.store.admit({ reservationId: requestId, counters: [], amounts: [], now: ctx.clock(), ttlMs: ctx.options.reservationTtlMs, guards }, () => {});
  return result instanceof Promise ? result.then(decide) : decide(result);
}

/** A demand whose input is measured. */
type Measured = Omit<Demand, 'input'> & { input: number };

function attempt(
  ctx: LimiterContext,
  requestId: string,
  plan: LimitPlan,
  price: ResolvedPrice | null,
  demand: Measured,
  shrinks: number,
  guards: readonly string[] | undefined,
  target: Target,
  attributes: CallAttributes,
  about: CallAbout | undefined,
): MaybePromise<Admission> {
  const now = ctx.clock();
  const inputTokens = demand.input;
  const outputTokens = demand.output * demand.choices;
  const tokens = inputTokens + outputTokens;
  const cost = price ? worstCaseCostMicros(inputTokens, outputTokens, price.price) : 0;
  // By map, not array literals filled in a loop: the call holds them until it ends (see CallEvent).
  const { reservationTtlMs, exhaustedShare } = ctx.options;
  const counters = plan.limits.map((limit) => counterAt(limit, now, reservationTtlMs, exhaustedShare));
  // A request, or a slot in flight (given back at settlement): one each.
  const amounts = plan.limits.map((limit) => (limit.type === 'requests' || limit.type === 'concurrency' ? 1 : limit.type === 'tokens' ? tokens : cost));

  const admission = new CallAdmission(requestId, plan, counters, amounts, price, demand.flexible && plan.metersOutput ? demand.output : null, now);
  let admitted = false;
  const decide = (result: AdmitResult): MaybePromise<Admission> => {
    if (!result.admitted) {
      // A scope revoked by a policy change in the store (the guards): no process admits it again.
      if ('revoked' in result) throw revokedError(result.revoked, target);
      const limit = plan.limits[result.index]!;
      const output = demand.flexible && shrinks < MAX_SHRINKS ? outputThatFits(limit, result.state, demand, price) : null;
      if (output !== null && output >= ctx.options.minOutputTokens && output < demand.output) {
        return attempt(ctx, requestId, plan, price, { ...demand, output }, shrinks + 1, guards, target, attributes, about);
      }
      throw refusal(ctx.events, limit, result.state, amounts[result.index]!, result.first, now);
    }
    admitted = true;
    if (result !== UNRESERVED) {
      admission.reserved = true;
      admission.handle = result.handle;
      if (result.totals !== undefined && result.totals.length === counters.length) admission.totals = result.totals;
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
  const input: AdmitInput = { reservationId: requestId, counters, amounts, now, ttlMs: ctx.options.reservationTtlMs };
  if (guards) input.guards = guards;
  // The call described for its reservation, should its process die before settling it.
  if (about) input.note = callNote(about, target, attributes, inputTokens, outputTokens, price ? cost : null, price);
  const result = ctx.store.admit(input, (r) => {
    if (r.admitted) late(r);
  });
  // Synchronous when the store is (memory): no promise per call on the hot path.
  return result instanceof Promise ? result.then(decide) : decide(result);
}

/**
 * The most output tokens per choice that the refusing counter has room for, or null when no
 * output changes its answer (a request count). Exact in the counter's unit: a cost is the
 * rounded-up micro-dollars of the worst case, as reserved.
 */
function outputThatFits(limit: PlannedLimit, state: CounterState, demand: Measured, price: ResolvedPrice | null): number | null {
  const room = limit.limit - state.used - state.reserved;
  let total: number;
  if (limit.type === 'tokens') total = room - demand.input;
  else if (limit.type === 'cost' && price) {
    const p = price.price;
    const input = Math.max(p.input, p.cachedInput, p.cacheWrite);
    if (p.output === 0) return null;
    // ceil((in * inputPrice + out * outputPrice) / 1e6) <= room  <=>  in * inputPrice + out * outputPrice <= room * 1e6
    total = Math.floor((room * MICROS_PER_USD - demand.input * input) / p.output);
  } else return null;
  return Math.floor(total / demand.choices);
}

/** The error of a scope the store says is revoked: a key, a grant (see guardsOf), or another scope. */
function revokedError(scope: string, target: Target): Error {
  // A key's guard (`key:<id>`, or `key:<id>@<generation>`, see keyGuard): revoked, or rotated
  // without grace by a change this gateway has not applied yet.
  if (scope.startsWith('key:')) return new KeyRevokedError(target.key?.id ?? scope.slice('key:'.length).split('@')[0]!);
  if (scope.startsWith('grant:')) return new WorkspaceNotProvisionedError(target.workspace, target.integration.slug);
  return new ScopeDisabledError(scope);
}
