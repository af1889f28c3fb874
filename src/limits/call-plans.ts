import { LRUCache } from 'lru-cache';
import { resolveGrant, resolveWorkspaceLimits, type IntegrationPolicy, type KeyPolicy, type Policy, type ScopeLimits } from '../config/policy.js';
import { scopeName } from '../config/scope-name.js';
import { IntegrationNotFoundError, KeyNotFoundError, WorkspaceNotProvisionedError } from '../errors/access-errors.js';
import type { Target } from '../config/policy.js';
import { combinePlan, planScope, type LimitPlan, type PlannedLimit, type ScopePlan } from './limit-plan.js';
import { resolvePrice, type ResolvedPrice } from './pricing/resolve-price.js';
import type { StatusQuery } from './limit-status.js';

/** The limits and the price of one kind of call, and the scopes the store checks for a revocation. */
export interface PlannedCall {
  plan: LimitPlan;
  price: ResolvedPrice | null;
  /** `grant:<slug>/<workspace>` (and `grant:<slug>/*` when the workspace is reached through it), `key:<id>`. */
  guards: readonly string[];
}

/** Plans kept per key: one per model the key calls; past it the key's plans are rebuilt. */
const PLANS_PER_KEY = 64;

/** Prices kept per integration (models are the caller's to name: a bound, not a leak). */
const PRICES_PER_INTEGRATION = 1_000;

/** Workspaces whose grant guards are kept per integration (beyond it, built per plan: a bound, not a leak). */
const GUARDED_WORKSPACES_PER_INTEGRATION = 10_000;

/**
 * A key's plan of the model it called first (itself the PlannedCall: one object per key), and of
 * its others; held by the key (KeyPolicy.plans), for the plans of one generation.
 */
interface KeyPlans extends PlannedCall {
  generation: object;
  model: string;
  others: Map<string, PlannedCall> | null;
}

/**
 * Plans cached per policy: by (integration, workspace, model) for calls without a key, on the key
 * itself then by model for calls through a key (so that any number of keys costs no lookup per
 * call, and a key change forgets only that key's plans), and by query for `status` (an HTTP
 * endpoint reads one per answer for its rate-limit headers). Plans of a policy that is no longer
 * current are built, not cached (a call that started before a change).
 */
export class CallPlans {
  readonly #setAt: (origin: string, id: string) => number;
  #policy: Policy | null = null;
  #calls = new LRUCache<string, PlannedCall>({ max: 10_000 });
  /**
   * What the keys' plans (KeyPolicy.plans) must have been made with to hold: a new object at each
   * reset, so that a reset forgets every key's plans at once, and another gateway's (on the same
   * key objects) are not taken for this one's.
   */
  #generation: object = {};
  /** Prices by integration policy (replaced, never changed) then model: shared by every key. */
  #prices = new WeakMap<IntegrationPolicy, Map<string, ResolvedPrice | null>>();
  #statuses = new LRUCache<string, LimitPlan>({ max: 10_000 });
  /** The grant guards of each workspace, by integration policy (see grantGuardsOf). */
  #grantGuards = new WeakMap<IntegrationPolicy, Map<string, readonly string[]>>();
  /**
   * The part of plans each scope makes, by its limits object (policies share the objects of
   * scopes a change left alone: a key's, say): the first planned, and those of other scopes or
   * models by `scope\nmodel` (most limits objects, a key's, are planned for one: no map each).
   * Plans hold these parts by reference, so a workspace's limits are held once for all its keys,
   * and a policy change rebuilds a key's plan from parts at the cost of a few lookups.
   */
  #parts = new WeakMap<ScopeLimits, ScopePlan>();
  #otherParts = new WeakMap<ScopeLimits, Map<string, ScopePlan>>();

  constructor(setAt: (origin: string, id: string) => number) {
    this.#setAt = setAt;
  }

  /**
   * Forgets every plan: a new policy, or the store registered its budgets (plans built before
   * carry provisional set times, and so the keys of counters that do not exist).
   */
  reset(policy: Policy): void {
    this.#policy = policy;
    this.#calls.clear();
    this.#generation = {};
    this.#statuses.clear();
  }

  /** Forgets the plans of one key (it changed, or its budgets were registered). */
  forgetKey(id: string): void {
    const key = this.#policy?.keys.get(id);
    if (key) key.plans = null;
    if (this.#statuses.size > 0) this.#statuses.clear();
  }

  forCall(policy: Policy, target: Target): PlannedCall {
    const { integration, workspace, key, model } = target;
    const build = (): PlannedCall => ({
      plan: this.#plan(scopesOf(policy, { integration: integration.slug, workspace }, key), model),
      price: this.#price(integration, model),
      guards: this.#guards(integration, workspace, key),
    });
    if (policy !== this.#policy) return build();
    if (!key) {
      const cacheKey = `${integration.slug}\n${workspace}\n${model}`;
      let planned = this.#calls.get(cacheKey);
      if (!planned) this.#calls.set(cacheKey, (planned = build()));
      return planned;
    }
    let entry = key.plans as KeyPlans | null;
    if (entry?.generation !== this.#generation) {
      // A literal, not a spread of build(): V8 puts the fields a spread adds in a second array
      // (40 bytes more for each of 100,000 keys).
      const { plan, price, guards } = build();
      entry = { plan, price, guards, generation: this.#generation, model, others: null };
      key.plans = entry;
      return entry;
    }
    if (entry.model === model) return entry;
    entry.others ??= new Map();
    let planned = entry.others.get(model);
    if (!planned) {
      if (entry.others.size >= PLANS_PER_KEY) entry.others.clear();
      entry.others.set(model, (planned = build()));
    }
    return planned;
  }

  /** The scopes of a call that a runtime revocation can close; a workspace's are built once for all its keys. */
  #guards(integration: IntegrationPolicy, workspace: string, key: KeyPolicy | null): readonly string[] {
    let byWorkspace = this.#grantGuards.get(integration);
    if (!byWorkspace) this.#grantGuards.set(integration, (byWorkspace = new Map()));
    let guards = byWorkspace.get(workspace);
    if (!guards) {
      guards = grantGuardsOf(integration, workspace);
      if (byWorkspace.size < GUARDED_WORKSPACES_PER_INTEGRATION) byWorkspace.set(workspace, guards);
    }
    return key ? [...guards, key.guard] : guards;
  }

  #price(integration: IntegrationPolicy, model: string): ResolvedPrice | null {
    let prices = this.#prices.get(integration);
    if (!prices) this.#prices.set(integration, (prices = new Map()));
    let price = prices.get(model);
    if (price === undefined) {
      price = resolvePrice(integration, model);
      if (prices.size < PRICES_PER_INTEGRATION) prices.set(model, price);
    }
    return price;
  }

  #plan(scopes: ReadonlyArray<readonly [string, ScopeLimits]>, model: string | null): LimitPlan {
    return combinePlan(scopes.map(([scope, limits]) => this.#part(scope, limits, model)));
  }

  #part(scope: string, limits: ScopeLimits, model: string | null): ScopePlan {
    const first = this.#parts.get(limits);
    const isFirst = first === undefined || (first.scope === scope && first.model === model);
    let part = isFirst ? first : this.#otherParts.get(limits)?.get(`${scope}\n${model}`);
    if (part && setTimesHold(part, this.#setAt)) return part;
    part = planScope(scope, limits, this.#setAt, model);
    if (isFirst) this.#parts.set(limits, part);
    else {
      let others = this.#otherParts.get(limits);
      if (!others) this.#otherParts.set(limits, (others = new Map()));
      others.set(`${scope}\n${model}`, part);
    }
    return part;
  }

  forStatus(policy: Policy, query: StatusQuery): LimitPlan {
    const cacheKey = `${query.integration ?? ''}\n${query.workspace ?? ''}\n${query.key ?? ''}`;
    const cache = policy === this.#policy ? this.#statuses : null;
    let plan = cache?.get(cacheKey);
    if (!plan) {
      plan = this.#plan(scopesOf(policy, query), null);
      cache?.set(cacheKey, plan);
    }
    return plan;
  }
}

/** Whether every budget of a part still has the set time it was planned with (a registration can change it). */
function setTimesHold(part: ScopePlan, setAt: (origin: string, id: string) => number): boolean {
  const holds = (limits: readonly PlannedLimit[]) => limits.every((l) => l.origin === null || l.budgetId === null || setAt(l.origin, l.budgetId) === l.setAt);
  return holds(part.limits) && part.templates.every((t) => holds(t.limits) && [...t.tiers.values()].every(holds) && [...t.overrides.values()].every(holds));
}

/** The grant scopes of a call that a runtime revocation can close (see Store.admit's guards); a key adds its own. */
function grantGuardsOf(integration: IntegrationPolicy, workspace: string): readonly string[] {
  const guards = [scopeName.grant(integration.slug, workspace)];
  if (integration.named.get(workspace) === undefined) guards.push(scopeName.grant(integration.slug, '*'));
  return guards;
}

/** The scopes a query covers, each with its limits, outermost first. */
function scopesOf(policy: Policy, query: StatusQuery, callKey?: KeyPolicy | null): Array<readonly [string, ScopeLimits]> {
  const key = callKey !== undefined ? callKey : query.key === undefined ? null : (policy.keys.get(query.key) ?? null);
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
  if (key) scopes.push([key.scope, key]);
  return scopes;
}
