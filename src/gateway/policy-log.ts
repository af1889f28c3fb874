import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ParsedConfig, ParsedKey } from '../config/parsed-config.js';
import { parseConfig } from '../config/parse-config.js';
import { buildPolicy, type Policy } from '../config/policy.js';
import { scopeName } from '../config/scope-name.js';
import { ConfigError } from '../errors/config-error.js';
import { StoreUnavailableError } from '../errors/runtime-errors.js';
import type { GatewayEvents, KeyChangeEvent } from '../events/gateway-events.js';
import type { MaybePromise, PolicyChangeRecord, Store } from '../stores/store.js';
import { withTimeout } from '../util/with-timeout.js';

/** A key as the policy log carries it: its config, never its token (the hash only). */
export type LoggedKey = ParsedKey & { createdAt: string };

/** The fields of a key `keys.update` may change. */
export type KeyPatch = Partial<Pick<ParsedKey, 'name' | 'models' | 'budgets' | 'rateLimits' | 'metadata' | 'expiresAt'>>;

/** One runtime change, as the log stores it (JSON). `origin` is the gateway that made it. */
export type PolicyChange =
  | { type: 'key.create'; origin: string; key: LoggedKey }
  | { type: 'key.update'; origin: string; id: string; patch: KeyPatch }
  | { type: 'key.revoke'; origin: string; id: string };

/** What the log changes when it applies changes: the gateway's state, as little of it as it needs. */
export interface PolicyHost {
  policy: Policy;
  readonly limiter: { usePolicy(policy: Policy): void };
  readonly dispatcher: { readonly events: GatewayEvents };
  readonly clock: () => number;
}

/** Changes read from the store at once when catching up. */
const PAGE = 500;

/**
 * Runtime policy changes shared by every gateway on the store: each change is appended to the
 * store's policy log (one order, none lost) and applied, in version order, by every gateway,
 * this one included; a gateway started later replays the log before its first call. A change is
 * validated before it is appended, and applied by a rule every process computes the same way (a
 * key id created twice: the first wins), so every process ends with the same policy.
 *
 * Propagation: a poll every `pollMs` reads what is new (one store call when nothing is). A
 * revocation does not wait for it: the admission of every call through a key checks, in the same
 * atomic store call, that the key is not revoked (`guards`).
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
  #ready: { state: 'done' } | { state: 'pending'; promise: Promise<void> } | { state: 'failed'; at: number; error: unknown } = { state: 'done' };
  /** Why a change of a given version was not applied (a conflict), for the call that appended it. */
  readonly #rejected = new Map<number, string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #unwatch: (() => void) | undefined;
  /** The last background read failed (its failure was announced). */
  #failing = false;
  /** When each runtime key was created (config keys have none). */
  readonly #createdAt = new Map<string, string>();

  constructor(state: PolicyHost, store: Store, options: { timeoutMs: number; pollMs: number }) {
    this.#state = state;
    this.#store = store;
    this.#timeoutMs = options.timeoutMs;
    this.#local = typeof store.appendPolicyChange !== 'function' || typeof store.readPolicyChanges !== 'function';
    if (this.#local) return;
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

  /** Replays the log (after `after`: the push is on); `ready()` tells when it is done. */
  #startSync(after?: Promise<void>): void {
    // A store that answers at once (memory) is replayed at once: the first call does not wait.
    if (!after) {
      try {
        if (this.#replayNow()) {
          this.#ready = { state: 'done' };
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

  /** When a runtime key was created; undefined for a key of the static config. */
  createdAt(id: string): string | undefined {
    return this.#createdAt.get(id);
  }

  /** Stops polling (the gateway is closing). */
  close(): void {
    clearInterval(this.#timer);
    this.#unwatch?.();
  }

  /**
   * Appends a change and applies it here; resolves with its version once applied. Validation
   * happens first, against this process's policy, so a bad change is appended nowhere.
   */
  async append(change: PolicyChange, revoke?: string[]): Promise<number> {
    const { config, revoked } = this.#apply([change], this.#state.policy.config, this.#state.policy.revokedKeys, null);
    const parsed = parseConfig(config, { requireKeyAccess: false });
    if ('issues' in parsed) throw new ConfigError(parsed.issues, `Invalid change (${change.type})`);
    if (this.#local) {
      this.#version++;
      this.#install(parsed.config, revoked, [{ version: this.#version, change }]);
      return this.#version;
    }
    let version: number;
    try {
      version = await this.#bounded(this.#store.appendPolicyChange!({ change: JSON.stringify(change), ...(revoke ? { revoke } : {}) }), 'append a policy change');
    } catch (error) {
      throw unavailable(this.#store, error);
    }
    while (this.#version < version) await this.sync();
    const reason = this.#rejected.get(version);
    this.#rejected.delete(version);
    if (reason !== undefined) throw new ConfigError([{ path: 'id', message: reason }], `Change refused (${change.type})`);
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

  /** Reads and applies what the log has beyond this process's version. One sync at a time. */
  sync(): Promise<void> {
    return (this.#syncing ??= this.#catchUp().finally(() => (this.#syncing = null)));
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const records = await this.#bounded(this.#store.readPolicyChanges!(this.#version, PAGE), 'read the policy log');
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

  /** Applies a page of the log; true when it was the last page. */
  #applyRecords(records: readonly PolicyChangeRecord[]): boolean {
    // Another sync may have applied some of them meanwhile.
    const fresh = records.filter((r) => r.version > this.#version);
    if (fresh.length === 0) return records.length < PAGE;
    const changes = fresh.map((r) => JSON.parse(r.change) as PolicyChange);
    const { config, revoked } = this.#apply(changes, this.#state.policy.config, this.#state.policy.revokedKeys, fresh);
    const parsed = parseConfig(config, { requireKeyAccess: false });
    // Every change was valid where it was made; one that no longer is (this process's static
    // config differs) is reported, and the policy stays as it was.
    if ('issues' in parsed) throw new ConfigError(parsed.issues, "The policy log does not apply to this gateway's config");
    this.#version = fresh.at(-1)!.version;
    this.#install(parsed.config, revoked, fresh.map((r, i) => ({ version: r.version, change: changes[i]! })));
    return records.length < PAGE;
  }

  /**
   * Applies changes to a config, by rules that give every process the same result: a key created
   * twice keeps the first, a change to a key that does not exist is skipped. `records` given (a
   * replay): a skipped change is remembered as rejected, for the gateway that appended it.
   */
  #apply(
    changes: readonly PolicyChange[],
    base: ParsedConfig,
    baseRevoked: ReadonlySet<string>,
    records: readonly PolicyChangeRecord[] | null,
  ): { config: ParsedConfig; revoked: Set<string> } {
    const keys = new Map(base.keys.map((k) => [k.id, k]));
    const revoked = new Set(baseRevoked);
    changes.forEach((change, i) => {
      const reject = (reason: string) => {
        if (records) this.#rejected.set(records[i]!.version, reason);
        else throw new ConfigError([{ path: 'id', message: reason }], `Invalid change (${change.type})`);
      };
      if (change.type === 'key.create') {
        if (keys.has(change.key.id) || revoked.has(change.key.id)) return reject(`a key '${change.key.id}' exists already (or was revoked: ids are not reused)`);
        const { createdAt: _createdAt, ...key } = change.key;
        keys.set(key.id, key);
      } else {
        const key = keys.get(change.id);
        if (!key) return reject(revoked.has(change.id) ? `key '${change.id}' is revoked` : `there is no key '${change.id}'`);
        if (change.type === 'key.update') keys.set(change.id, { ...key, ...change.patch });
        else {
          keys.delete(change.id);
          revoked.add(change.id);
        }
      }
    });
    return { config: { ...base, keys: [...keys.values()] }, revoked };
  }

  /** Makes the policy current and announces each change applied. */
  #install(config: ParsedConfig, revoked: ReadonlySet<string>, applied: ReadonlyArray<{ version: number; change: PolicyChange }>): void {
    const state = this.#state;
    const before = state.policy;
    const policy = buildPolicy(config, revoked);
    state.policy = policy;
    state.limiter.usePolicy(policy);
    const at = new Date(state.clock()).toISOString();
    for (const { version, change } of applied) {
      if (this.#rejected.has(version)) continue;
      if (change.type === 'key.create') this.#createdAt.set(change.key.id, change.key.createdAt);
      const id = change.type === 'key.create' ? change.key.id : change.id;
      const key = policy.keys.get(id) ?? before.keys.get(id);
      if (!key) continue;
      const event: KeyChangeEvent = { id, workspace: key.workspace, integration: key.integration, version, origin: change.origin, at };
      const name = change.type === 'key.create' ? 'key.created' : change.type === 'key.update' ? 'key.updated' : 'key.revoked';
      state.dispatcher.events.emit(name, event);
    }
  }

  #bounded<T>(result: MaybePromise<T>, what: string): Promise<T> {
    return result instanceof Promise ? withTimeout(result, this.#timeoutMs, `${this.#store.name} store: ${what}`) : Promise.resolve(result);
  }
}

/** The scope a revoked key's admissions are checked against, in the store. */
export const keyGuard = (id: string): string => scopeName.key(id);

function unavailable(store: Store, error: unknown): StoreUnavailableError {
  const cause = error instanceof Error ? error : new Error(String(error));
  return new StoreUnavailableError(`${store.name} store failed (policy log): ${cause.message}`, cause);
}
