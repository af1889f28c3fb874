import { LRUCache } from 'lru-cache';
import { resolveGrant, resolveWorkspaceLimits, type Policy, type ScopeLimits } from '../config/policy.js';
import { scopeName } from '../config/scope-name.js';
import { IntegrationNotFoundError, KeyNotFoundError, WorkspaceNotProvisionedError } from '../errors/access-errors.js';
import type { CallTarget } from './limiter-context.js';
import { buildPlan, type LimitPlan } from './limit-plan.js';
import { resolvePrice, type ResolvedPrice } from './pricing/resolve-price.js';
import type { StatusQuery } from './limit-status.js';

/** The limits and the price of one kind of call. */
export interface PlannedCall {
  plan: LimitPlan;
  price: ResolvedPrice | null;
}

/**
 * Plans cached per policy: by (integration, workspace, key, model) for calls, one lookup per
 * call, and by query for `status` (an HTTP endpoint reads one per answer for its rate-limit
 * headers). Plans of a policy that is no longer current are built, not cached (a call that
 * started before a change).
 */
export class CallPlans {
  readonly #setAt: (origin: string, id: string) => number;
  #policy: Policy | null = null;
  #calls = new LRUCache<string, PlannedCall>({ max: 10_000 });
  #statuses = new LRUCache<string, LimitPlan>({ max: 10_000 });

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
    this.#statuses.clear();
  }

  forCall(policy: Policy, target: CallTarget): PlannedCall {
    const { integration, workspace, key, model } = target;
    const cacheKey = `${integration.slug}\n${workspace}\n${key?.id ?? ''}\n${model}`;
    const cache = policy === this.#policy ? this.#calls : null;
    let planned = cache?.get(cacheKey);
    if (!planned) {
      planned = {
        plan: buildPlan(scopesOf(policy, { integration: integration.slug, workspace, key: key?.id }), this.#setAt),
        price: resolvePrice(integration, model),
      };
      cache?.set(cacheKey, planned);
    }
    return planned;
  }

  forStatus(policy: Policy, query: StatusQuery): LimitPlan {
    const cacheKey = `${query.integration ?? ''}\n${query.workspace ?? ''}\n${query.key ?? ''}`;
    const cache = policy === this.#policy ? this.#statuses : null;
    let plan = cache?.get(cacheKey);
    if (!plan) {
      plan = buildPlan(scopesOf(policy, query), this.#setAt);
      cache?.set(cacheKey, plan);
    }
    return plan;
  }
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
