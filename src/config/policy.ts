import type { Budget, RateLimit } from './limits-schema.js';
import type { ParsedConfig, ParsedIntegration, ParsedKey, ParsedWorkspacePolicy } from './parse-config.js';

/** What one workspace received from one integration: model subset (null = no narrowing) and limits. */
export interface GrantPolicy {
  readonly models: ReadonlySet<string> | null;
  readonly budgets: readonly Budget[];
  readonly rateLimits: readonly RateLimit[];
}

export interface IntegrationPolicy {
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

export interface KeyPolicy {
  readonly id: string;
  readonly workspace: string;
  readonly integration: string;
  readonly models: ReadonlySet<string> | null;
  readonly budgets: readonly Budget[];
  readonly rateLimits: readonly RateLimit[];
}

/** The validated configuration, indexed for the request path. Immutable: a change builds a new one. */
export interface Policy {
  readonly config: ParsedConfig;
  readonly integrations: ReadonlyMap<string, IntegrationPolicy>;
  readonly keys: ReadonlyMap<string, KeyPolicy>;
  readonly workspaces: ReadonlyMap<string, ParsedWorkspacePolicy>;
}

const OPEN: GrantPolicy = Object.freeze({ models: null, budgets: [], rateLimits: [] });

function intersect(a: ReadonlySet<string> | null, b: readonly string[] | undefined): ReadonlySet<string> | null {
  if (!b) return a;
  return a ? new Set(b.filter((m) => a.has(m))) : new Set(b);
}

/**
 * A workspace named next to `'*'` gets both: `'*'` applies to every workspace and a named grant
 * can only add restrictions (narrower models, more limits), never lift one.
 */
function mergeGrants(star: GrantPolicy | null, named: { models?: string[]; budgets: Budget[]; rateLimits: RateLimit[] }): GrantPolicy {
  return {
    models: intersect(star?.models ?? null, named.models),
    budgets: [...(star?.budgets ?? []), ...named.budgets],
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
    everyone = star ? mergeGrants(null, star) : null;
    for (const [workspace, grant] of Object.entries(config.workspaces)) {
      if (workspace === '*') continue;
      named.set(workspace, grant === false ? false : mergeGrants(everyone, grant));
    }
  }
  return { slug: config.slug, provider: config.provider, config, models, named, everyone };
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
    budgets: key.budgets,
    rateLimits: key.rateLimits,
  };
}

export function buildPolicy(config: ParsedConfig): Policy {
  return {
    config,
    integrations: new Map(config.integrations.map((i) => [i.slug, buildIntegrationPolicy(i)])),
    keys: new Map(config.keys.map((k) => [k.id, buildKeyPolicy(k)])),
    workspaces: new Map(Object.entries(config.workspaces)),
  };
}
