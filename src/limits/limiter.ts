import { LRUCache } from 'lru-cache';
import type { ChatRequestBody, EmbeddingRequestBody } from '../providers/chat-types.js';
import type { Usage } from '../providers/spec.js';
import type { Budget } from '../config/limits-schema.js';
import { budgetOrigins, resolveGrant, resolveWorkspaceLimits, type IntegrationPolicy, type KeyPolicy, type Policy, type ScopeLimits } from '../config/policy.js';
import { IntegrationNotFoundError, KeyNotFoundError, ScopeDisabledError, WorkspaceNotProvisionedError } from '../errors/access-errors.js';
import { BudgetExceededError, PricingUnknownError, RateLimitExceededError } from '../errors/limit-errors.js';
import { StoreUnavailableError } from '../errors/runtime-errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type { LimitSnapshot } from '../events/usage-event.js';
import type { AdmitResult, BudgetRegistration, CounterSpec, CounterState, MaybePromise, SettledCounter, Store } from '../stores/store.js';
import { GuardedStore, UNRESERVED, type StoreFailurePolicy, type StoreStats } from './guarded-store.js';
import { toIso } from '../util/to-iso.js';
import { budgetFromId, budgetId } from './budget-identity.js';
import { estimateEmbeddingTokens, estimateInputTokens, estimateInputTokensUpperBound } from './estimate-tokens.js';
import { buildPlan, counterAt, spanAt, type LimitPlan, type PlannedLimit } from './limit-plan.js';
import { costMicros, microsToUsd, worstCaseCostMicros } from './money.js';
import { resolvePrice, type ResolvedPrice } from './pricing/resolve-price.js';
import { scopeName } from './scope.js';

export interface LimitsOptions {
  /** Output tokens reserved when a request sets no `max_tokens`. */
  defaultMaxOutputTokens: number;
  /** `upper-bound`: reservations that always hold; `average`: closer to real counts, may overshoot. */
  inputEstimate: 'upper-bound' | 'average';
  /** `reject`: a cost budget refuses unpriced models; `allow`: they pass and are not charged. */
  unpricedModels: 'reject' | 'allow';
  /** A reservation not settled within this time is released. */
  reservationTtlMs: number;
}

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

export interface LimitStatus {
  scope: string;
  kind: 'budget' | 'rateLimit';
  type: 'cost' | 'tokens' | 'requests';
  /** USD for cost budgets; tokens or requests otherwise. */
  limit: number;
  used: number;
  reserved: number;
  remaining: number;
  /** ISO time of the next reset; null for a budget that never resets. */
  resetAt: string | null;
  /** Budgets: `none`, `weekly` or `monthly`. */
  reset?: Budget['reset'];
  /** Budgets: the threshold of the `budget.alert` event, in the budget's unit. */
  alertThreshold?: number;
  /** Budgets: ISO start of the current period (never before the budget was set). */
  since?: string;
  /** Rate limits: the window. */
  per?: 'minute' | 'hour' | 'day';
}

export interface StatusQuery {
  integration?: string;
  workspace?: string;
  key?: string;
  /** Only budgets, or only rate limits (fewer counters read). Default: both. */
  kind?: 'budget' | 'rateLimit';
}

const EMPTY_PLAN: LimitPlan = Object.freeze({ limits: [], disabledScope: null, costLimit: null });

interface PlannedCall {
  plan: LimitPlan;
  price: ResolvedPrice | null;
}

/**
 * Budgets and rate limits: plans the counters a call touches in every scope, admits it with one
 * atomic store call (check and reserve everything, or nothing), settles it with one more.
 */
export class Limiter {
  readonly #store: GuardedStore;
  readonly #events: GatewayEvents;
  readonly #options: LimitsOptions;
  readonly #clock: () => number;
  readonly #failure: StoreFailurePolicy;
  #policy: Policy | null = null;
  #registry = new Map<string, number>();
  /** Whether the current policy's budgets are registered, being registered, or failed to be. */
  #registration: { state: 'done' } | { state: 'pending'; promise: Promise<void> } | { state: 'failed'; at: number; error: unknown } = {
    state: 'done',
  };
  #register: () => MaybePromise<void> = () => undefined;
  /** Plan and price by (integration, workspace, key, model): one lookup per call. */
  #plans = new LRUCache<string, PlannedCall>({ max: 10_000 });
  /** Plans of `status` queries (an HTTP endpoint reads one per answer for its rate-limit headers). */
  #statusPlans = new LRUCache<string, LimitPlan>({ max: 10_000 });

  constructor(store: Store, events: GatewayEvents, options: LimitsOptions, failure: StoreFailurePolicy, clock: () => number) {
    this.#store = new GuardedStore(store, failure, events, clock);
    this.#failure = failure;
    this.#events = events;
    this.#options = options;
    this.#clock = clock;
  }

  get store(): Store {
    return this.#store.store;
  }

  /** The store behind the failure policy (timeouts, degraded announcements). */
  get guardedStore(): GuardedStore {
    return this.#store;
  }

  /** Resolves once every deferred settlement is recorded or given up. */
  flush(): Promise<void> {
    return this.#store.flush();
  }

  stats(): StoreStats {
    return this.#store.stats();
  }

  /**
   * Switches to a new policy: registers its budgets with the store (which keeps the set time of
   * budgets it knows, so usage is never counted twice nor lost) and announces changed budgets.
   * Calls wait for the registration; with the memory store it completes at once.
   */
  usePolicy(policy: Policy): void {
    this.#policy = policy;
    this.#plans = new LRUCache({ max: 10_000 });
    this.#statusPlans = new LRUCache({ max: 10_000 });
    const origins = budgetOrigins(policy);
    const definitions = new Map(origins.flatMap(({ budgets }) => budgets.map((b) => [budgetId(b), b] as const)));
    const request = origins.map(({ origin, budgets }) => ({ origin, ids: [...new Set(budgets.map(budgetId))] }));
    const apply = (registrations: BudgetRegistration[]) => {
      if (this.#policy !== policy) return;
      const registry = new Map<string, number>();
      for (const r of registrations) {
        for (const [id, setAt] of Object.entries(r.setAt)) registry.set(`${r.origin}\n${id}`, setAt);
        if (r.removed.length > 0 || (r.added.length > 0 && r.known)) {
          this.#events.emit('budget.changed', {
            origin: r.origin,
            added: r.added.map((id) => definitions.get(id) ?? budgetFromId(id)),
            removed: r.removed.map(budgetFromId),
            at: toIso(this.#clock()),
          });
        }
      }
      this.#registry = registry;
      this.#plans.clear();
      this.#registration = { state: 'done' };
    };
    const failed = (error: unknown) => {
      if (this.#policy === policy) this.#registration = { state: 'failed', at: this.#clock(), error };
      throw error;
    };
    this.#register = () => {
      let result: MaybePromise<BudgetRegistration[]>;
      try {
        result = this.#store.registerBudgets(request, this.#clock());
      } catch (error) {
        return failed(error);
      }
      if (!(result instanceof Promise)) return apply(result);
      const promise = result.then(apply, failed);
      this.#registration = { state: 'pending', promise };
      return promise;
    };
    try {
      const pending = this.#register();
      // A failure here is handled by the next call; this promise must not go unhandled.
      if (pending instanceof Promise) pending.catch(() => {});
    } catch {
      // Recorded in #registration: the next call retries.
    }
  }

  /**
   * Ready to admit: the policy's budgets are registered. A registration that failed is retried
   * by the next call, at most once a second, so a store that comes back is used again.
   */
  #ready(): MaybePromise<void> {
    const r = this.#registration;
    if (r.state === 'done') return;
    if (r.state === 'pending') return r.promise;
    if (this.#clock() - r.at < 1_000) throw r.error;
    return this.#register();
  }

  /**
   * Checks the call against every limit of every scope and reserves its worst case on all of
   * them, or refuses it with the error of the first limit without room and reserves nothing.
   */
  admit(
    requestId: string,
    policy: Policy,
    target: { integration: IntegrationPolicy; workspace: string; key: KeyPolicy | null; model: string },
    body: ChatRequestBody,
  ): MaybePromise<Admission> {
    return this.#admitDemand(requestId, policy, target, () => {
      const input =
        this.#options.inputEstimate === 'upper-bound'
          ? estimateInputTokensUpperBound(body.messages, body.tools)
          : estimateInputTokens(body.messages, body.tools);
      return { input, output: (body.max_completion_tokens ?? body.max_tokens ?? this.#options.defaultMaxOutputTokens) * (body.n ?? 1) };
    });
  }

  /** Admission of an embeddings call: its input tokens, no output. */
  admitEmbeddings(
    requestId: string,
    policy: Policy,
    target: { integration: IntegrationPolicy; workspace: string; key: KeyPolicy | null; model: string },
    input: EmbeddingRequestBody['input'],
  ): MaybePromise<Admission> {
    return this.#admitDemand(requestId, policy, target, () => ({
      input: estimateEmbeddingTokens(input, this.#options.inputEstimate === 'upper-bound'),
      output: 0,
    }));
  }

  #admitDemand(
    requestId: string,
    policy: Policy,
    target: { integration: IntegrationPolicy; workspace: string; key: KeyPolicy | null; model: string },
    demand: () => { input: number; output: number },
  ): MaybePromise<Admission> {
    let ready: MaybePromise<void>;
    try {
      ready = this.#ready();
    } catch (error) {
      return this.#unregistered(error, requestId, target);
    }
    if (ready instanceof Promise) {
      return ready.then(
        () => this.#admit(requestId, policy, target, demand),
        (error: unknown) => this.#unregistered(error, requestId, target),
      );
    }
    return this.#admit(requestId, policy, target, demand);
  }

  #admit(
    requestId: string,
    policy: Policy,
    target: { integration: IntegrationPolicy; workspace: string; key: KeyPolicy | null; model: string },
    demand: () => { input: number; output: number },
  ): MaybePromise<Admission> {
    const { plan, price } = this.#planFor(policy, target);
    if (plan.limits.length === 0) return { id: requestId, plan, counters: [], amounts: [], price, reserved: false, settled: false };
    if (plan.disabledScope) throw new ScopeDisabledError(plan.disabledScope);
    if (plan.costLimit && !price && this.#options.unpricedModels === 'reject') throw new PricingUnknownError(target.model, plan.costLimit.scope);

    const now = this.#clock();
    const { input: inputTokens, output: outputTokens } = demand();
    const tokens = inputTokens + outputTokens;
    const cost = price ? worstCaseCostMicros(inputTokens, outputTokens, price.price) : 0;
    const counters: CounterSpec[] = [];
    const amounts: number[] = [];
    for (const limit of plan.limits) {
      counters.push(counterAt(limit, now, this.#options.reservationTtlMs));
      amounts.push(limit.type === 'requests' ? 1 : limit.type === 'tokens' ? tokens : cost);
    }

    const admission: Admission = { id: requestId, plan, counters, amounts, price, reserved: false, settled: false };
    let admitted = false;
    const decide = (result: AdmitResult): Admission => {
      if (!result.admitted) throw this.#refusal(plan.limits[result.index]!, result.state, amounts[result.index]!, result.first, now);
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
      const release = { reservationId: requestId, handle: result.handle, reserved: true, counters, amounts, actual: counters.map(() => 0), now: this.#clock() };
      void this.#store.settle(release, () => {});
    };
    const result = this.#store.admit({ reservationId: requestId, counters, amounts, now, ttlMs: this.#options.reservationTtlMs }, (r) => {
      if (r.admitted) late(r);
    });
    // Synchronous when the store is (memory): no promise per call on the hot path.
    return result instanceof Promise ? result.then(decide) : decide(result);
  }

  /** The budgets are not registered (the store failed): refuse, or admit unchecked (fail-open). */
  #unregistered(
    error: unknown,
    requestId: string,
    target: { integration: IntegrationPolicy; workspace: string; key: KeyPolicy | null; model: string },
  ): Admission {
    const open = this.#failure.onStoreError === 'fail-open';
    this.#store.announce('register', error, open ? 'admitted' : 'refused');
    if (!open) {
      const cause = error instanceof Error ? error : new Error(String(error));
      throw new StoreUnavailableError(`${this.#store.store.name} store failed to register budgets: ${cause.message}`, cause);
    }
    const price = resolvePrice(target.integration, target.model);
    return { id: requestId, plan: EMPTY_PLAN, counters: [], amounts: [], price, reserved: false, settled: false };
  }

  /**
   * Replaces the reservation by actual usage (null: unknown, e.g. a failed call: tokens and cost
   * are released, the request still counts). Runs once per admission. Returns the call's cost in
   * micro-dollars (null when its price is unknown) and when the store recorded it: callers need
   * not wait, since until then the reservation holds the call's worst case.
   */
  settle(admission: Admission, usage: Usage | null): { cost: number | null; settled: MaybePromise<LimitSnapshot[]> } {
    if (admission.settled) throw new Error(`reservation ${admission.id} settled twice`);
    admission.settled = true;
    const cost = admission.price ? (usage ? costMicros(usage, admission.price.price) : 0) : null;
    const { counters, plan } = admission;
    if (counters.length === 0) return { cost, settled: NO_LIMITS };
    const actual = plan.limits.map((l) => (l.type === 'requests' ? 1 : l.type === 'tokens' ? (usage?.totalTokens ?? 0) : (cost ?? 0)));
    const now = this.#clock();
    const announce = (settled: SettledCounter[]): void => {
      for (let i = 0; i < settled.length; i++) {
        const state = settled[i]!;
        const limit = plan.limits[i]!;
        if (limit.kind !== 'budget' || !(state.alerted || state.exhausted)) continue;
        if (state.alerted) this.#events.emit('budget.alert', { ...this.#budgetEvent(limit, state, now), threshold: limit.budget!.alertThreshold! });
        if (state.exhausted) this.#events.emit('budget.exhausted', { ...this.#budgetEvent(limit, state, now), reason: 'limit-reached' });
      }
    };
    const settled = this.#store.settle(
      { reservationId: admission.id, handle: admission.handle, reserved: admission.reserved, counters, amounts: admission.amounts, actual, now },
      announce,
    );
    if (!(settled instanceof Promise)) {
      if (!settled) return { cost, settled: NO_LIMITS };
      announce(settled);
      return { cost, settled: snapshots(plan.limits, settled) };
    }
    return {
      cost,
      settled: settled.then((result) => {
        if (!result) return NO_LIMITS;
        announce(result);
        return snapshots(plan.limits, result);
      }),
    };
  }

  /** Every limit that applies to the query, with its current usage. */
  async status(policy: Policy, query: StatusQuery): Promise<LimitStatus[]> {
    await this.#ready();
    const now = this.#clock();
    const limits = this.#statusPlan(policy, query).limits.filter((l) => query.kind === undefined || l.kind === query.kind);
    const keys = limits.map((l) => counterAt(l, now, this.#options.reservationTtlMs).key);
    const states = await this.#store.read(keys, now);
    const plan = { limits };
    return plan.limits.map((limit, i) => {
      const state = states[i]!;
      const span = spanAt(limit, now);
      const unit = (n: number) => (limit.type === 'cost' ? microsToUsd(n) : n);
      const status: LimitStatus = {
        scope: limit.scope,
        kind: limit.kind,
        type: limit.type,
        limit: unit(limit.limit),
        used: unit(state.used),
        reserved: unit(state.reserved),
        remaining: unit(Math.max(0, limit.limit - state.used - state.reserved)),
        resetAt: span.end === null ? null : toIso(span.end),
      };
      if (limit.budget) {
        status.reset = limit.budget.reset;
        if (limit.budget.alertThreshold !== undefined) status.alertThreshold = limit.budget.alertThreshold;
        status.since = toIso(span.start);
      } else status.per = limit.rateLimit!.per;
      return status;
    });
  }

  #statusPlan(policy: Policy, query: StatusQuery): LimitPlan {
    const cacheKey = `${query.integration ?? ''}\n${query.workspace ?? ''}\n${query.key ?? ''}`;
    const cache = policy === this.#policy ? this.#statusPlans : null;
    let plan = cache?.get(cacheKey);
    if (!plan) {
      plan = buildPlan(scopesOf(policy, query), (origin, id) => this.#setAt(origin, id));
      cache?.set(cacheKey, plan);
    }
    return plan;
  }

  #setAt(origin: string, id: string): number {
    // A budget the store has not registered yet (a policy change in flight) counts from now.
    return this.#registry.get(`${origin}\n${id}`) ?? this.#clock();
  }

  #planFor(policy: Policy, target: { integration: IntegrationPolicy; workspace: string; key: KeyPolicy | null; model: string }): PlannedCall {
    const { integration, workspace, key, model } = target;
    const cacheKey = `${integration.slug}\n${workspace}\n${key?.id ?? ''}\n${model}`;
    // Plans of a policy that is no longer current are built, not cached (a call that started before a change).
    const cache = policy === this.#policy ? this.#plans : null;
    let planned = cache?.get(cacheKey);
    if (!planned) {
      planned = {
        plan: buildPlan(scopesOf(policy, { integration: integration.slug, workspace, key: key?.id }), (o, id) => this.#setAt(o, id)),
        price: resolvePrice(integration, model),
      };
      cache?.set(cacheKey, planned);
    }
    return planned;
  }

  #refusal(limit: PlannedLimit, state: CounterState, amount: number, first: boolean, now: number): Error {
    const error = this.#refusalError(limit, state, amount, first, now);
    refusals.set(error, [snapshot(limit, state, false, false, true)]);
    return error;
  }

  #refusalError(limit: PlannedLimit, state: CounterState, amount: number, first: boolean, now: number): Error {
    const span = spanAt(limit, now);
    const resetAt = span.end === null ? null : toIso(span.end);
    if (limit.kind === 'budget') {
      if (first) this.#events.emit('budget.exhausted', { ...this.#budgetEvent(limit, state, now), reason: 'refused' });
      const unit = limit.type === 'cost' ? microsToUsd : (n: number) => n;
      return new BudgetExceededError({
        scope: limit.scope,
        limit: limit.budget!.limit,
        used: unit(state.used),
        resetAt,
        unit: limit.type === 'cost' ? 'USD' : 'tokens',
        detail: `${unit(state.reserved)} reserved by calls in flight; this call may need up to ${unit(amount)}`,
      });
    }
    const retryAfterMs = span.end! - now;
    if (first) {
      this.#events.emit('ratelimit.exceeded', {
        scope: limit.scope,
        rateLimit: limit.rateLimit!,
        limit: limit.limit,
        resetAt: resetAt!,
        retryAfterMs,
        at: toIso(now),
      });
    }
    return new RateLimitExceededError({
      scope: limit.scope,
      limit: limit.limit,
      remaining: Math.max(0, limit.limit - state.used - state.reserved),
      resetAt: resetAt!,
      retryAfterMs,
      detail:
        limit.type === 'tokens'
          ? `${limit.limit} tokens per ${limit.rateLimit!.per}; this call may need up to ${amount}`
          : `${limit.limit} requests per ${limit.rateLimit!.per}`,
    });
  }

  #budgetEvent(limit: PlannedLimit, state: CounterState, now: number) {
    const span = spanAt(limit, now);
    const cost = limit.type === 'cost';
    return {
      scope: limit.scope,
      origin: limit.origin!,
      budget: limit.budget!,
      limit: limit.budget!.limit,
      used: cost ? microsToUsd(state.used) : state.used,
      unit: cost ? ('USD' as const) : ('tokens' as const),
      periodStart: toIso(span.start),
      resetAt: span.end === null ? null : toIso(span.end),
      at: toIso(now),
    };
  }
}

// Shared by every event without limits: frozen, so that no consumer can change it for the others.
const NO_LIMITS = Object.freeze([]) as unknown as LimitSnapshot[];

/** The limit that refused a call, by the error it was refused with (for the call's usage event). */
const refusals = new WeakMap<object, LimitSnapshot[]>();

/** The limits of a refused call's usage event: the one that refused it. */
export function refusedLimits(error: unknown): LimitSnapshot[] {
  return (typeof error === 'object' && error !== null && refusals.get(error)) || NO_LIMITS;
}

/**
 * A limit as it stands, in its unit (USD for cost budgets). One object literal of a fixed shape,
 * built in one go: nine of these are made for every call under the full policy.
 */
function snapshot(limit: PlannedLimit, state: CounterState, alerted: boolean, exhausted: boolean, refused: boolean): LimitSnapshot {
  const remaining = Math.max(0, limit.limit - state.used - state.reserved);
  const usd = limit.type === 'cost';
  return {
    scope: limit.scope,
    kind: limit.kind,
    type: limit.type,
    limit: usd ? microsToUsd(limit.limit) : limit.limit,
    used: usd ? microsToUsd(state.used) : state.used,
    remaining: usd ? microsToUsd(remaining) : remaining,
    alerted,
    exhausted,
    refused,
  };
}

function snapshots(limits: readonly PlannedLimit[], settled: readonly SettledCounter[]): LimitSnapshot[] {
  const out = new Array<LimitSnapshot>(settled.length);
  for (let i = 0; i < settled.length; i++) {
    const state = settled[i]!;
    out[i] = snapshot(limits[i]!, state, state.alerted, state.exhausted, false);
  }
  return out;
}

/** The scopes a query covers, each with its limits, outermost first. */
function scopesOf(policy: Policy, query: StatusQuery): Array<readonly [string, ScopeLimits]> {
  const key = query.key === undefined ? null : (policy.keys.get(query.key) ?? null);
  if (query.key !== undefined && !key) throw new KeyNotFoundError(query.key);
  const slug = key?.integration ?? query.integration;
  const workspace = key?.workspace ?? query.workspace;
  const scopes: Array<readonly [string, ScopeLimits]> = [];
  if (slug !== undefined) {
    const integration = policy.integrations.get(slug);
    if (!integration) throw new IntegrationNotFoundError(slug);
    scopes.push([scopeName.integration(slug), integration]);
    if (workspace !== undefined) {
      const grant = resolveGrant(integration, workspace);
      if (!grant) throw new WorkspaceNotProvisionedError(workspace, slug);
      scopes.push([scopeName.grant(slug, workspace), grant]);
    }
  }
  if (workspace !== undefined) scopes.push([scopeName.workspace(workspace), resolveWorkspaceLimits(policy, workspace)]);
  if (key) scopes.push([scopeName.key(key.id), key]);
  return scopes;
}
