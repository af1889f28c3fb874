import { z } from 'zod';
import { attributeSchema } from '../config/limits-schema.js';
import type { BudgetConfig, GrantConfig, RateLimitConfig } from '../config/types.js';
import { MAX_ATTRIBUTE_LENGTH } from '../limits/limit-plan.js';
import { ConfigError } from '../errors/config-error.js';
import { toConfigIssues } from '../errors/format-issues.js';
import type { ProvisioningChangeEvent } from '../events/gateway-events.js';
import { modelsOfWorkspace } from '../config/granted-models.js';
import { parseChangeOptions, type ChangeOptions } from './change-options.js';
import { guardOf, type PolicyLog } from './policy-log.js';
import { encodeSecrets, unknownResolvers } from './encoded-secrets.js';
import type { ProvisioningChange } from './provisioning-change.js';

const target = { integration: z.string().min(1), workspace: z.string().min(1) };
const schemas = {
  provision: z.looseObject(target),
  revoke: z.strictObject(target),
  'set-models': z.strictObject({ integration: target.integration, workspace: target.workspace.optional(), models: z.union([z.literal('all'), z.array(z.string())]) }),
  'rotate-credentials': z.strictObject({ integration: target.integration, credentials: z.record(z.string(), z.unknown()) }),
  override: z
    .strictObject({
      integration: target.integration.optional(),
      workspace: target.workspace.optional(),
      by: attributeSchema,
      value: z.string().min(1).max(MAX_ATTRIBUTE_LENGTH),
      limits: z.union([z.strictObject({ budgets: z.array(z.unknown()).optional(), rateLimits: z.array(z.unknown()).optional() }), z.null()]),
    })
    .refine((o) => o.integration !== undefined || o.workspace !== undefined, { message: 'name the scope that declares the templated limits: integration, workspace, or both (a grant)' }),
};

/**
 * Changes who reaches what, while the gateway runs. Each change is validated like the startup
 * config (a grant can only narrow, credentials must be secrets...), written to the store's policy
 * log and applied by every gateway on the store, from their next request: calls already running
 * keep the policy they started with. Each method resolves with the change's version once it is
 * applied in this process; a revocation is then enforced by every process at once.
 */
export class Provisioning {
  readonly #log: PolicyLog;

  constructor(log: PolicyLog) {
    this.#log = log;
  }

  /**
   * The models `workspace` may call, as this process's policy stands: `@slug/model` for every
   * integration it reaches, or the bare ids of `integration` when one is named. Sorted; empty
   * when it reaches none. (An integration with `models: 'all'` lists what its grant names, else
   * its custom and priced models, and a vendor preset's catalog models.)
   * @example gateway.provisioning.models({ workspace: 'team-a' }) // ['@openai-prod/gpt-4o', '@openai-prod/gpt-4o-mini']
   */
  models(input: { workspace: string; integration?: string }): string[] {
    if (typeof input?.workspace !== 'string' || input.workspace === '') throw new TypeError('provisioning.models({ workspace }): workspace must be a non-empty string');
    return modelsOfWorkspace(this.#log.policy, input.workspace, input.integration);
  }

  /**
   * Gives `workspace` (or `'*'`: every workspace) access to `integration`, replacing its
   * previous grant.
   * @example await gateway.provisioning.provision({ integration: 'openai-prod', workspace: 'team-b', models: ['gpt-4o-mini'] })
   */
  provision(input: { integration: string; workspace: string } & GrantConfig, options?: ChangeOptions): Promise<{ version: number }> {
    const { integration, workspace, ...grant } = input;
    return this.#change('provision', input, options, { integration, workspace, grant }, { restore: [guardOf.grant(integration, workspace)] });
  }

  /**
   * Takes `integration` away from `workspace` (or `'*'`: the grant of every workspace not named).
   * A workspace covered by `'*'` or `'all'` is excluded explicitly. Once it resolves, no gateway
   * on the store admits a call of that workspace (or its keys) to the integration.
   */
  revoke(input: { integration: string; workspace: string }, options?: ChangeOptions): Promise<{ version: number }> {
    return this.#change('revoke', input, options, { integration: input?.integration, workspace: input?.workspace }, { revoke: [guardOf.grant(input.integration, input.workspace)] });
  }

  /**
   * Sets the models of `workspace`'s grant, or without `workspace` the integration's allowlist
   * (`'all'` lifts it). A grant's models must stay within the integration's. Narrowing the
   * integration also narrows the grants and keys that listed a model it no longer allows.
   */
  setModels(input: { integration: string; workspace?: string; models: 'all' | string[] }, options?: ChangeOptions): Promise<{ version: number }> {
    return this.#change('set-models', input, options, { integration: input.integration, workspace: input.workspace ?? null, models: input.models });
  }

  /**
   * Replaces the credentials of `integration`; the next request uses the new ones. On a store
   * shared by several processes, credentials must be references (`secret.env`, `secret.ref`):
   * the change is written to the store, and no key value ever is.
   */
  rotateCredentials(input: { integration: string; credentials: Record<string, unknown> }, options?: ChangeOptions): Promise<{ version: number }> {
    return this.#change('rotate-credentials', input, options, { integration: input.integration, workspace: null }, {}, () => {
      const unknown = unknownResolvers(input.credentials, this.#log.secretResolvers, 'credentials');
      if (unknown.length > 0) throw new ConfigError(unknown, 'Invalid provisioning change (rotate-credentials)');
      return { credentials: encodeSecrets(input.credentials, this.#log.sharedStore, 'credentials', 'provisioning change (rotate-credentials)') };
    });
  }

  /**
   * Gives one value of a templated scope (`each: [{ by }]`) limits of its own, replacing those of
   * its tier, or with `limits: null` takes them back: one user, one customer. The scope that
   * declares the template: `{ integration }`, `{ integration, workspace }` (its grant) or
   * `{ workspace }` (the workspace's own limits). Applied by every gateway on the store.
   * @example await gateway.provisioning.override({ workspace: 'team-a', by: 'user', value: 'u-42', limits: { budgets: [{ type: 'cost', limit: 200, reset: 'monthly' }] } })
   */
  override(input: {
    integration?: string;
    workspace?: string;
    by: 'user' | `metadata.${string}`;
    value: string;
    limits: { budgets?: BudgetConfig[]; rateLimits?: RateLimitConfig[] } | null;
  }, options?: ChangeOptions): Promise<{ version: number }> {
    return this.#change('override', input, options, { integration: input?.integration ?? null, workspace: input?.workspace ?? null, by: input?.by, value: input?.value, limits: input?.limits ?? null });
  }

  async #change(
    action: ProvisioningChangeEvent['action'],
    input: unknown,
    options: ChangeOptions | undefined,
    fields: Omit<ProvisioningChange, 'type' | 'origin' | 'action' | 'workspace'> & { workspace: string | null },
    guards: { revoke?: string[]; restore?: string[] } = {},
    encode?: () => Partial<ProvisioningChange>,
  ): Promise<{ version: number }> {
    const parsed = schemas[action].safeParse(input);
    if (!parsed.success) throw new ConfigError(toConfigIssues(parsed.error), `Invalid provisioning change (${action})`);
    const meta = parseChangeOptions(options, `provisioning change (${action})`);
    await this.#log.ready();
    const change: ProvisioningChange = { type: 'provisioning', origin: this.#log.origin, action, ...fields, ...encode?.() };
    return { version: await this.#log.append(change, guards, meta) };
  }
}
