import { randomUUID } from 'node:crypto';
import type { ParsedIntegration, ParsedKey } from '../config/parsed-config.js';
import { keyAccessIssues, parseConfig } from '../config/parse-config.js';
import { buildIntegrationPolicy, resolveGrant, type Policy, type PolicyConfig } from '../config/policy.js';
import type { Each } from '../config/limits-schema.js';
import type { GrantConfig } from '../config/types.js';
import { IntegrationNotFoundError, WorkspaceNotProvisionedError } from '../errors/access-errors.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import type { ProvisioningChangeEvent } from '../events/gateway-events.js';
import { isSecret, secretFromReference, secretReference, type Secret, type SecretReference, type SecretResolver } from '../secrets/secret.js';

/** A credential as a change carries it: a reference, or (a store in this process only) a handle. */
export type EncodedCredential = { $secret: SecretReference } | { $local: string } | unknown;

/** One `gateway.provisioning.*` call, as the policy log stores it (JSON). */
export interface ProvisioningChange {
  type: 'provisioning';
  origin: string;
  action: ProvisioningChangeEvent['action'];
  /** Null only for an override of a workspace-wide templated scope. */
  integration: string | null;
  workspace: string | null;
  grant?: GrantConfig;
  models?: 'all' | string[];
  credentials?: Record<string, EncodedCredential>;
  /** An override: the templated scope's attribute, the value, its limits (null: back to its tier's). */
  by?: string;
  value?: string;
  limits?: { budgets?: unknown[]; rateLimits?: unknown[] } | null;
}

type Workspaces = Exclude<ParsedIntegration['workspaces'], 'all'>;

/** Secrets of changes that never leave this process (a memory store), by handle. */
const localSecrets = new Map<string, Secret>();

/**
 * Credentials as a change can carry them. A shared store gets references only (`secret.env`,
 * `secret.ref`): a value would be written to the store, and a loader cannot be written at all.
 */
export function encodeCredentials(credentials: Record<string, unknown>, shared: string | null): Record<string, EncodedCredential> {
  const out: Record<string, EncodedCredential> = {};
  const issues: ConfigIssue[] = [];
  for (const [name, value] of Object.entries(credentials)) {
    if (!isSecret(value)) {
      out[name] = value; // refused by validation, which runs before anything is written
      continue;
    }
    const reference = secretReference(value);
    if (reference) out[name] = { $secret: reference };
    else if (shared === null) {
      const handle = randomUUID();
      localSecrets.set(handle, value);
      out[name] = { $local: handle };
    } else {
      issues.push({
        path: `credentials.${name}`,
        message: `is a ${value.description === 'value' ? 'secret.value' : 'secret.from'}, which cannot be shared through the ${shared} store: every gateway on it applies the change, and the store would hold the key itself (or cannot hold a loader). Use secret.env('NAME') or secret.ref(resolver, name) with createGateway({ secretResolvers })`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid provisioning change (rotate-credentials)');
  return out;
}

/** Secrets of `fields` that name a resolver `resolvers` does not have. */
export function unknownResolvers(fields: Record<string, unknown>, resolvers: Readonly<Record<string, SecretResolver>>, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const reference = isSecret(value) ? secretReference(value) : null;
    if (reference && 'resolver' in reference && !Object.hasOwn(resolvers, reference.resolver)) {
      const known = Object.keys(resolvers);
      issues.push({ path: `${path}.${name}`, message: `secret.ref names resolver '${reference.resolver}', which is not registered (createGateway({ secretResolvers }): ${known.length > 0 ? known.join(', ') : 'none'})` });
    }
  }
  return issues;
}

function decodeCredentials(credentials: Record<string, EncodedCredential>, resolvers: Readonly<Record<string, SecretResolver>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(credentials)) {
    if (value && typeof value === 'object' && '$secret' in value) out[name] = secretFromReference((value as { $secret: SecretReference }).$secret, resolvers);
    else if (value && typeof value === 'object' && '$local' in value) out[name] = localSecrets.get((value as { $local: string }).$local);
    else out[name] = value;
  }
  return out;
}

/** A provisioning change applied to a policy: the new config and the keys it narrowed. */
export interface ProvisioningResult {
  config: PolicyConfig;
  keys: ParsedKey[];
}

/**
 * Applies a provisioning change to `policy` without changing it, validated like the startup
 * config (a grant can only narrow, credentials must be secrets...) and against the keys of the
 * integration. Every gateway computes the same result from the same policy.
 */
export function applyProvisioning(policy: Policy, change: ProvisioningChange, resolvers: Readonly<Record<string, SecretResolver>>): ProvisioningResult {
  if (change.action === 'override') return applyOverride(policy, change);
  const { workspace, action } = change;
  const slug = change.integration!;
  const current = policy.config;
  const index = current.integrations.findIndex((i) => i.slug === slug);
  if (index < 0) throw new IntegrationNotFoundError(slug);
  const before = current.integrations[index]!;
  const custom = before.customModels.map((m) => m.id);
  let after: ParsedIntegration;
  let narrowKeys = false;
  if (action === 'provision') {
    const workspaces: Workspaces = before.workspaces === 'all' ? { '*': {} as never } : { ...before.workspaces };
    workspaces[workspace!] = (change.grant ?? {}) as never;
    after = { ...before, workspaces };
  } else if (action === 'revoke') {
    if (workspace === '*') {
      const { '*': _removed, ...rest } = before.workspaces === 'all' ? {} : before.workspaces;
      after = { ...before, workspaces: rest };
    } else {
      const workspaces: Workspaces = before.workspaces === 'all' ? { '*': {} as never } : { ...before.workspaces };
      if (workspaces['*'] !== undefined) workspaces[workspace!] = false;
      else delete workspaces[workspace!];
      after = { ...before, workspaces };
    }
  } else if (action === 'set-models' && workspace === null) {
    const models = change.models!;
    after = { ...before, models, workspaces: narrowGrants(before.workspaces, models, custom) };
    narrowKeys = true;
  } else if (action === 'set-models') {
    const models = change.models!;
    if (workspace !== '*' && !resolveGrant(policy.integrations.get(slug)!, workspace!)) throw new WorkspaceNotProvisionedError(workspace!, slug);
    const workspaces: Workspaces = before.workspaces === 'all' ? { '*': {} as never } : { ...before.workspaces };
    const base = { ...(workspaces[workspace!] || { budgets: [], rateLimits: [] }) } as { models?: string[] };
    if (models === 'all') delete base.models;
    else base.models = models;
    workspaces[workspace!] = base as never;
    after = { ...before, workspaces };
  } else {
    after = { ...before, credentials: decodeCredentials(change.credentials ?? {}, resolvers) };
  }

  const integrations = current.integrations.slice();
  integrations[index] = after;
  const parsed = parseConfig({ ...current, integrations, keys: [] }, { requireKeyAccess: false });
  if ('issues' in parsed) throw new ConfigError(parsed.issues, `Invalid provisioning change (${action} on '${slug}')`);
  const { keys: _none, ...config } = parsed.config;

  // The integration's keys: narrowed with its allowlist, and held to the new grants.
  const models = change.models;
  const keys: ParsedKey[] = [];
  const issues: ConfigIssue[] = [];
  const integrationPolicy = buildIntegrationPolicy(parsed.config.integrations[index]!);
  // Only keys whose access the change can alter: the workspace's, or every key when the change
  // is to the integration's allowlist or to its grant to '*'. New credentials alter no access.
  const affected = action === 'rotate-credentials' ? [] : workspace === null || workspace === '*' ? policy.keyTable.entries() : policy.keyTable.inWorkspace(workspace);
  for (const { config: key } of affected) {
    if (key.integration !== slug) continue;
    let next = key;
    if (narrowKeys && key.models && models !== 'all' && models) next = { ...key, models: key.models.filter((m) => models.includes(m) || custom.includes(m)) };
    if (next !== key) keys.push(next);
    issues.push(...keyAccessIssues(next, integrationPolicy, { requireKeyAccess: false }, (...path) => `keys[${JSON.stringify(key.id)}]${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`));
  }
  if (issues.length > 0) throw new ConfigError(issues, `Invalid provisioning change (${action} on '${slug}')`);
  return { config, keys };
}

function narrowGrants(workspaces: ParsedIntegration['workspaces'], allowlist: 'all' | string[], custom: string[]): ParsedIntegration['workspaces'] {
  if (workspaces === 'all' || allowlist === 'all') return workspaces;
  const out: Workspaces = {};
  for (const [workspace, grant] of Object.entries(workspaces)) {
    out[workspace] = grant && grant.models ? { ...grant, models: grant.models.filter((m) => allowlist.includes(m) || custom.includes(m)) } : grant;
  }
  return out;
}

type WithEach = { each: Each[] };

/**
 * Sets (or with `limits: null` removes) the limits of one value of a templated scope: on the
 * integration, on its grant to `workspace`, or, without an integration, on the workspace's own
 * limits. The templated scope must be declared there.
 */
function applyOverride(policy: Policy, change: ProvisioningChange): ProvisioningResult {
  const { integration: slug, workspace, by, value, limits } = change;
  const edit = <T extends WithEach>(scope: T, where: string): T => {
    const at = scope.each.findIndex((e) => e.by === by);
    if (at < 0) throw new ConfigError([{ path: 'by', message: `${where} has no limits for each ${by}: declare them in its \`each\` first` }], 'Invalid provisioning change (override)');
    const each = scope.each.slice();
    const overrides = { ...each[at]!.overrides };
    if (limits) overrides[value!] = limits as never;
    else delete overrides[value!];
    each[at] = { ...each[at]!, overrides };
    return { ...scope, each };
  };
  const current = policy.config;
  let config: PolicyConfig;
  if (slug === null) {
    const limits = current.workspaces[workspace!];
    if (!limits) throw new ConfigError([{ path: 'workspace', message: `workspace '${workspace}' has no limits of its own (top-level workspaces)` }], 'Invalid provisioning change (override)');
    config = { ...current, workspaces: { ...current.workspaces, [workspace!]: edit(limits, `workspace '${workspace}'`) } };
  } else {
    const index = current.integrations.findIndex((i) => i.slug === slug);
    if (index < 0) throw new IntegrationNotFoundError(slug);
    const before = current.integrations[index]!;
    let after: ParsedIntegration;
    if (workspace === null) after = edit(before, `integration '${slug}'`);
    else {
      const grant = before.workspaces === 'all' ? undefined : before.workspaces[workspace];
      if (!grant) throw new WorkspaceNotProvisionedError(workspace, slug);
      after = { ...before, workspaces: { ...(before.workspaces as Workspaces), [workspace]: edit(grant as WithEach, `the grant of '${slug}' to '${workspace}'`) as never } };
    }
    const integrations = current.integrations.slice();
    integrations[index] = after;
    config = { ...current, integrations };
  }
  const parsed = parseConfig({ ...config, keys: [] }, { requireKeyAccess: false });
  if ('issues' in parsed) throw new ConfigError(parsed.issues, 'Invalid provisioning change (override)');
  const { keys: _none, ...next } = parsed.config;
  return { config: next, keys: [] };
}
