import { scopeName } from '../config/scope-name.js';
import type { AuditAction, AuditEntry } from '../events/audit-entry.js';
import { secretLabel } from './encoded-secrets.js';
import type { PolicyChange } from './policy-change.js';

/**
 * A change of the policy log as the audit shows it. Built from the logged change alone (every
 * process shows the same entry) and from fields that hold no token, hash or secret value: a key
 * is named by its id, a credential by its reference.
 */
export function auditEntryOf(version: number, change: PolicyChange): AuditEntry {
  const [action, target, summary] = describe(change);
  return {
    version,
    at: change.at ?? (change.type === 'key.create' ? change.createdAt : null),
    actor: change.actor ?? null,
    action,
    target,
    reason: change.reason ?? null,
    origin: change.origin,
    summary,
  };
}

function describe(change: PolicyChange): [AuditAction, string, string] {
  switch (change.type) {
    case 'key.create': {
      const key = change.key;
      const details = [key.name !== undefined ? `name '${key.name}'` : null, key.models ? `models ${list(key.models)}` : null, ...limitCounts(key), key.expiresAt ? `expires ${key.expiresAt}` : null];
      return ['key.create', scopeName.key(key.id), `created key '${key.id}' for workspace '${key.workspace}' on '${key.integration}'${parenthesized(details)}`];
    }
    case 'key.update':
      return ['key.update', scopeName.key(change.id), `changed ${fields(Object.keys(change.patch))} of key '${change.id}'`];
    case 'key.revoke':
      return ['key.revoke', scopeName.key(change.id), `revoked key '${change.id}'`];
    case 'key.rotate': {
      const previous = change.previousValidUntil === null ? 'the previous token stopped working at once' : `the previous token works until ${change.previousValidUntil}`;
      return ['key.rotate', scopeName.key(change.id), `rotated the token of key '${change.id}': ${previous}`];
    }
    case 'integration': {
      const target = scopeName.integration(change.slug);
      if (change.action === 'create') return ['integration.create', target, `created integration '${change.slug}' (provider ${String((change.config as { provider?: unknown }).provider)})`];
      if (change.action === 'update') return ['integration.update', target, `changed ${fields(Object.keys(change.changes ?? {}))} of integration '${change.slug}'`];
      return [`integration.${change.action}` as AuditAction, target, `${change.action}d integration '${change.slug}'`];
    }
    case 'provisioning':
      return describeProvisioning(change);
  }
}

function describeProvisioning(change: Extract<PolicyChange, { type: 'provisioning' }>): [AuditAction, string, string] {
  const slug = change.integration;
  const workspace = change.workspace;
  const grantTarget = slug !== null && workspace !== null ? scopeName.grant(slug, workspace) : null;
  const integrationTarget = slug !== null ? scopeName.integration(slug) : scopeName.workspace(workspace ?? '');
  const who = (w: string) => (w === '*' ? 'every workspace' : `workspace '${w}'`);
  switch (change.action) {
    case 'provision': {
      const grant = change.grant ?? {};
      const details = [grant.models ? `models ${list(grant.models)}` : 'every model of the integration', ...limitCounts(grant)];
      return ['provisioning.provision', grantTarget!, `provisioned '${slug}' to ${who(workspace!)}${parenthesized(details)}`];
    }
    case 'revoke':
      return ['provisioning.revoke', grantTarget!, `revoked the access of ${who(workspace!)} to '${slug}'`];
    case 'set-models': {
      const models = change.models === 'all' ? 'all' : list(change.models ?? []);
      return workspace === null
        ? ['provisioning.set-models', integrationTarget, `set the models of integration '${slug}' to ${models}`]
        : ['provisioning.set-models', grantTarget!, `set the models of ${who(workspace)} on '${slug}' to ${models}`];
    }
    case 'rotate-credentials': {
      const credentials = Object.entries(change.credentials ?? {}).map(([name, value]) => `${name} (${secretLabel(value)})`);
      return ['provisioning.rotate-credentials', integrationTarget, `replaced the credentials of integration '${slug}': ${credentials.join(', ') || 'none'}`];
    }
    case 'override': {
      const scope = grantTarget ?? (slug !== null ? scopeName.integration(slug) : scopeName.workspace(workspace!));
      const limits = change.limits === null || change.limits === undefined ? 'back to the limits of its tier' : `its own limits${parenthesized(limitCounts(change.limits))}`;
      return ['provisioning.override', scope, `gave ${change.by} '${change.value}' of ${scope} ${limits}`];
    }
  }
}

function limitCounts(scope: { budgets?: unknown[]; rateLimits?: unknown[] }): Array<string | null> {
  const count = (n: number, one: string) => (n === 0 ? null : `${n} ${one}${n === 1 ? '' : 's'}`);
  return [count(scope.budgets?.length ?? 0, 'budget'), count(scope.rateLimits?.length ?? 0, 'rate limit')];
}

function parenthesized(details: Array<string | null>): string {
  const kept = details.filter((d): d is string => d !== null);
  return kept.length === 0 ? '' : ` (${kept.join('; ')})`;
}

const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));

/** `name`, `name and models`, `name, models and budgets`. */
function fields(names: string[]): string {
  if (names.length === 0) return 'nothing';
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
