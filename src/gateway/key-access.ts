import { timingSafeEqual } from 'node:crypto';
import { hashKey } from '../config/key-token.js';
import type { Policy } from '../config/policy.js';

/** What a bearer token opens: the key, and so the workspace and the integration. */
export interface KeyIdentity {
  id: string;
  workspace: string;
  integration: string;
}

/** Longer than any token `generateKey` makes by far; a longer header is refused without hashing it. */
const MAX_TOKEN_LENGTH = 512;

/**
 * The key whose configured hash is the token's, or null. The token is hashed first, so the
 * lookup compares digests, never tokens, and the final check compares the two digests in
 * constant time: how long a refusal takes says nothing about any configured token.
 */
export function authenticateKey(policy: Policy, token: string, now: number): KeyIdentity | null {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  const digest = hashKey(token);
  const key = policy.keysByHash.get(digest);
  if (!key) return null;
  // The key's current token, or the one it had before a rotation while its grace lasts.
  const current = key.hash === digest;
  if (!current && (key.previousHash !== digest || key.previousValidUntil === null || now >= key.previousValidUntil)) return null;
  if (!timingSafeEqual(Buffer.from(digest, 'hex'), Buffer.from(current ? key.hash! : key.previousHash!, 'hex'))) return null;
  if (key.expiresAt !== null && now >= key.expiresAt) return null;
  return { id: key.id, workspace: key.workspace, integration: key.integration };
}
