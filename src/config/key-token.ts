import { createHash, randomBytes } from 'node:crypto';

/** Prefix of tokens made by `generateKey`: recognizable by secret scanners and in logs. */
const TOKEN_PREFIX = 'tg_';

/**
 * The SHA-256 of a key's bearer token, as 64 lowercase hex digits: what `keys[].hash` holds.
 * A fast hash is the right one here (as for GitHub's or Stripe's API keys): tokens are 256
 * random bits, so there is nothing to brute-force, and a slow hash would cost every request.
 */
export function hashKey(token: string): string {
  if (typeof token !== 'string' || token === '') throw new TypeError('hashKey(token): token must be a non-empty string');
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A new virtual key token and its hash. Give `token` to the application (once: it is not kept
 * anywhere) and put only `hash` in the key's config.
 * @example const { token, hash } = generateKey(); // keys: [{ id: 'app-1', workspace, integration, hash }]
 */
export function generateKey(): { token: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashKey(token) };
}
