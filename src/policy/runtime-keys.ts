import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { keySchema } from '../config/config-schema.js';
import { generateKey } from '../config/key-token.js';
import type { KeyEntry } from '../config/key-table.js';
import { keyAccessIssues } from '../config/parse-config.js';
import type { ParsedKey } from '../config/parsed-config.js';
import { resolveGrant } from '../config/policy.js';
import type { BudgetConfig, RateLimitConfig } from '../config/types.js';
import { KeyNotFoundError, KeyRevokedError } from '../errors/access-errors.js';
import { ConfigError } from '../errors/config-error.js';
import { toConfigIssues } from '../errors/format-issues.js';

import { guardOf, type KeyPatch, type LoggedKey, type PolicyHost, type PolicyLog } from './policy-log.js';

/** What `gateway.keys.create` takes. */
export interface KeyCreateInput {
  workspace: string;
  /** Default: the one integration provisioned to the workspace (an error when there are several). */
  integration?: string;
  /** Default: `key_` and 16 random hex digits. */
  id?: string;
  name?: string;
  /** Narrows the grant's models; never widens them. */
  models?: string[];
  budgets?: BudgetConfig[];
  rateLimits?: RateLimitConfig[];
  metadata?: Record<string, string>;
  /** From then on the key is refused (`KeyExpiredError`). */
  expiresAt?: Date | string;
}

/** What `gateway.keys.update` may change. A changed budget is a new budget, starting at zero. */
export type KeyUpdate = Omit<KeyCreateInput, 'workspace' | 'integration' | 'id'>;

/** A key as `gateway.keys.get` and `list` show it: never its token, nor its hash. */
export interface KeyInfo {
  id: string;
  workspace: string;
  integration: string;
  name: string | null;
  models: string[] | null;
  budgets: BudgetConfig[];
  rateLimits: RateLimitConfig[];
  metadata: Record<string, string>;
  expiresAt: string | null;
  /** `config`: from createGateway's config; `runtime`: made by `keys.create`. */
  source: 'config' | 'runtime';
  createdAt: string | null;
  /** Whether the key can be used over HTTP (it has a token). */
  hasToken: boolean;
}

const createSchema = z.strictObject({
  workspace: z.string(),
  integration: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  models: z.array(z.string()).optional(),
  budgets: z.array(z.unknown()).optional(),
  rateLimits: z.array(z.unknown()).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  expiresAt: z.union([z.date(), z.string()]).optional(),
});
const updateSchema = createSchema.omit({ workspace: true, integration: true, id: true });

/** Runtime keys: made, changed and revoked while the gateway runs, shared through the store's policy log. */
export class RuntimeKeys {
  readonly #state: PolicyHost;
  readonly #log: PolicyLog;

  constructor(state: PolicyHost, log: PolicyLog) {
    this.#state = state;
    this.#log = log;
  }

  async create(input: KeyCreateInput): Promise<{ id: string; token: string }> {
    const given = parse(createSchema, input, 'keys.create');
    await this.#log.ready();
    const integration = given.integration ?? this.#onlyIntegration(given.workspace);
    const policy = this.#state.policy.integrations.get(integration);
    if (policy && !resolveGrant(policy, given.workspace)) {
      throw new ConfigError([{ path: 'integration', message: `integration '${integration}' is not provisioned to workspace '${given.workspace}'` }], 'Invalid keys.create');
    }
    const { token, hash } = generateKey();
    const key = parse(
      keySchema,
      withExpiry({ ...given, integration, id: given.id ?? `key_${randomUUID().replace(/-/g, '').slice(0, 16)}`, hash }),
      'keys.create',
    ) as ParsedKey;
    this.#checkAccess(key, 'keys.create');
    await this.#log.append({ type: 'key.create', origin: this.#log.origin, key: compact(key), createdAt: new Date(this.#state.clock()).toISOString() });
    return { id: key.id, token };
  }

  /** A key never widens its grant: the rules of the config, for this one key. */
  #checkAccess(key: ParsedKey, what: string): void {
    const issues = keyAccessIssues(key, this.#state.policy.integrations.get(key.integration), { requireKeyAccess: true }, (...path) => path.map(String).join('.'));
    if (issues.length > 0) throw new ConfigError(issues, `Invalid ${what}`);
  }

  async update(id: string, patch: KeyUpdate): Promise<KeyInfo> {
    const given = parse(updateSchema, patch, 'keys.update');
    await this.#log.ready();
    const current = await this.#find(id);
    // Validated as a whole key, so that a patch is held to the rules of the config.
    const merged = parse(keySchema, withExpiry({ ...current, ...given }), 'keys.update') as ParsedKey;
    this.#checkAccess(merged, 'keys.update');
    const changed: KeyPatch = {};
    for (const name of Object.keys(given) as Array<keyof KeyPatch>) (changed as Record<string, unknown>)[name] = merged[name];
    await this.#log.append({ type: 'key.update', origin: this.#log.origin, id, patch: changed });
    return this.#info(this.#state.policy.keyTable.get(id)!);
  }

  /** Once it resolves, no gateway on the store admits the key again: admissions check it in the store. */
  async revoke(id: string): Promise<void> {
    await this.#log.ready();
    await this.#find(id);
    await this.#log.append({ type: 'key.revoke', origin: this.#log.origin, id }, { revoke: [guardOf.key(id)] });
  }

  /** The key, from this process's policy or, if it was made elsewhere a moment ago, the store's log. */
  async #find(id: string): Promise<ParsedKey> {
    const local = () => this.#state.policy.keyTable.get(id)?.config;
    let key = local();
    if (!key) {
      await this.#log.sync();
      key = local();
    }
    if (!key) throw this.#state.policy.revokedKeys.has(id) ? new KeyRevokedError(id) : new KeyNotFoundError(id);
    return key;
  }

  async get(id: string): Promise<KeyInfo | null> {
    await this.#log.ready();
    const entry = this.#state.policy.keyTable.get(id);
    return entry ? this.#info(entry) : null;
  }

  async list(filter: { workspace?: string } = {}): Promise<KeyInfo[]> {
    await this.#log.ready();
    const out: KeyInfo[] = [];
    for (const entry of this.#state.policy.keyTable.entries()) {
      if (filter.workspace === undefined || entry.config.workspace === filter.workspace) out.push(this.#info(entry));
    }
    return out;
  }

  #info({ config: key, createdAt }: KeyEntry): KeyInfo {
    return {
      id: key.id,
      workspace: key.workspace,
      integration: key.integration,
      name: key.name ?? null,
      models: key.models ? [...key.models] : null,
      budgets: key.budgets.map((b) => ({ ...b })),
      rateLimits: key.rateLimits.map((r) => ({ ...r })),
      metadata: { ...key.metadata },
      expiresAt: key.expiresAt ?? null,
      source: createdAt === null ? 'config' : 'runtime',
      createdAt,
      hasToken: key.hash !== undefined,
    };
  }

  #onlyIntegration(workspace: string): string {
    const reachable = [...this.#state.policy.integrations.values()].filter((i) => resolveGrant(i, workspace)).map((i) => i.slug);
    if (reachable.length === 1) return reachable[0]!;
    const message = reachable.length === 0 ? `no integration is provisioned to workspace '${workspace}'` : `is required: workspace '${workspace}' reaches ${reachable.join(', ')}`;
    throw new ConfigError([{ path: 'integration', message }], 'Invalid keys.create');
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(toConfigIssues(result.error), `Invalid ${what}`);
  return result.data;
}

/** `expiresAt` as an ISO string, whether given as a Date or a string. */
function withExpiry<T extends { expiresAt?: Date | string | undefined }>(input: T): Omit<T, 'expiresAt'> & { expiresAt?: string } {
  const { expiresAt, ...rest } = input;
  if (expiresAt === undefined) return rest;
  return { ...rest, expiresAt: expiresAt instanceof Date ? expiresAt.toISOString() : expiresAt };
}

/** A key without its empty defaults: log records stay small (a replay of 100k keys reads them all). */
function compact(key: ParsedKey): LoggedKey {
  const out = { ...key } as Record<string, unknown>;
  for (const name of ['budgets', 'rateLimits', 'each'] as const) if ((key[name] as unknown[]).length === 0) delete out[name];
  if (key.metadata && Object.keys(key.metadata).length === 0) delete out.metadata;
  return out as LoggedKey;
}
