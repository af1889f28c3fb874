import { untilAborted } from '../../util/until-aborted.js';
import type { TemporaryCredentials } from './assume-role.js';
import { createHash } from 'node:crypto';

export interface RoleCredentialsCacheOptions {
  /** Current time in ms. Default `Date.now` (a seam for tests). */
  clock?: () => number;
  /** How long before their expiration cached credentials are refreshed. Default 5 minutes. */
  refreshMarginMs?: number;
}

interface Entry {
  credentials: TemporaryCredentials | null;
  pending: Promise<TemporaryCredentials> | null;
}

/** Credentials this close to their expiration are never used: a signed request takes time to arrive. */
const MIN_VALIDITY_MS = 30_000;

/**
 * Temporary credentials of assumed roles, by the identity that assumed them (base keys, role,
 * external id, session name, endpoint: any change, such as rotated keys, is a new entry).
 *
 * Credentials are refreshed `refreshMarginMs` before they expire, so that no request is signed
 * with credentials about to lapse. Concurrent callers share one refresh. If a refresh fails while
 * the cached credentials are still valid, those are used and the next call tries again. The
 * refresh does not take the signal of the call that started it (others wait on it too): each
 * caller stops waiting on its own abort instead.
 */
export class RoleCredentialsCache {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: () => number;
  readonly #margin: number;

  constructor(options: RoleCredentialsCacheOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#margin = options.refreshMarginMs ?? 5 * 60_000;
  }

  /** A hash of the identity: the cache never holds the base secret as a key. */
  static key(parts: ReadonlyArray<string | undefined>): string {
    return createHash('sha256').update(parts.map((p) => p ?? '').join('\0')).digest('hex');
  }

  async get(key: string, load: () => Promise<TemporaryCredentials>, signal?: AbortSignal): Promise<TemporaryCredentials> {
    let entry = this.#entries.get(key);
    const now = this.#clock();
    if (entry?.credentials && now < entry.credentials.expiration - this.#margin) return entry.credentials;
    if (!entry) {
      this.#evictExpired(now);
      entry = { credentials: null, pending: null };
      this.#entries.set(key, entry);
    }
    const current = entry;
    current.pending ??= load().then(
      (credentials) => {
        current.credentials = credentials;
        current.pending = null;
        return credentials;
      },
      (error: unknown) => {
        current.pending = null;
        if (current.credentials && this.#clock() < current.credentials.expiration - MIN_VALIDITY_MS) return current.credentials;
        throw error;
      },
    );
    return untilAborted(current.pending, signal);
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (!entry.pending && (!entry.credentials || entry.credentials.expiration <= now)) this.#entries.delete(key);
    }
  }
}
