import type { ParsedKey } from './parsed-config.js';
import { buildKeyPolicy, type KeyPolicy } from './key-policy.js';

/** Distinct model lists whose sets are shared, at most. */
const MODEL_SETS = 10_000;

/** A key as the table holds it: its config, its policy, and when it was made at runtime. */
export interface KeyEntry {
  readonly config: ParsedKey;
  readonly policy: KeyPolicy;
  /** ISO time of `keys.create`; null for a key of the static config. */
  readonly createdAt: string | null;
}

/** The keys' policies by id, as the request path reads them. */
export interface KeyPolicies {
  get(id: string): KeyPolicy | undefined;
  values(): IterableIterator<KeyPolicy>;
  readonly size: number;
}

/**
 * Every key of a gateway, indexed by id and by token hash, and the ids revoked at runtime. One
 * table is shared by the successive policies of a gateway and changed in place, so that a key
 * change costs O(1) whatever the number of keys; a call keeps the `KeyPolicy` it started with
 * (a new object on every change), so a change never alters a call already running.
 */
export class KeyTable {
  readonly #entries = new Map<string, KeyEntry>();
  /** Policies by id, what the request path reads: a view of the entries (no map of its own, at 100,000 keys). */
  readonly policies: KeyPolicies;
  /** Policies by the SHA-256 of their token (keys that have one). */
  readonly byHash = new Map<string, KeyPolicy>();
  /** Ids of keys revoked at runtime: refused as revoked, never reused. */
  readonly revoked = new Set<string>();
  /**
   * Entries by workspace (a key's workspace never changes): a change to one workspace's grant
   * checks its keys, not every key. Made on the first such change, then kept up to date:
   * createGateway with 100,000 keys does not index them twice for a change that may never come.
   */
  #byWorkspace: Map<string, Map<string, KeyEntry>> | null = null;

  /** Model sets by their list: keys with the same allowlist (most of 100,000) share one set. */
  readonly #modelSets = new Map<string, ReadonlySet<string>>();

  constructor(keys: readonly ParsedKey[] = []) {
    const entries = this.#entries;
    this.policies = {
      get: (id) => entries.get(id)?.policy,
      *values() {
        for (const entry of entries.values()) yield entry.policy;
      },
      get size() {
        return entries.size;
      },
    };
    for (const key of keys) this.put(key, null);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): KeyEntry | undefined {
    return this.#entries.get(id);
  }

  entries(): IterableIterator<KeyEntry> {
    return this.#entries.values();
  }

  /** The keys of one workspace. */
  inWorkspace(workspace: string): Iterable<KeyEntry> {
    if (this.#byWorkspace === null) {
      this.#byWorkspace = new Map();
      for (const entry of this.#entries.values()) this.#index(entry);
    }
    return this.#byWorkspace.get(workspace)?.values() ?? [];
  }

  /** Adds or replaces a key; returns its new policy. */
  put(config: ParsedKey, createdAt: string | null): KeyPolicy {
    const previous = this.#entries.get(config.id);
    if (previous) this.#unindex(previous.policy);
    const policy = buildKeyPolicy(config, (list) => this.#modelSet(list));
    const entry = { config, policy, createdAt: createdAt ?? previous?.createdAt ?? null };
    this.#entries.set(config.id, entry);
    if (this.#byWorkspace !== null) this.#index(entry);
    if (policy.hash !== null) this.byHash.set(policy.hash, policy);
    if (policy.previousHash !== null) this.byHash.set(policy.previousHash, policy);
    return policy;
  }

  #index(entry: KeyEntry): void {
    let inWorkspace = this.#byWorkspace!.get(entry.config.workspace);
    if (!inWorkspace) this.#byWorkspace!.set(entry.config.workspace, (inWorkspace = new Map()));
    inWorkspace.set(entry.config.id, entry);
  }

  #modelSet(list: readonly string[]): ReadonlySet<string> {
    const id = list.join('\n');
    let set = this.#modelSets.get(id);
    if (!set) {
      set = new Set(list);
      // Bounded: past it, keys get sets of their own (as many distinct lists means little sharing).
      if (this.#modelSets.size < MODEL_SETS) this.#modelSets.set(id, set);
    }
    return set;
  }

  /** Drops a key's token hashes (its current and its previous one) from the index. */
  #unindex(policy: KeyPolicy): void {
    if (policy.hash !== null && this.byHash.get(policy.hash) === policy) this.byHash.delete(policy.hash);
    if (policy.previousHash !== null && this.byHash.get(policy.previousHash) === policy) this.byHash.delete(policy.previousHash);
  }

  /** Removes a key for good: its id stays known as revoked. */
  revoke(id: string): KeyEntry | undefined {
    const entry = this.#entries.get(id);
    this.revoked.add(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    this.#byWorkspace?.get(entry.config.workspace)?.delete(id);
    this.#unindex(entry.policy);
    return entry;
  }
}
