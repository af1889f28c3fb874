import type { Budget } from '../config/limits-schema.js';
import { randomUUID } from 'node:crypto';
import { toIso } from '../util/to-iso.js';
import { keepsLedger, keepsPolicyLog, noticesCapacity } from '../stores/store-capabilities.js';
import type { Policy } from '../config/policy.js';
import { scopeName } from '../config/scope-name.js';
import { StoreUnavailableError } from '../errors/runtime-errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type { LimitSnapshot } from '../events/usage-event.js';
import type { LedgerEntry, MaybePromise, Store } from '../stores/store.js';
import type { ChatRequestBody, EmbeddingRequestBody } from '../usage/chat-types.js';
import { estimateEmbeddingTokens, estimateInputTokens, estimateInputTokensUpperBound } from '../usage/estimate-tokens.js';
import type { Usage } from '../usage/usage.js';
import { reserveCall, unreserved, type Admission, type Demand } from './reserve-call.js';
import { BudgetRegistry } from './budget-registry.js';
import { CallPlans } from './call-plans.js';
import { GuardedStore, type StoreFailurePolicy, type StoreStats } from './guarded-store.js';
import type { LimiterContext, LimitsOptions } from './limiter-context.js';
import type { Target } from '../config/policy.js';
import { readStatus, type LimitStatus, type StatusQuery } from './limit-status.js';
import { bindPlan, type CallAttributes, type LimitPlan } from './limit-plan.js';
import { resolvePrice } from './pricing/resolve-price.js';
import { settleCall } from './settle-call.js';
import { WaitRoom } from './wait-room.js';
import type { CallAbout } from './call-note.js';
import { nearestLimits, type NearestLimit, type NearestQuery } from './nearest-limits.js';

const EMPTY_PLAN: LimitPlan = Object.freeze({ limits: [], disabledScope: null, costLimit: null, metersOutput: false, hasConcurrency: false, templates: [] });

/** A call without the attributes templated scopes need: refused by any template. */
const NO_ATTRIBUTES: CallAttributes = Object.freeze({ user: null, metadata: Object.freeze({}), tier: () => null });

/**
 * Budgets and rate limits: plans the counters a call touches in every scope, admits it with one
 * atomic store call (check and reserve everything, or nothing), settles it with one more.
 */
export class Limiter {
  readonly #ctx: LimiterContext;
  readonly #failure: StoreFailurePolicy;
  readonly #registry: BudgetRegistry;
  readonly #plans: CallPlans;
  #policy: Policy | null = null;
  /** Calls waiting for capacity (`wait`), woken as slots are given back and windows reset. */
  readonly waitRoom = new WaitRoom();
  /** This limiter among the gateways on the store: its own release notices are not news to it. */
  readonly #origin = randomUUID();
  #watching: { stop(): void } | null = null;
  /** Integrations whose provider said it has nothing left, until when (epoch ms). */
  readonly #holds = new Map<string, number>();

  constructor(store: Store, events: GatewayEvents, options: LimitsOptions, failure: StoreFailurePolicy, clock: () => number) {
    this.#ctx = { store: new GuardedStore(store, failure, events, clock), events, options, clock, guarded: keepsPolicyLog(store) };
    this.#failure = failure;
    this.#plans = new CallPlans((origin, id) => this.#registry.setAt(origin, id));
    this.#registry = new BudgetRegistry(this.#ctx, () => this.#plans.reset(this.#policy!));
    this.#watchCapacity();
  }

  get store(): Store {
    return this.#ctx.store.store;
  }

  /** How long one store call may take (`storeTimeoutMs`). */
  get storeTimeoutMs(): number {
    return this.#failure.timeoutMs;
  }

  /** The store behind the failure policy (timeouts, degraded announcements). */
  get guardedStore(): GuardedStore {
    return this.#ctx.store;
  }

  /** Resolves once every deferred settlement is recorded or given up. */
  flush(): Promise<void> {
    return this.#ctx.store.flush();
  }

  stats(): StoreStats {
    return this.#ctx.store.stats();
  }

  /**
   * Switches to a new policy and registers its budgets with the store. Calls wait for the
   * registration; with the memory store it completes at once.
   */
  usePolicy(policy: Policy): void {
    this.#policy = policy;
    this.#plans.reset(policy);
    this.#registry.use(policy);
  }

  /**
   * A runtime key changed in the current policy's key table: forgets its plans and, when its
   * budgets changed (`budgets` given, possibly empty), registers them. Resolves once registered.
   */
  useKey(id: string, budgets: readonly Budget[] | null): MaybePromise<void> {
    this.#plans.forgetKey(id);
    if (budgets === null) return;
    return this.#registry.useKey(scopeName.key(id), budgets, () => this.#plans.forgetKey(id));
  }

  /**
   * Checks the call against every limit of every scope and reserves its worst case on all of
   * them, or refuses it with the error of the first limit without room and reserves nothing.
   */
  admit(requestId: string, policy: Policy, target: Target, body: ChatRequestBody, attributes: CallAttributes = NO_ATTRIBUTES, about?: CallAbout): MaybePromise<Admission> {
    const { inputEstimate, defaultMaxOutputTokens } = this.#ctx.options;
    const asked = body.max_completion_tokens ?? body.max_tokens;
    return this.#admitDemand(requestId, policy, target, {
      input: () => (inputEstimate === 'upper-bound' ? estimateInputTokensUpperBound(body.messages, body.tools) : estimateInputTokens(body.messages, body.tools)),
      output: asked ?? defaultMaxOutputTokens,
      choices: body.n ?? 1,
      flexible: asked == null,
    }, attributes, about);
  }

  /** Admission of an embeddings call: its input tokens, no output. */
  admitEmbeddings(requestId: string, policy: Policy, target: Target, input: EmbeddingRequestBody['input'], attributes: CallAttributes = NO_ATTRIBUTES, about?: CallAbout): MaybePromise<Admission> {
    return this.#admitDemand(requestId, policy, target, {
      input: () => estimateEmbeddingTokens(input, this.#ctx.options.inputEstimate === 'upper-bound'),
      output: 0,
      choices: 1,
      flexible: false,
    }, attributes, about);
  }

  #admitDemand(requestId: string, policy: Policy, target: Target, demand: Demand, attributes: CallAttributes, about: CallAbout | undefined): MaybePromise<Admission> {
    let ready: MaybePromise<void>;
    try {
      ready = this.#registry.ready();
    } catch (error) {
      return this.#unregistered(error, requestId, target);
    }
    if (ready instanceof Promise) {
      return ready.then(
        () => reserveCall(this.#ctx, requestId, this.#plans.forCall(policy, target), target, demand, attributes, about),
        (error: unknown) => this.#unregistered(error, requestId, target),
      );
    }
    return reserveCall(this.#ctx, requestId, this.#plans.forCall(policy, target), target, demand, attributes, about);
  }

  /** The budgets are not registered (the store failed): refuse, or admit unchecked (fail-open). */
  #unregistered(error: unknown, requestId: string, target: Target): Admission {
    const open = this.#failure.onStoreError === 'fail-open';
    const store = this.#ctx.store;
    store.announce('register', error, open ? 'admitted' : 'refused');
    if (!open) {
      const cause = error instanceof Error ? error : new Error(String(error));
      throw new StoreUnavailableError(`${store.store.name} store failed to register budgets: ${cause.message}`, cause);
    }
    return unreserved(requestId, EMPTY_PLAN, resolvePrice(target.integration, target.model));
  }

  /**
   * Replaces the admission's reservation by the usage (see settleCall). `entry` makes the call's
   * ledger row, asked for only when the store keeps a ledger (`Store.ledger`).
   */
  settle(admission: Admission, usage: Usage | null, entry?: () => LedgerEntry, chargeProviderCost = false): { cost: number | null; settled: MaybePromise<LimitSnapshot[]> } {
    const result = settleCall(this.#ctx, admission, usage, entry && keepsLedger(this.#ctx.store.store) ? entry() : undefined, chargeProviderCost);
    if (admission.reserved && admission.plan.hasConcurrency) {
      // The slots are given back once the store has the settlement: then a waiter may take one.
      const release = () => {
        const scopes: string[] = [];
        for (const limit of admission.plan.limits) if (limit.type === 'concurrency') scopes.push(limit.scope);
        for (const scope of scopes) this.waitRoom.released(scope);
        // And to the other gateways on the store, whose waiters may take the slots.
        this.#announce(scopes.map((scope) => `r ${scope}`));
      };
      if (result.settled instanceof Promise) void result.settled.then(release, release);
      else release();
    }
    return result;
  }

  /**
   * The provider of `integration` said it has nothing left until `until` (epoch ms): calls to it
   * wait or are refused until then (see providerHold), here and, told through the store, in every
   * gateway on it. A later time extends the hold; an earlier one changes nothing.
   */
  holdProvider(integration: string, until: number, reason: string, told = false): void {
    const now = this.#ctx.clock();
    if (until <= now || until <= (this.#holds.get(integration) ?? 0)) return;
    this.#holds.set(integration, until);
    this.#ctx.events.emit('provider.limited', { integration, until: toIso(until), retryAfterMs: until - now, reason, told, at: toIso(now) });
    if (!told) this.#announce([`h ${integration} ${until} ${reason}`]);
  }

  /** Until when calls to `integration` are held by its provider's limit; null when they are not. */
  providerHold(integration: string): number | null {
    if (this.#holds.size === 0) return null;
    const until = this.#holds.get(integration);
    if (until === undefined) return null;
    if (until > this.#ctx.clock()) return until;
    this.#holds.delete(integration);
    return null;
  }

  /** Tells the other gateways on the store (when it can): a slot given back (`r scope`), a provider's hold (`h slug until reason`). */
  #announce(notices: string[]): void {
    const store = this.#ctx.store.store;
    if (!noticesCapacity(store)) return;
    try {
      const told = store.announceCapacity(notices, this.#origin);
      if (told instanceof Promise) told.catch(() => {});
    } catch {
      // A notice lost leaves the other gateways to what their own calls tell them.
    }
  }

  /** Hears the other gateways on the store: their slots given back wake waiters here, their providers' holds hold calls here. */
  #watchCapacity(): void {
    const store = this.#ctx.store.store;
    if (!noticesCapacity(store)) return;
    const watch = store.watchCapacity((notice, origin) => {
      if (origin === this.#origin) return;
      if (notice.startsWith('r ')) this.waitRoom.released(notice.slice(2));
      else if (notice.startsWith('h ')) {
        const [integration, until, reason] = notice.slice(2).split(' ');
        if (integration && Number.isFinite(Number(until))) this.holdProvider(integration, Number(until), reason ?? 'requests', true);
      }
    });
    this.#watching = watch;
    // Slots given back before the subscription was on: every waiter tries again once it is.
    watch.ready?.then(
      () => this.waitRoom.retryAll(),
      () => {},
    );
  }

  /** Stops hearing the other gateways (the gateway is closing). */
  close(): void {
    this.#watching?.stop();
  }

  /** See nearestLimits. */
  async nearest(policy: Policy, query: Required<NearestQuery>): Promise<NearestLimit[]> {
    await this.#registry.ready();
    return nearestLimits(this.#ctx, this.#plans, policy, query);
  }

  /** Every limit that applies to the query, with its current usage. */
  async status(policy: Policy, query: StatusQuery, tier: () => string | null = () => null): Promise<LimitStatus[]> {
    await this.#registry.ready();
    // The counters of the user or metadata values the query names; templates keyed by others are left out.
    const attributes: CallAttributes = { user: query.user ?? null, metadata: query.metadata ?? {}, tier };
    return readStatus(this.#ctx, bindPlan(this.#plans.forStatus(policy, query), attributes, true), query.kind);
  }
}
