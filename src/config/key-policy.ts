import type { ParsedKey } from './parsed-config.js';
import { scopeName } from './scope-name.js';
import { withEach, withOrigin, type ScopeLimits } from './scope-limits.js';

/** A key, indexed for the request path (see KeyTable). */
export interface KeyPolicy extends ScopeLimits {
  readonly id: string;
  readonly workspace: string;
  readonly integration: string;
  readonly models: ReadonlySet<string> | null;
  /** SHA-256 of the key's token (hex), null for a key that is not used over HTTP. */
  readonly hash: string | null;
  /** Epoch ms from which the key is refused; null: never. */
  readonly expiresAt: number | null;
  /** The SHA-256 of the token it had before its last rotation, while that one is still accepted. */
  readonly previousHash: string | null;
  /** Epoch ms until which `previousHash` is accepted. */
  readonly previousValidUntil: number | null;
  /** The scope its admissions name in their guards: revoked, no gateway admits the key (see keyGuard). */
  readonly guard: string;
  /** `key:<id>`: where its budgets are registered. */
  readonly scope: string;
  /**
   * The limiter's plans of this key's calls (see CallPlans), held by the key itself so that a call
   * through any of 100,000 keys reaches its plan without a second lookup by id. Written by the
   * request path only; the control plane never reads it, and a changed key is a new object,
   * with no plans.
   */
  plans: unknown;
  /** The analytics cell of this key's current minute, where the store keeps it (see AnalyticsSlot); the same rules as `plans`. */
  analytics: unknown;
}

/**
 * The guard of a key's token generation: `key:<id>`, then `key:<id>@<n>` after its n-th rotation.
 * A rotation without grace revokes the previous generation's guard in the store, so that a
 * gateway that has not yet applied the rotation (and would still take the old token) is refused
 * by the store; a revocation revokes the current generation's guard and the next one's.
 */
export const keyGuard = (id: string, generation: number): string => (generation === 0 ? scopeName.key(id) : `${scopeName.key(id)}@${generation}`);

/** `models`: makes the key's set of models (a table shares one set among keys with the same list). */
export function buildKeyPolicy(key: ParsedKey, models: (list: readonly string[]) => ReadonlySet<string> = (list) => new Set(list)): KeyPolicy {
  const scope = scopeName.key(key.id);
  return {
    id: key.id,
    workspace: key.workspace,
    integration: key.integration,
    models: key.models ? models(key.models) : null,
    hash: key.hash ?? null,
    expiresAt: key.expiresAt === undefined ? null : Date.parse(key.expiresAt),
    previousHash: key.previousHash ?? null,
    previousValidUntil: key.previousValidUntil === undefined ? null : Date.parse(key.previousValidUntil),
    guard: key.generation ? keyGuard(key.id, key.generation) : scope,
    scope,
    budgets: withOrigin(scope, key.budgets),
    rateLimits: key.rateLimits,
    each: withEach(scope, key.each),
    plans: null,
    analytics: null,
  };
}
