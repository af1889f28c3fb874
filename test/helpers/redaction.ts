import { inspect } from 'node:util';
import { expect } from 'vitest';
import type { ProviderError } from '../../src/index.js';

/** Every place a caller, a logger or a sink could see the error. */
export function exposures(error: ProviderError, events: unknown[]): Record<string, string> {
  return {
    message: error.message,
    stack: error.stack ?? '',
    json: JSON.stringify(error),
    inspect: inspect(error, { depth: 10 }),
    body: JSON.stringify(error.body),
    headers: JSON.stringify(error.headers),
    cause: inspect(error.cause, { depth: 10 }),
    events: JSON.stringify(events),
  };
}

/**
 * Expects none of `secrets` in any of `values` (named, e.g. by `exposures`). Compares with
 * `includes` so that a failure names the place without printing the secret into the test log.
 */
export function expectNoSecret(values: Record<string, string>, secrets: readonly string[]): void {
  for (const [where, text] of Object.entries(values)) {
    secrets.forEach((secret, i) => expect(text.includes(secret), `${where} contains secret #${i}`).toBe(false));
  }
}
