import type { ParsedConfig, ParsedIntegration } from '../config/parsed-config.js';
import { parseConfig } from '../config/parse-config.js';
import { buildPolicy } from '../config/policy.js';
import type { GrantConfig } from '../config/types.js';
import { ConfigError } from '../errors/config-error.js';
import { IntegrationNotFoundError, WorkspaceNotProvisionedError } from '../errors/access-errors.js';
import { resolveGrant } from '../config/policy.js';
import type { ProvisioningChangeEvent } from '../events/gateway-events.js';
import type { GatewayState } from './gateway-state.js';

type Workspaces = Exclude<ParsedIntegration['workspaces'], 'all'>;

/**
 * Changes who reaches what, while the gateway runs. Each change is validated like the startup
 * config (a grant can only narrow, credentials must be secrets...) and applies from the next
 * request: calls already running keep the policy they started with.
 */
export class Provisioning {
  readonly #state: GatewayState;

  constructor(state: GatewayState) {
    this.#state = state;
  }

  /**
   * Gives `workspace` (or `'*'`: every workspace) access to `integration`, replacing its
   * previous grant.
   * @example gateway.provisioning.provision({ integration: 'openai-prod', workspace: 'team-b', models: ['gpt-4o-mini'] })
   */
  provision(input: { integration: string; workspace: string } & GrantConfig): void {
    const { integration, workspace, ...grant } = input;
    this.#change('provision', integration, workspace, (i) => {
      const workspaces: Workspaces = i.workspaces === 'all' ? { '*': {} as never } : { ...i.workspaces };
      workspaces[workspace] = grant as never;
      return { ...i, workspaces };
    });
  }

  /**
   * Takes `integration` away from `workspace` (or `'*'`: the grant of every workspace not named).
   * A workspace covered by `'*'` or `'all'` is excluded explicitly. Its keys are refused from the next request.
   */
  revoke(input: { integration: string; workspace: string }): void {
    const { integration, workspace } = input;
    this.#change('revoke', integration, workspace, (i) => {
      if (workspace === '*') {
        if (i.workspaces === 'all') return { ...i, workspaces: {} };
        const { '*': _removed, ...rest } = i.workspaces;
        return { ...i, workspaces: rest };
      }
      const workspaces: Workspaces = i.workspaces === 'all' ? { '*': {} as never } : { ...i.workspaces };
      if (workspaces['*'] !== undefined) workspaces[workspace] = false;
      else delete workspaces[workspace];
      return { ...i, workspaces };
    });
  }

  /**
   * Sets the models of `workspace`'s grant, or without `workspace` the integration's allowlist
   * (`'all'` lifts it). A grant's models must stay within the integration's. Narrowing the
   * integration also narrows the grants and keys that listed a model it no longer allows.
   */
  setModels(input: { integration: string; workspace?: string; models: 'all' | string[] }): void {
    const { integration, workspace, models } = input;
    if (workspace === undefined) {
      let custom: string[] = [];
      this.#change(
        'set-models',
        integration,
        null,
        (i) => {
          custom = i.customModels.map((m) => m.id);
          return { ...i, models, workspaces: narrowGrants(i.workspaces, models, custom) };
        },
        (keys) => keys.map((k) => (k.integration === integration && k.models ? { ...k, models: narrow(k.models, models, custom) } : k)),
      );
      return;
    }
    this.#change('set-models', integration, workspace, (i) => {
      const integrationPolicy = this.#state.policy.integrations.get(i.slug)!;
      if (workspace !== '*' && !resolveGrant(integrationPolicy, workspace)) throw new WorkspaceNotProvisionedError(workspace, i.slug);
      const workspaces: Workspaces = i.workspaces === 'all' ? { '*': {} as never } : { ...i.workspaces };
      const current = workspaces[workspace];
      const base = current ? { ...current } : { budgets: [], rateLimits: [] };
      if (models === 'all') delete (base as { models?: string[] }).models;
      else (base as { models?: string[] }).models = models;
      workspaces[workspace] = base as never;
      return { ...i, workspaces };
    });
  }

  /** Replaces the credentials of `integration`; the next request uses the new ones. */
  rotateCredentials(input: { integration: string; credentials: Record<string, unknown> }): void {
    this.#change('rotate-credentials', input.integration, null, (i) => ({ ...i, credentials: input.credentials }));
  }

  #change(
    action: ProvisioningChangeEvent['action'],
    slug: string,
    workspace: string | null,
    update: (integration: ParsedIntegration) => ParsedIntegration,
    updateKeys: (keys: ParsedConfig['keys']) => ParsedConfig['keys'] = (keys) => keys,
  ): void {
    const current = this.#state.policy.config;
    const index = current.integrations.findIndex((i) => i.slug === slug);
    if (index < 0) throw new IntegrationNotFoundError(slug);
    const integrations = current.integrations.slice();
    integrations[index] = update(integrations[index]!);
    const next: ParsedConfig = { ...current, integrations, keys: updateKeys(current.keys) };
    const result = parseConfig(next, { requireKeyAccess: false });
    if ('issues' in result) throw new ConfigError(result.issues, `Invalid provisioning change (${action} on '${slug}')`);
    const policy = buildPolicy(result.config, this.#state.policy.revokedKeys);
    this.#state.policy = policy;
    this.#state.limiter.usePolicy(policy);
    this.#state.dispatcher.events.emit('provisioning.changed', { action, integration: slug, workspace, at: new Date(this.#state.clock()).toISOString() });
  }
}

/** `listed` within a new integration allowlist; custom models remain allowed whatever the list says. */
function narrow(listed: string[], allowlist: 'all' | string[], custom: string[]): string[] {
  if (allowlist === 'all') return listed;
  return listed.filter((m) => allowlist.includes(m) || custom.includes(m));
}

function narrowGrants(workspaces: ParsedIntegration['workspaces'], allowlist: 'all' | string[], custom: string[]): ParsedIntegration['workspaces'] {
  if (workspaces === 'all') return workspaces;
  const out: Workspaces = {};
  for (const [workspace, grant] of Object.entries(workspaces)) {
    out[workspace] = grant && grant.models ? { ...grant, models: narrow(grant.models, allowlist, custom) } : grant;
  }
  return out;
}
