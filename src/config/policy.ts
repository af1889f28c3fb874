import { scopeName } from './scope-name.js';
import type { Budget, Each, RateLimit } from './limits-schema.js';
import type { KeyPolicy } from './key-policy.js';
import { eachBudgetOrigins, withEach, withOrigin, type ScopeLimits } from './scope-limits.js';

export type { KeyPolicy } from './key-policy.js';
export { buildKeyPolicy } from './key-policy.js';
export type { OriginBudget, ScopeLimits } from './scope-limits.js';
import type { KeyPolicies, KeyTable } from './key-table.js';
import type { ParsedConfig, ParsedIntegration } from './parsed-config.js';

/** What one workspace received from one integration: model subset (null = no narrowing) and limits. */
export interface GrantPolicy extends ScopeLimits {
  readonly models: ReadonlySet<string> | null;
}

export interface IntegrationPolicy extends ScopeLimits {
  readonly slug: string;
  readonly provider: string;
  readonly config: ParsedIntegration;
  /** Allowlist plus custom models; null for `'all'`. */
  readonly models: ReadonlySet<string> | null;
  /** Grants by workspace, `'*'` already merged into each named one; `false` = excluded. */
  readonly named: ReadonlyMap<string, GrantPolicy | false>;
  /** The grant of every workspace not named (from `'*'` or `'all'`); null = not provisioned. */
  readonly everyone: GrantPolicy | null;
}


/** The configuration but its keys, which live in the policy's `KeyTable`. */
/**
 * Where a call goes: the integration, the workspace it is made for, the key (if any), the model.
 * The scopes it passes through, for access, limits and pricing.
 */
export interface Target {
  integration: IntegrationPolicy;
  workspace: string;
  key: KeyPolicy | null;
  /** The provider's model id (the part after `@slug/`). */
  model: string;
}

export type PolicyConfig = Omit<ParsedConfig, 'keys'>;

/**
 * The validated configuration, indexed for the request path. Immutable but for its keys: a
 * provisioning change builds a new policy; a key change updates the key table all the policies
 * of a gateway share (see KeyTable), so that it costs O(1) with any number of keys.
 */
export interface Policy {
  readonly config: PolicyConfig;
  readonly integrations: ReadonlyMap<string, IntegrationPolicy>;
  readonly keyTable: KeyTable;
  /** Key policies by id (the key table's). */
  readonly keys: KeyPolicies;
  /** Keys by the SHA-256 of their token (those that have one). */
  readonly keysByHash: ReadonlyMap<string, KeyPolicy>;
  /** Ids of keys revoked at runtime (`gateway.keys.revoke`): refused as revoked, not as unknown. */
  readonly revokedKeys: ReadonlySet<string>;
  /** Workspace-wide limits by name, `'*'` merged into each named one; `everyWorkspace` for the others. */
  readonly workspaces: ReadonlyMap<string, ScopeLimits>;
  readonly everyWorkspace: ScopeLimits;
}

const OPEN: GrantPolicy = Object.freeze({ models: null, budgets: [], rateLimits: [], each: [] });
const NONE: ScopeLimits = Object.freeze({ budgets: [], rateLimits: [], each: [] });


function intersect(a: ReadonlySet<string> | null, b: readonly string[] | undefined): ReadonlySet<string> | null {
  if (!b) return a;
  return a ? new Set(b.filter((m) => a.has(m))) : new Set(b);
}

/**
 * A workspace named next to `'*'` gets both: `'*'` applies to every workspace and a named grant
 * can only add restrictions (narrower models, more limits), never lift one.
 */
function mergeGrants(
  star: GrantPolicy | null,
  origin: string,
  named: { models?: string[]; budgets: Budget[]; rateLimits: RateLimit[]; each: Each[] },
): GrantPolicy {
  return {
    models: intersect(star?.models ?? null, named.models),
    budgets: [...(star?.budgets ?? []), ...withOrigin(origin, named.budgets)],
    rateLimits: [...(star?.rateLimits ?? []), ...named.rateLimits],
    each: [...(star?.each ?? []), ...withEach(origin, named.each)],
  };
}

export function buildIntegrationPolicy(config: ParsedIntegration): IntegrationPolicy {
  const models = config.models === 'all' ? null : new Set([...config.models, ...config.customModels.map((m) => m.id)]);
  const named = new Map<string, GrantPolicy | false>();
  let everyone: GrantPolicy | null = null;
  if (config.workspaces === 'all') everyone = OPEN;
  else {
    const star = config.workspaces['*'];
    everyone = star ? mergeGrants(null, scopeName.grant(config.slug, '*'), star) : null;
    for (const [workspace, grant] of Object.entries(config.workspaces)) {
      if (workspace === '*') continue;
      named.set(workspace, grant === false ? false : mergeGrants(everyone, scopeName.grant(config.slug, workspace), grant));
    }
  }
  return {
    slug: config.slug,
    provider: config.provider,
    config,
    models,
    named,
    everyone,
    budgets: withOrigin(scopeName.integration(config.slug), config.budgets),
    rateLimits: config.rateLimits,
    each: withEach(scopeName.integration(config.slug), config.each),
  };
}

/** The grant through which `workspace` reaches the integration, or null if it does not. */
export function resolveGrant(integration: IntegrationPolicy, workspace: string): GrantPolicy | null {
  const named = integration.named.get(workspace);
  if (named === false) return null;
  return named ?? integration.everyone;
}


/** The workspace-wide limits of `workspace`. */
export function resolveWorkspaceLimits(policy: Policy, workspace: string): ScopeLimits {
  return policy.workspaces.get(workspace) ?? policy.everyWorkspace;
}

function buildWorkspaceLimits(config: PolicyConfig): { named: Map<string, ScopeLimits>; everyone: ScopeLimits } {
  const star = config.workspaces['*'];
  const everyone: ScopeLimits = star
    ? { budgets: withOrigin(scopeName.workspace('*'), star.budgets), rateLimits: star.rateLimits, each: withEach(scopeName.workspace('*'), star.each) }
    : NONE;
  const named = new Map<string, ScopeLimits>();
  for (const [name, limits] of Object.entries(config.workspaces)) {
    if (name === '*') continue;
    named.set(name, {
      budgets: [...everyone.budgets, ...withOrigin(scopeName.workspace(name), limits.budgets)],
      rateLimits: [...everyone.rateLimits, ...limits.rateLimits],
      each: [...everyone.each, ...withEach(scopeName.workspace(name), limits.each)],
    });
  }
  return { named, everyone };
}

/** The policy of a config, with `keys` as its key table (shared with the gateway's other policies). */
export function buildPolicy(config: PolicyConfig, keys: KeyTable): Policy {
  const { keys: _static, ...rest } = config as ParsedConfig;
  const workspaces = buildWorkspaceLimits(config);
  return {
    config: rest,
    integrations: new Map(config.integrations.map((i) => [i.slug, buildIntegrationPolicy(i)])),
    keyTable: keys,
    keys: keys.policies,
    keysByHash: keys.byHash,
    revokedKeys: keys.revoked,
    workspaces: workspaces.named,
    everyWorkspace: workspaces.everyone,
  };
}

/**
 * Every place the config can define budgets, with the budgets defined there (possibly none, so
 * that a removal reaches the store): what the store registers. Keys only with `withKeys` (at
 * start), and runtime keys only with budgets: a change that gives or takes them registers them.
 */
export function budgetOrigins(policy: Policy, withKeys: boolean): Array<{ origin: string; budgets: readonly Budget[] }> {
  const out: Array<{ origin: string; budgets: readonly Budget[] }> = [];
  const add = (origin: string, limits: { budgets: readonly Budget[]; each: readonly Each[] }) => {
    out.push({ origin, budgets: limits.budgets });
    if (limits.each.length > 0) out.push(...eachBudgetOrigins(origin, limits.each));
  };
  for (const integration of policy.integrations.values()) {
    add(scopeName.integration(integration.slug), integration.config);
    const grants = integration.config.workspaces;
    if (grants === 'all') continue;
    for (const [workspace, grant] of Object.entries(grants)) add(scopeName.grant(integration.slug, workspace), grant || { budgets: [], each: [] });
  }
  for (const [name, limits] of Object.entries(policy.config.workspaces)) add(scopeName.workspace(name), limits);
  if (!withKeys) return out;
  for (const { config: key, policy: keyPolicy, createdAt } of policy.keyTable.entries()) {
    // Runtime keys register their budgets as they change; those of the config, at each start.
    if (key.budgets.length > 0 || key.each.length > 0 || createdAt === null) add(keyPolicy.scope, key);
  }
  return out;
}
