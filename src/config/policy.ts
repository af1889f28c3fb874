import { scopeName } from './scope-name.js';
import type { Budget, RateLimit } from './limits-schema.js';
import type { ParsedConfig, ParsedIntegration, ParsedKey } from './parsed-config.js';

/**
 * A budget and where the config defines it (`integration:<slug>`, `grant:<slug>/<workspace or *>`,
 * `workspace:<name or *>`, `key:<id>`). A `'*'` budget has one origin but applies to each
 * workspace separately; the origin is what the store registers (see Store.registerBudgets).
 */
export interface OriginBudget {
  readonly origin: string;
  readonly budget: Budget;
}

/** Budgets and rate limits that apply in one scope. */
export interface ScopeLimits {
  readonly budgets: readonly OriginBudget[];
  readonly rateLimits: readonly RateLimit[];
}

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

export interface KeyPolicy extends ScopeLimits {
  readonly id: string;
  readonly workspace: string;
  readonly integration: string;
  readonly models: ReadonlySet<string> | null;
  /** SHA-256 of the key's token (hex), null for a key that is not used over HTTP. */
  readonly hash: string | null;
  /** Epoch ms from which the key is refused; null: never. */
  readonly expiresAt: number | null;
  /** The scopes the store checks for a revocation at every admission through the key. */
  readonly guards: readonly string[];
}

/** The validated configuration, indexed for the request path. Immutable: a change builds a new one. */
export interface Policy {
  readonly config: ParsedConfig;
  readonly integrations: ReadonlyMap<string, IntegrationPolicy>;
  readonly keys: ReadonlyMap<string, KeyPolicy>;
  /** Keys by the SHA-256 of their token (those that have one). */
  readonly keysByHash: ReadonlyMap<string, KeyPolicy>;
  /** Ids of keys revoked at runtime (`gateway.keys.revoke`): refused as revoked, not as unknown. */
  readonly revokedKeys: ReadonlySet<string>;
  /** Workspace-wide limits by name, `'*'` merged into each named one; `everyWorkspace` for the others. */
  readonly workspaces: ReadonlyMap<string, ScopeLimits>;
  readonly everyWorkspace: ScopeLimits;
}

const OPEN: GrantPolicy = Object.freeze({ models: null, budgets: [], rateLimits: [] });
const NONE: ScopeLimits = Object.freeze({ budgets: [], rateLimits: [] });
const NO_KEYS: ReadonlySet<string> = new Set();

const withOrigin = (origin: string, budgets: readonly Budget[]): OriginBudget[] => budgets.map((budget) => ({ origin, budget }));

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
  named: { models?: string[]; budgets: Budget[]; rateLimits: RateLimit[] },
): GrantPolicy {
  return {
    models: intersect(star?.models ?? null, named.models),
    budgets: [...(star?.budgets ?? []), ...withOrigin(origin, named.budgets)],
    rateLimits: [...(star?.rateLimits ?? []), ...named.rateLimits],
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
  };
}

/** The grant through which `workspace` reaches the integration, or null if it does not. */
export function resolveGrant(integration: IntegrationPolicy, workspace: string): GrantPolicy | null {
  const named = integration.named.get(workspace);
  if (named === false) return null;
  return named ?? integration.everyone;
}

export function buildKeyPolicy(key: ParsedKey): KeyPolicy {
  return {
    id: key.id,
    workspace: key.workspace,
    integration: key.integration,
    models: key.models ? new Set(key.models) : null,
    hash: key.hash ?? null,
    expiresAt: key.expiresAt === undefined ? null : Date.parse(key.expiresAt),
    guards: Object.freeze([scopeName.key(key.id)]),
    budgets: withOrigin(scopeName.key(key.id), key.budgets),
    rateLimits: key.rateLimits,
  };
}

/** The workspace-wide limits of `workspace`. */
export function resolveWorkspaceLimits(policy: Policy, workspace: string): ScopeLimits {
  return policy.workspaces.get(workspace) ?? policy.everyWorkspace;
}

function buildWorkspaceLimits(config: ParsedConfig): { named: Map<string, ScopeLimits>; everyone: ScopeLimits } {
  const star = config.workspaces['*'];
  const everyone: ScopeLimits = star ? { budgets: withOrigin(scopeName.workspace('*'), star.budgets), rateLimits: star.rateLimits } : NONE;
  const named = new Map<string, ScopeLimits>();
  for (const [name, limits] of Object.entries(config.workspaces)) {
    if (name === '*') continue;
    named.set(name, {
      budgets: [...everyone.budgets, ...withOrigin(scopeName.workspace(name), limits.budgets)],
      rateLimits: [...everyone.rateLimits, ...limits.rateLimits],
    });
  }
  return { named, everyone };
}

export function buildPolicy(config: ParsedConfig, revokedKeys: ReadonlySet<string> = NO_KEYS): Policy {
  const workspaces = buildWorkspaceLimits(config);
  const keys = new Map(config.keys.map((k) => [k.id, buildKeyPolicy(k)]));
  const keysByHash = new Map<string, KeyPolicy>();
  for (const key of keys.values()) if (key.hash !== null) keysByHash.set(key.hash, key);
  return {
    config,
    integrations: new Map(config.integrations.map((i) => [i.slug, buildIntegrationPolicy(i)])),
    keys,
    keysByHash,
    revokedKeys,
    workspaces: workspaces.named,
    everyWorkspace: workspaces.everyone,
  };
}

/**
 * Every place the config can define budgets, with the budgets defined there (possibly none, so
 * that a removal reaches the store): what the store registers.
 */
export function budgetOrigins(policy: Policy): Array<{ origin: string; budgets: readonly Budget[] }> {
  const out: Array<{ origin: string; budgets: readonly Budget[] }> = [];
  for (const integration of policy.integrations.values()) {
    out.push({ origin: scopeName.integration(integration.slug), budgets: integration.config.budgets });
    const grants = integration.config.workspaces;
    if (grants === 'all') continue;
    for (const [workspace, grant] of Object.entries(grants)) {
      out.push({ origin: scopeName.grant(integration.slug, workspace), budgets: grant ? grant.budgets : [] });
    }
  }
  for (const [name, limits] of Object.entries(policy.config.workspaces)) out.push({ origin: scopeName.workspace(name), budgets: limits.budgets });
  for (const key of policy.config.keys) out.push({ origin: scopeName.key(key.id), budgets: key.budgets });
  return out;
}
