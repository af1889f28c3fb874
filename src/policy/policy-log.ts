import { randomUUID } from 'node:crypto';
import { keepsPolicyLog } from '../stores/store-capabilities.js';
import { hostname } from 'node:os';
import type { ParsedKey } from '../config/parsed-config.js';
import type { PolicyChange, PolicyChangeInput } from './policy-change.js';
import { keyGuard } from '../config/key-policy.js';
import { buildPolicy, type Policy } from '../config/policy.js';
import type { Budget } from '../config/limits-schema.js';
import { scopeName } from '../config/scope-name.js';
import { ConfigError } from '../errors/config-error.js';
import { GatewayError } from '../errors/gateway-error.js';
import { StoreUnavailableError } from '../errors/runtime-errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type { SecretResolver } from '../secrets/secret.js';
import type { MaybePromise, PolicyChangeRecord, Store } from '../stores/store.js';
import { withTimeout } from '../util/with-timeout.js';
import type { ParsedIntegration } from '../config/parsed-config.js';
import type { AuditEntry } from '../events/audit-entry.js';
import { auditEntryOf } from './audit-entry-of.js';
import type { ChangeOptions } from './change-options.js';
import { applyIntegrationChange, type IntegrationChange } from './integration-change.js';
import { applyProvisioning, type ProvisioningChange } from './provisioning-change.js';

/** What the log changes when it applies changes: the gateway's state, as little of it as it needs. */
export interface PolicyHost {
  policy: Policy;
  readonly limiter: { usePolicy(policy: Policy): void; useKey(id: string, budgets: readonly Budget[] | null): MaybePromise<void> };
  readonly dispatcher: { readonly events: GatewayEvents };
  readonly clock: () => number;
  readonly secretResolvers: Readonly<Record<string, SecretResolver>>;
  /** An integration created or changed at runtime: the host makes its provider adapter. */
  useIntegration(integration: ParsedIntegration): void;
}

/**
 * How far the store's clock may be behind this process's for a change's deadline: the appender
 * waits this much longer than the deadline, so that a change the store appended in time is never
 * reported as failed.
 */
const CLOCK_ALLOWANCE_MS = 1_000;

/** Changes read from the store at once when catching up. */
const PAGE = 5_000;

/**
 * Runtime policy changes shared by every gateway on the store: each change is checked, appended
 * to the store's policy log (one order, none lost) and applied, in version order, by every
 * gateway, this one included; a gateway started later replays the log before its first call.
 * Changes are applied by rules every process computes the same way (a key id created twice: the
 * first wins), so every process ends with the same policy. A key change costs O(1) (the key
 * table is changed in place); a provisioning change rebuilds the integrations' policy.
 *
 * Propagation: changes are pushed where the store can (Redis pub/sub, the memory store's
 * in-process watchers), with a read every `pollMs` as the backstop for a lost message. A
 * revocation waits for neither: every admission checks, in the same atomic store call, that its
 * key and grant are not revoked (`guards`).
 */
export class PolicyLog {
  readonly origin = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #state: PolicyHost;
  readonly #store: Store;
  readonly #timeoutMs: number;
  /** The version applied last. */
  #version = 0;
  /** For a store without a log: versions are this process's own. */
  readonly #local: boolean;
  #syncing: Promise<void> | null = null;
  /** The read after the one in flight, shared by every sync asked for meanwhile. */
  #syncAgain: Promise<void> | null = null;
  #ready: { state: 'done' } | { state: 'pending'; promise: Promise<void> } | { state: 'failed'; at: number; error: unknown } = { state: 'done' };
  /** Why a change of a given version was not applied, for the call that appended it. */
  readonly #rejected = new Map<number, Error>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #unwatch: (() => void) | undefined;
  /** The last background read failed (its failure was announced). */
  #failing = false;
  /**
   * Changes are announced (events) once the first replay is done: a starting gateway's replay
   * is its state, not news, and with a memory store it runs before any listener can be added.
   */
  #announce = false;
  /** Versions every process skipped (refused where they were applied): not in the audit. */
  readonly #skipped = new Set<number>();
  /** Integrations created at runtime (the others come from the config). */
  readonly #runtimeIntegrations = new Set<string>();
  /** For a store without a log: the changes, as a store would keep them. */
  readonly #localRecords: PolicyChangeRecord[] = [];

  constructor(state: PolicyHost, store: Store, options: { timeoutMs: number; pollMs: number }) {
    this.#state = state;
    this.#store = store;
    this.#timeoutMs = options.timeoutMs;
    this.#local = !keepsPolicyLog(store);
    if (this.#local) {
      this.#announce = true;
      return;
    }
    // Pushed changes are applied at once; the poll is the backstop for a lost message. The replay
    // starts once the push is on, so that no change falls between the two.
    const watch = store.watchPolicyChanges?.(() => void this.#background());
    this.#unwatch = watch?.stop;
    this.#startSync(
      watch?.ready?.then(
        () => {},
        () => {},
      ),
    );
    // A store in this process (memory) pushes every change and loses none: no reads to repeat,
    // and no timer holding the gateway for ever when it is dropped without close().
    if (watch && this.#ready.state === 'done') return;
    this.#timer = setInterval(() => void this.#background(), options.pollMs);
    this.#timer.unref?.();
  }

  /** The policy as this process applies it (the control plane's facades read it). */
  get policy(): Policy {
    return this.#state.policy;
  }

  /** The loaders of `secret.ref` secrets (`createGateway({ secretResolvers })`). */
  get secretResolvers(): Readonly<Record<string, SecretResolver>> {
    return this.#state.secretResolvers;
  }

  /** Whether changes leave this process: the store is shared, so secrets must be references. */
  get sharedStore(): string | null {
    return this.#local || this.#store.local === true ? null : this.#store.name;
  }

  /** Replays the log (after `after`: the push is on); `ready()` tells when it is done. */
  #startSync(after?: Promise<void>): void {
    // A store that answers at once (memory) is replayed at once: the first call does not wait.
    if (!after) {
      try {
        if (this.#replayNow()) {
          this.#ready = { state: 'done' };
          this.#announce = true;
          return;
        }
      } catch (error) {
        this.#ready = { state: 'failed', at: this.#state.clock(), error };
        return;
      }
    }
    const promise = (after ? after.then(() => this.sync()) : this.sync()).then(
      () => {
        this.#ready = { state: 'done' };
        this.#announce = true;
      },
      (error: unknown) => {
        this.#ready = { state: 'failed', at: this.#state.clock(), error };
        throw error;
      },
    );
    promise.catch(() => {});
    this.#ready = { state: 'pending', promise };
  }

  /**
   * Resolves once the log has been replayed (before a gateway's first call). A replay that failed
   * (the store down at start) is tried again by the next call, at most once a second.
   */
  ready(): MaybePromise<void> {
    const r = this.#ready;
    if (r.state === 'done') return;
    if (r.state === 'pending') return r.promise;
    if (this.#state.clock() - r.at < 1_000) throw unavailable(this.#store, r.error);
    this.#startSync();
    return (this.#ready as { promise: Promise<void> }).promise;
  }

  /** Stops reading the log (the gateway is closing). */
  close(): void {
    clearInterval(this.#timer);
    this.#unwatch?.();
  }

  /**
   * Checks a change against this process's policy, appends it with its revocations and
   * restorations in one store call, and resolves with its version once applied here. A change
   * that fails the check is appended nowhere; one that a change appended first made invalid
   * (a key revoked meanwhile) is skipped by every process and rejected here.
   */
  async append(input: PolicyChangeInput, guards: { revoke?: string[]; restore?: string[] } = {}, options: ChangeOptions = {}): Promise<number> {
    const change: PolicyChange = { ...input, at: new Date(this.#state.clock()).toISOString(), ...options };
    this.#check(change);
    const encoded = JSON.stringify(change);
    let version: number;
    if (this.#local) {
      version = ++this.#version;
      this.#localRecords.push({ version, change: encoded });
      this.#applyRecords([{ version, change: encoded }]);
    } else {
      let appended: MaybePromise<number>;
      // The store refuses the change once this process has given up on it (plus the clocks'
      // allowance below): a change reported as failed is never applied later, when a command
      // queued during an outage reaches the store.
      const deadline = Date.now() + this.#timeoutMs;
      try {
        appended = this.#store.appendPolicyChange!({ change: encoded, deadline, ...guards });
      } catch (error) {
        throw unavailable(this.#store, error);
      }
      if (appended instanceof Promise) {
        try {
          version = await withTimeout(appended, this.#timeoutMs + CLOCK_ALLOWANCE_MS, `${this.#store.name} store: append a policy change`);
        } catch (error) {
          throw unavailable(this.#store, error);
        }
      } else {
        version = appended;
        // A store in this process: applied before this call returns, like a change without a store.
        if (this.#version < version && this.#ready.state === 'done') this.#replayNow();
      }
      while (this.#version < version) await this.sync();
    }
    const rejected = this.#rejected.get(version);
    this.#rejected.delete(version);
    if (rejected) throw rejected;
    return version;
  }

  /** A read of the log off any call's path: a failure is announced once, when reads start failing. */
  async #background(): Promise<void> {
    try {
      await this.sync();
      this.#failing = false;
    } catch (error) {
      if (this.#failing) return;
      this.#failing = true;
      const cause = error instanceof Error ? error : new Error(String(error));
      this.#state.dispatcher.events.emit('store.degraded', { store: this.#store.name, operation: 'policy', error: cause, decision: 'deferred', at: new Date(this.#state.clock()).toISOString() });
    }
  }

  /**
   * Reads and applies what the log has beyond this process's version. One read at a time; a sync
   * asked for while one is reading gets one more read after it, because the read in flight may
   * have been answered before the change its caller was told of (a push arriving mid-read would
   * otherwise wait for the next poll).
   */
  sync(): Promise<void> {
    if (!this.#syncing) {
      this.#syncing = this.#catchUp().finally(() => (this.#syncing = null));
      return this.#syncing;
    }
    return (this.#syncAgain ??= this.#syncing.then(
      () => this.#resync(),
      () => this.#resync(),
    ));
  }

  #resync(): Promise<void> {
    this.#syncAgain = null;
    return this.sync();
  }

  async #catchUp(): Promise<void> {
    const read = (after: number) => {
      const page = this.#bounded(this.#store.readPolicyChanges!(after, PAGE), 'read the policy log');
      page.catch(() => {});
      return page;
    };
    let page = read(this.#version);
    for (;;) {
      const records = await page;
      // Versions have no gaps: the next page is asked for while this one is applied (a replay of
      // a long log overlaps the store's work with this process's).
      if (records.length === PAGE) page = read(records.at(-1)!.version);
      if (this.#applyRecords(records)) return;
    }
  }

  /** The whole replay, when the store answers synchronously; false when it does not (then `sync`). */
  #replayNow(): boolean {
    for (;;) {
      const records = this.#store.readPolicyChanges!(this.#version, PAGE);
      if (records instanceof Promise) {
        records.catch(() => {});
        return false;
      }
      if (this.#applyRecords(records)) return true;
    }
  }

  /**
   * The checks of a change against the current policy, by the process that makes it: those of
   * `#applyOne` (which every process repeats), without changing anything.
   */
  #check(change: PolicyChange): void {
    const table = this.#state.policy.keyTable;
    if (change.type === 'provisioning') {
      applyProvisioning(this.#state.policy, change, this.#state.secretResolvers);
      return;
    }
    if (change.type === 'integration') {
      applyIntegrationChange(this.#state.policy, change, this.#state.secretResolvers);
      return;
    }
    const reason = keyChangeConflict(change, table);
    if (reason) throw new ConfigError([{ path: 'id', message: reason }], `Invalid change (${change.type})`);
  }

  /** Applies a page of the log; true when it was the last page. */
  #applyRecords(records: readonly PolicyChangeRecord[]): boolean {
    const state = this.#state;
    let policy = state.policy;
    const keys = new Map<string, readonly Budget[] | null>();
    const announce = this.#announce;
    const applied: Array<{ version: number; change: PolicyChange; event: 'key.created' | 'key.updated' | 'key.revoked' | 'key.rotated' | 'provisioning.changed' | 'integration.changed'; key?: ParsedKey }> = [];
    for (const record of records) {
      // Another sync may have applied it meanwhile.
      if (record.version <= this.#version) continue;
      this.#version = record.version;
      const change = JSON.parse(record.change) as PolicyChange;
      try {
        if (change.type === 'provisioning') {
          const result = applyProvisioning(policy, change, state.secretResolvers);
          for (const key of result.keys) {
            policy.keyTable.put(key, null);
            if (!keys.has(key.id)) keys.set(key.id, null);
          }
          policy = buildPolicy(result.config, policy.keyTable);
          if (announce) applied.push({ version: record.version, change, event: 'provisioning.changed' });
          continue;
        }
        if (change.type === 'integration') {
          const result = applyIntegrationChange(policy, change, state.secretResolvers);
          if (change.action === 'create' || change.action === 'update') state.useIntegration(result.integration);
          if (change.action === 'create') this.#runtimeIntegrations.add(change.slug);
          policy = buildPolicy(result.config, policy.keyTable);
          if (announce) applied.push({ version: record.version, change, event: 'integration.changed' });
          continue;
        }
        const reason = keyChangeConflict(change, policy.keyTable);
        if (reason) throw new ConfigError([{ path: 'id', message: reason }], `Change refused (${change.type})`);
        if (change.type === 'key.create') {
          // Records leave out empty lists (see RuntimeKeys): back to the parsed shape, in place (a
          // replay of 100k keys makes no more objects than it must).
          const key = change.key as ParsedKey;
          key.budgets ??= [];
          key.rateLimits ??= [];
          key.each ??= [];
          policy.keyTable.put(key, change.createdAt);
          keys.set(key.id, key.budgets.length > 0 ? key.budgets : (keys.get(key.id) ?? null));
          if (announce) applied.push({ version: record.version, change, event: 'key.created', key });
        } else if (change.type === 'key.rotate') {
          const { previousHash: _older, previousValidUntil: _until, ...current } = policy.keyTable.get(change.id)!.config;
          const key: ParsedKey = { ...current, hash: change.hash, generation: change.generation };
          // A grace keeps the token it had (only the last one: an older token ends with this rotation).
          if (change.previousValidUntil !== null && current.hash !== undefined) {
            key.previousHash = current.hash;
            key.previousValidUntil = change.previousValidUntil;
          }
          policy.keyTable.put(key, null);
          if (!keys.has(key.id)) keys.set(key.id, null);
          if (announce) applied.push({ version: record.version, change, event: 'key.rotated', key });
        } else if (change.type === 'key.update') {
          const key = { ...policy.keyTable.get(change.id)!.config, ...change.patch };
          policy.keyTable.put(key, null);
          keys.set(key.id, change.patch.budgets !== undefined ? key.budgets : (keys.get(key.id) ?? null));
          if (announce) applied.push({ version: record.version, change, event: 'key.updated', key });
        } else {
          const entry = policy.keyTable.revoke(change.id)!;
          keys.set(change.id, null);
          if (announce) applied.push({ version: record.version, change, event: 'key.revoked', key: entry.config });
        }
      } catch (error) {
        // Valid where it was made, but not here and now (a change appended first made it
        // invalid, or this gateway's config differs): skipped here as everywhere, and reported to
        // the call that appended it.
        this.#skipped.add(record.version);
        if (change.origin === this.origin) this.#rejected.set(record.version, error instanceof GatewayError ? error : new ConfigError([{ path: '', message: String(error) }], `Change refused (${change.type})`));
      }
    }
    if (policy !== state.policy) {
      state.policy = policy;
      state.limiter.usePolicy(policy);
    }
    for (const [id, budgets] of keys) {
      const registering = state.limiter.useKey(id, budgets);
      if (registering instanceof Promise) registering.catch(() => {});
    }
    const at = new Date(state.clock()).toISOString();
    const events = state.dispatcher.events;
    for (const { version, change, event, key } of applied) {
      if (change.type === 'provisioning') {
        events.emit('provisioning.changed', { action: change.action, integration: change.integration, workspace: change.workspace, version, origin: change.origin, at });
      } else if (change.type === 'integration') {
        events.emit('integration.changed', { action: change.action, integration: change.slug, version, origin: change.origin, at });
      } else {
        events.emit(event as 'key.created', { id: key!.id, workspace: key!.workspace, integration: key!.integration, version, origin: change.origin, at });
      }
      // The audit's copy, once in the fleet: by the gateway that made the change.
      if (change.origin === this.origin) events.emit('policy.changed', auditEntryOf(version, change));
    }
    return records.length < PAGE;
  }

  /** Whether the integration was created at runtime (`integrations.create`), not configured. */
  isRuntimeIntegration(slug: string): boolean {
    return this.#runtimeIntegrations.has(slug);
  }

  /**
   * The log's entries, newest first, that `keep` keeps, until `enough` says so: read from the
   * store a page at a time from its newest version back (versions have no gaps), so that an audit
   * of the last changes reads the last pages only. Changes every gateway skipped are left out.
   */
  async audit(keep: (entry: AuditEntry) => boolean, enough: (entry: AuditEntry, kept: number) => boolean): Promise<AuditEntry[]> {
    await this.ready();
    if (!this.#local) await this.sync();
    const out: AuditEntry[] = [];
    for (let end = this.#version; end > 0; end -= PAGE) {
      const from = Math.max(0, end - PAGE);
      const records = this.#local ? this.#localRecords.slice(from, end) : await this.#bounded(this.#store.readPolicyChanges!(from, end - from), 'read the policy log');
      for (let i = records.length - 1; i >= 0; i--) {
        const record = records[i]!;
        if (this.#skipped.has(record.version)) continue;
        const entry = auditEntryOf(record.version, JSON.parse(record.change) as PolicyChange);
        if (enough(entry, out.length)) return out;
        if (keep(entry)) out.push(entry);
      }
    }
    return out;
  }

  #bounded<T>(result: MaybePromise<T>, what: string): Promise<T> {
    return result instanceof Promise ? withTimeout(result, this.#timeoutMs, `${this.#store.name} store: ${what}`) : Promise.resolve(result);
  }
}

/** Why a key change cannot apply to the key table as it is (the same answer in every process). */
function keyChangeConflict(change: Exclude<PolicyChange, ProvisioningChange | IntegrationChange>, table: Policy['keyTable']): string | null {
  if (change.type === 'key.rotate') {
    if (table.byHash.has(change.hash)) return `another key has the same token hash`;
    // Two rotations made at once from the same generation: the first wins, the second is refused
    // (its token would silently replace the first one's).
    const current = table.get(change.id)?.config;
    if (current && (current.generation ?? 0) + 1 !== change.generation) return `key '${change.id}' was rotated meanwhile by another gateway: rotate it again`;
  } else if (change.type === 'key.create') {
    const id = change.key.id;
    if (table.get(id) || table.revoked.has(id)) return `a key '${id}' exists already (or was revoked: ids are not reused)`;
    if (change.key.hash !== undefined && table.byHash.has(change.key.hash)) return `another key has the same token hash`;
    return null;
  }
  if (table.get(change.id)) return null;
  return table.revoked.has(change.id) ? `key '${change.id}' is revoked` : `there is no key '${change.id}'`;
}

/** The scopes a revocation closes in the store: a key, or a grant (see the admission's guards). */
export const guardOf = {
  /**
   * Every guard the key's admissions may name: each generation's to the current one, and the
   * next one's, so that a rotation made meanwhile by another gateway is closed too (see keyGuard).
   */
  key: (id: string, generation: number): string[] => Array.from({ length: generation + 2 }, (_, g) => keyGuard(id, g)),
  grant: (integration: string, workspace: string): string => scopeName.grant(integration, workspace),
};

function unavailable(store: Store, error: unknown): StoreUnavailableError {
  const cause = error instanceof Error ? error : new Error(String(error));
  return new StoreUnavailableError(`${store.name} store failed (policy log): ${cause.message}`, cause);
}
