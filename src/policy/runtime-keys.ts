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

import { keyGuard } from '../config/key-policy.js';
import { parseChangeOptions, type ChangeOptions } from './change-options.js';
import type { KeyPatch, LoggedKey } from './policy-change.js';
import { guardOf, type PolicyHost, type PolicyLog } from './policy-log.js';

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
  /** After a rotation with a grace: until when the token it had before is accepted; else null. */
  previousValidUntil: string | null;
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
const rotateSchema = z.looseObject({ graceMs: z.number().int().min(0).max(366 * 24 * 3_600_000).optional() });

/** Runtime keys: made, changed and revoked while the gateway runs, shared through the store's policy log. */
export class RuntimeKeys {
  readonly #state: PolicyHost;
  readonly #log: PolicyLog;

  constructor(state: PolicyHost, log: PolicyLog) {
    this.#state = state;
    this.#log = log;
  }

  async create(input: KeyCreateInput, options?: ChangeOptions): Promise<{ id: string; token: string }> {
    const given = parse(createSchema, input, 'keys.create');
    const meta = parseChangeOptions(options, 'keys.create');
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
    await this.#log.append({ type: 'key.create', origin: this.#log.origin, key: compact(key), createdAt: new Date(this.#state.clock()).toISOString() }, {}, meta);
    return { id: key.id, token };
  }

  /** A key never widens its grant: the rules of the config, for this one key. */
  #checkAccess(key: ParsedKey, what: string): void {
    const issues = keyAccessIssues(key, this.#state.policy.integrations.get(key.integration), { requireKeyAccess: true }, (...path) => path.map(String).join('.'));
    if (issues.length > 0) throw new ConfigError(issues, `Invalid ${what}`);
  }

  async update(id: string, patch: KeyUpdate, options?: ChangeOptions): Promise<KeyInfo> {
    const given = parse(updateSchema, patch, 'keys.update');
    const meta = parseChangeOptions(options, 'keys.update');
    await this.#log.ready();
    // Validated as a whole key (its rotation aside: never configured), so that a patch is held to the rules of the config.
    const { generation: _g, previousHash: _h, previousValidUntil: _u, ...current } = await this.#find(id);
    const merged = parse(keySchema, withExpiry({ ...current, ...given }), 'keys.update') as ParsedKey;
    this.#checkAccess(merged, 'keys.update');
    const changed: KeyPatch = {};
    for (const name of Object.keys(given) as Array<keyof KeyPatch>) (changed as Record<string, unknown>)[name] = merged[name];
    await this.#log.append({ type: 'key.update', origin: this.#log.origin, id, patch: changed }, {}, meta);
    return this.#info(this.#state.policy.keyTable.get(id)!);
  }

  /** Once it resolves, no gateway on the store admits the key again: admissions check it in the store. */
  async revoke(id: string, options?: ChangeOptions): Promise<void> {
    const meta = parseChangeOptions(options, 'keys.revoke');
    await this.#log.ready();
    const key = await this.#find(id);
    await this.#log.append({ type: 'key.revoke', origin: this.#log.origin, id }, { revoke: guardOf.key(id, key.generation ?? 0) }, meta);
  }

  /**
   * A new token for the key, at once; the one it had keeps working until `previousValidUntil`
   * (`graceMs` from now; default 0: it stops now), on every gateway on the store. Its budgets,
   * limits and analytics stay with its id. Only the last token before a rotation gets a grace.
   */
  async rotate(id: string, options?: ChangeOptions & { graceMs?: number }): Promise<{ token: string; previousValidUntil: string }> {
    const { graceMs, ...rest } = parse(rotateSchema, options ?? {}, 'keys.rotate');
    const meta = parseChangeOptions(rest, 'keys.rotate');
    await this.#log.ready();
    const key = await this.#find(id);
    const { token, hash } = generateKey();
    const generation = (key.generation ?? 0) + 1;
    const now = this.#state.clock();
    const grace = graceMs !== undefined && graceMs > 0 && key.hash !== undefined ? new Date(now + graceMs).toISOString() : null;
    // Without a grace, the previous generation's guard is revoked in the store: a gateway that has
    // not applied the rotation yet (and would take the old token) is refused by the store.
    await this.#log.append({ type: 'key.rotate', origin: this.#log.origin, id, hash, generation, previousValidUntil: grace }, grace === null ? { revoke: [keyGuard(id, generation - 1)] } : {}, meta);
    return { token, previousValidUntil: grace ?? new Date(now).toISOString() };
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
      previousValidUntil: key.previousValidUntil ?? null,
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
