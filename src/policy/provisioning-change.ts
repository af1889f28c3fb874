import type { ParsedIntegration, ParsedKey } from '../config/parsed-config.js';
import { keyAccessIssues, parseConfig } from '../config/parse-config.js';
import { buildIntegrationPolicy, resolveGrant, type Policy, type PolicyConfig } from '../config/policy.js';
import type { Each } from '../config/limits-schema.js';
import type { GrantConfig } from '../config/types.js';
import { IntegrationNotFoundError, WorkspaceNotProvisionedError } from '../errors/access-errors.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import type { ProvisioningChangeEvent } from '../events/gateway-events.js';
import type { SecretResolver } from '../secrets/secret.js';
import { decodeSecrets, type EncodedCredential } from './encoded-secrets.js';

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
    after = { ...before, credentials: decodeSecrets(change.credentials ?? {}, resolvers) };
  }

  // Only keys whose access the change can alter: the workspace's, or every key when the change
  // is to the integration's allowlist or to its grant to '*'. New credentials alter no access.
  const affected = action === 'rotate-credentials' ? [] : workspace === null || workspace === '*' ? policy.keyTable.entries() : policy.keyTable.inWorkspace(workspace);
  const models = change.models;
  const narrow = narrowKeys && models !== undefined && models !== 'all' ? (m: string) => models.includes(m) || custom.includes(m) : null;
  return replaceIntegration(policy, index, after, affected, `provisioning change (${action} on '${slug}')`, narrow);
}

/**
 * The policy's config with the integration at `index` replaced by `after` (appended, for -1),
 * validated like the startup config, and the integration's keys among `affected` held to it:
 * narrowed to the models `narrow` keeps, when given, and any key the change would widen or
 * orphan reported. Nothing is changed: every gateway computes the same result.
 */
export function replaceIntegration(
  policy: Policy,
  index: number,
  after: ParsedIntegration,
  affected: Iterable<{ config: ParsedKey }>,
  what: string,
  narrow: ((model: string) => boolean) | null = null,
): ProvisioningResult {
  const current = policy.config;
  const integrations = current.integrations.slice();
  const at = index < 0 ? integrations.push(after) - 1 : index;
  integrations[at] = after;
  const parsed = parseConfig({ ...current, integrations, keys: [] }, { requireKeyAccess: false });
  if ('issues' in parsed) throw new ConfigError(parsed.issues, `Invalid ${what}`);
  const { keys: _none, ...config } = parsed.config;
  const keys: ParsedKey[] = [];
  const issues: ConfigIssue[] = [];
  const integrationPolicy = buildIntegrationPolicy(parsed.config.integrations[at]!);
  for (const { config: key } of affected) {
    if (key.integration !== after.slug) continue;
    let next = key;
    if (narrow && key.models) next = { ...key, models: key.models.filter(narrow) };
    if (next !== key) keys.push(next);
    issues.push(...keyAccessIssues(next, integrationPolicy, { requireKeyAccess: false }, (...path) => `keys[${JSON.stringify(key.id)}]${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`));
  }
  if (issues.length > 0) throw new ConfigError(issues, `Invalid ${what}`);
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
