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
}

export function buildKeyPolicy(key: ParsedKey): KeyPolicy {
  return {
    id: key.id,
    workspace: key.workspace,
    integration: key.integration,
    models: key.models ? new Set(key.models) : null,
    hash: key.hash ?? null,
    expiresAt: key.expiresAt === undefined ? null : Date.parse(key.expiresAt),
    budgets: withOrigin(scopeName.key(key.id), key.budgets),
    rateLimits: key.rateLimits,
    each: withEach(scopeName.key(key.id), key.each),
  };
}
