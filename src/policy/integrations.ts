import type { ParsedIntegration } from '../config/parsed-config.js';
import type { BudgetConfig, CustomModelConfig, GrantConfig, IntegrationConfig, ModelPrice, RateLimitConfig } from '../config/types.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { isSecret } from '../secrets/secret.js';
import { parseChangeOptions, type ChangeOptions } from './change-options.js';
import { encodeSecrets, secretView, unknownResolvers, type SecretView } from './encoded-secrets.js';
import type { IntegrationChange } from './integration-change.js';
import { guardOf, type PolicyLog } from './policy-log.js';

/** An integration as `gateway.integrations.get` and `list` show it: a secret by its reference, never its value. */
export interface IntegrationInfo {
  slug: string;
  provider: string;
  name: string | null;
  description: string | null;
  /** Disabled: every call to it is refused (`IntegrationDisabledError`). */
  disabled: boolean;
  /** `config`: from createGateway's config; `runtime`: made by `integrations.create`. */
  source: 'config' | 'runtime';
  baseURL: string | null;
  models: 'all' | string[];
  customModels: CustomModelConfig[];
  pricing: Record<string, ModelPrice>;
  workspaces: 'all' | Record<string, GrantConfig | false>;
  budgets: BudgetConfig[];
  rateLimits: RateLimitConfig[];
  timeoutMs: number | null;
  /** Each credential: a secret as its reference (`{ env }`, `{ resolver, name }`) or `{ secret: 'value' | 'loader' }`; other fields as they are. */
  credentials: Record<string, SecretView | string>;
  /** Each header by name; its value is shown as a secret's would be (plain values are credentials too). */
  headers: Record<string, SecretView>;
  /** The provider's own fields (region, API version, deployments...). */
  options: Record<string, unknown>;
}

/**
 * What `integrations.update` may change: any field but `slug`, `provider`, `disabled` and
 * `workspaces` (grants change through `gateway.provisioning`); null removes an optional field.
 */
export type IntegrationUpdate = { [K in Exclude<keyof IntegrationConfig, 'slug' | 'provider' | 'disabled' | 'workspaces'>]?: IntegrationConfig[K] | null } & Record<string, unknown>;

/** Fields of every integration; the rest of a parsed integration is its provider's own. */
const COMMON = new Set(['slug', 'provider', 'name', 'description', 'disabled', 'baseURL', 'headers', 'models', 'customModels', 'pricing', 'workspaces', 'timeoutMs', 'credentials', 'budgets', 'rateLimits', 'each']);

/**
 * Integrations made, changed, disabled and enabled while the gateway runs, shared through the
 * store's policy log like keys and provisioning: validated like the startup config and applied by
 * every gateway on the store. On a shared store, secrets must be references (`secret.env`,
 * `secret.ref`): the store keeps the change, never a key.
 */
export class Integrations {
  readonly #log: PolicyLog;

  constructor(log: PolicyLog) {
    this.#log = log;
  }

  /** Every integration, configured and runtime, in the config's order. */
  async list(): Promise<IntegrationInfo[]> {
    await this.#log.ready();
    return this.#log.policy.config.integrations.map((i) => this.#info(i));
  }

  /** One integration; null for an unknown slug. */
  async get(slug: string): Promise<IntegrationInfo | null> {
    await this.#log.ready();
    const found = this.#log.policy.config.integrations.find((i) => i.slug === slug);
    return found ? this.#info(found) : null;
  }

  /**
   * Adds an integration, as it would be configured in `createGateway({ integrations })`.
   * @example await gateway.integrations.create({ slug: 'openai-eu', provider: 'openai', credentials: { apiKey: secret.env('OPENAI_EU_KEY') }, workspaces: { 'team-a': {} } }, { actor: 'alice' })
   */
  async create(config: IntegrationConfig, options?: ChangeOptions): Promise<IntegrationInfo> {
    const what = 'integrations.create';
    if (!isPlainObject(config)) throw new ConfigError([{ path: '', message: 'must be an integration config object' }], `Invalid ${what}`);
    if (typeof config.slug !== 'string') throw new ConfigError([{ path: 'slug', message: 'is required: a string' }], `Invalid ${what}`);
    const meta = parseChangeOptions(options, what);
    await this.#log.ready();
    const slug = config.slug;
    await this.#append({ type: 'integration', origin: this.#log.origin, action: 'create', slug, config: this.#encode(config as unknown as Record<string, unknown>, what) }, {}, meta);
    return (await this.get(slug))!;
  }

  /**
   * Changes fields of an integration (not its slug, provider or grants); null removes an optional field.
   * Its keys are held to the result: a change that would leave a key a model the integration no
   * longer allows is refused (narrow the models with `provisioning.setModels`, which narrows keys too).
   */
  async update(slug: string, changes: IntegrationUpdate, options?: ChangeOptions): Promise<IntegrationInfo> {
    const what = `integrations.update('${slug}')`;
    if (!isPlainObject(changes)) throw new ConfigError([{ path: '', message: 'must be an object of the fields to change' }], `Invalid ${what}`);
    const elsewhere: Record<string, string> = {
      slug: 'cannot change: create another integration',
      provider: 'cannot change: create another integration',
      disabled: 'is changed by integrations.disable / enable',
      // A grant taken away must be refused at once, which provisioning.revoke does (see its guards).
      workspaces: 'are changed by provisioning.provision / revoke (a revocation then holds at once on every gateway)',
    };
    const fixed = Object.keys(elsewhere).filter((name) => name in changes);
    if (fixed.length > 0) throw new ConfigError(fixed.map((name) => ({ path: name, message: elsewhere[name]! })), `Invalid ${what}`);
    const meta = parseChangeOptions(options, what);
    await this.#log.ready();
    await this.#append({ type: 'integration', origin: this.#log.origin, action: 'update', slug, changes: this.#encode(changes, what) }, {}, meta);
    return (await this.get(slug))!;
  }

  /**
   * Refuses every call to the integration, on every gateway on the store, from the moment it
   * resolves (like a revocation: admissions check its grants in the store). Its grants, keys and
   * spend stay; `enable` brings it back.
   */
  async disable(slug: string, options?: ChangeOptions): Promise<{ version: number }> {
    const meta = parseChangeOptions(options, 'integrations.disable');
    await this.#log.ready();
    return { version: await this.#append({ type: 'integration', origin: this.#log.origin, action: 'disable', slug }, { revoke: this.#grantGuards(slug) }, meta) };
  }

  /** Serves the integration again, with the grants it has. */
  async enable(slug: string, options?: ChangeOptions): Promise<{ version: number }> {
    const meta = parseChangeOptions(options, 'integrations.enable');
    await this.#log.ready();
    return { version: await this.#append({ type: 'integration', origin: this.#log.origin, action: 'enable', slug }, { restore: this.#grantGuards(slug) }, meta) };
  }

  #append(change: IntegrationChange, guards: { revoke?: string[]; restore?: string[] }, meta: ChangeOptions): Promise<number> {
    return this.#log.append(change, guards, meta);
  }

  /**
   * The guards of every grant of the integration: each call to it names one of them (its
   * workspace's, or the grant to '*'), so that revoking them all refuses every call at once.
   */
  #grantGuards(slug: string): string[] {
    const integration = this.#log.policy.config.integrations.find((i) => i.slug === slug);
    if (!integration) return [];
    const workspaces = integration.workspaces;
    if (workspaces === 'all') return [guardOf.grant(slug, '*')];
    return Object.entries(workspaces)
      .filter(([, grant]) => grant !== false)
      .map(([workspace]) => guardOf.grant(slug, workspace));
  }

  /** The fields as the log carries them: secrets as references, and nothing that is not data. */
  #encode(fields: Record<string, unknown>, what: string): Record<string, unknown> {
    const issues: ConfigIssue[] = [];
    const out: Record<string, unknown> = { ...fields };
    for (const name of ['credentials', 'headers'] as const) {
      const value = fields[name];
      if (!isPlainObject(value)) continue;
      issues.push(...unknownResolvers(value, this.#log.secretResolvers, name));
      if (issues.length === 0) out[name] = encodeSecrets(value, this.#log.sharedStore, name, what);
    }
    for (const [name, value] of Object.entries(fields)) if (name !== 'credentials' && name !== 'headers') issues.push(...notData(value, name));
    if (issues.length > 0) throw new ConfigError(issues, `Invalid ${what}`);
    return out;
  }

  #info(integration: ParsedIntegration): IntegrationInfo {
    const credentials: Record<string, SecretView | string> = {};
    for (const [name, value] of Object.entries(integration.credentials ?? {})) credentials[name] = typeof value === 'string' ? value : secretView(value);
    const headers: Record<string, SecretView> = {};
    for (const [name, value] of Object.entries((integration.headers as Record<string, unknown> | undefined) ?? {})) headers[name] = secretView(value);
    const options: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(integration)) if (!COMMON.has(name) && typeof value !== 'function') options[name] = structuredCloneData(value);
    return {
      slug: integration.slug,
      provider: integration.provider,
      name: integration.name ?? null,
      description: integration.description ?? null,
      disabled: integration.disabled === true,
      source: this.#log.isRuntimeIntegration(integration.slug) ? 'runtime' : 'config',
      baseURL: integration.baseURL ?? null,
      models: integration.models === 'all' ? 'all' : [...integration.models],
      customModels: integration.customModels.map((m) => ({ ...m })),
      pricing: { ...(integration.pricing as Record<string, ModelPrice> | undefined) },
      workspaces: integration.workspaces === 'all' ? 'all' : (structuredCloneData(integration.workspaces) as Record<string, GrantConfig | false>),
      budgets: structuredCloneData(integration.budgets) as BudgetConfig[],
      rateLimits: structuredCloneData(integration.rateLimits) as RateLimitConfig[],
      timeoutMs: integration.timeoutMs ?? null,
      credentials,
      headers,
      options,
    };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Where `value` holds what JSON cannot carry (a function, a class instance): a runtime integration is data, kept in the store's log. */
function notData(value: unknown, path: string): ConfigIssue[] {
  if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => notData(item, `${path}[${i}]`));
  if (isPlainObject(value)) return Object.entries(value).flatMap(([name, item]) => notData(item, `${path}.${name}`));
  const kind = typeof value === 'function' ? 'a function' : isSecret(value) ? 'a secret (secrets go in credentials or headers)' : `a ${typeof value === 'object' ? (Object.getPrototypeOf(value)?.constructor?.name ?? 'object') : typeof value}`;
  return [{ path, message: `is ${kind}: an integration made at runtime is data, kept in the store's policy log (configure it in createGateway instead)` }];
}

/** A copy of plain data (functions dropped), so that callers cannot change the policy through it. */
function structuredCloneData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(structuredCloneData);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) if (typeof item !== 'function') out[name] = structuredCloneData(item);
    return out;
  }
  return value;
}
