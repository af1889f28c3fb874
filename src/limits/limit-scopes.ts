import { resolveGrant, type Policy } from '../config/policy.js';
import { scopeName } from '../config/scope-name.js';
import type { Limits, ScopeLimits } from '../config/scope-limits.js';
import type { StatusQuery } from './limit-status.js';

/** A scope with budgets or rate limits of its own, and the `limits.status` query that reads them. */
export interface LimitScope {
  /** As in `limits.status` and errors: `integration:<slug>`, `grant:<slug>/<workspace>`, `workspace:<name>`, `key:<id>`. */
  scope: string;
  query: StatusQuery;
}

const hasLimits = (limits: Limits) => limits.budgets.length > 0 || limits.rateLimits.length > 0;

/** A scope that declares templated scopes (`each`): limits for each user, customer or tag. */
export const hasTemplates = (limits: ScopeLimits) => limits.each.length > 0;

/**
 * Every scope of the policy that has limits of its own: integrations, grants (one per workspace
 * the policy names, a `'*'` grant's limits counting separately for each), workspaces and keys.
 * Templated scopes (`each`) have one per value and are read with `user` or `metadata`: not listed
 * (with `which: hasTemplates`, the scopes that declare them are).
 */
export function limitScopes(policy: Policy, which: (limits: ScopeLimits) => boolean = hasLimits): LimitScope[] {
  const scopes: LimitScope[] = [];
  // Workspaces the policy knows by name: in grants, in workspace limits, as keys' workspaces.
  const workspaces = new Set<string>();
  for (const integration of policy.integrations.values()) for (const name of integration.named.keys()) workspaces.add(name);
  for (const name of policy.workspaces.keys()) workspaces.add(name);
  for (const key of policy.keys.values()) workspaces.add(key.workspace);
  workspaces.delete('*');
  const sorted = [...workspaces].sort();

  for (const integration of policy.integrations.values()) {
    if (which(integration)) scopes.push({ scope: scopeName.integration(integration.slug), query: { integration: integration.slug } });
    for (const workspace of sorted) {
      const grant = resolveGrant(integration, workspace);
      if (grant && which(grant)) scopes.push({ scope: scopeName.grant(integration.slug, workspace), query: { integration: integration.slug, workspace } });
    }
  }
  for (const workspace of sorted) {
    const limits = policy.workspaces.get(workspace) ?? policy.everyWorkspace;
    if (which(limits)) scopes.push({ scope: scopeName.workspace(workspace), query: { workspace } });
  }
  for (const key of policy.keys.values()) if (which(key)) scopes.push({ scope: scopeName.key(key.id), query: { key: key.id } });
  return scopes;
}
