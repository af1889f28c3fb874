import { CredentialsUnavailableError } from '../errors/runtime-errors.js';
import { isSecret, revealSecret, revealSecretNow, SecretResolutionError } from './secret.js';

export interface ResolvedCredentials {
  /** Every credential field as a string, secrets revealed. */
  values: Record<string, string>;
  /** The revealed secret values, to be removed from anything the gateway outputs. */
  secrets: string[];
}

/**
 * Reveals an integration's credentials for one call, without waiting when every secret is at
 * hand (the usual case: values, set variables, fresh cached loads). Null when one must be loaded.
 */
export function resolveCredentialsNow(credentials: Record<string, unknown>): ResolvedCredentials | null {
  const values: Record<string, string> = {};
  const secrets: string[] = [];
  for (const name in credentials) {
    const value = credentials[name];
    if (isSecret(value)) {
      const revealed = revealSecretNow(value);
      if (revealed === undefined) return null;
      values[name] = revealed;
      secrets.push(revealed);
    } else if (typeof value === 'string') values[name] = value;
  }
  return { values, secrets };
}

/**
 * Reveals an integration's credentials (or its headers: `field`) for one call; an unset variable
 * names itself and the integration.
 */
export async function resolveCredentials(integration: string, credentials: Record<string, unknown>, field = 'credentials'): Promise<ResolvedCredentials> {
  const values: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(credentials)) {
    if (isSecret(value)) {
      try {
        const revealed = await revealSecret(value);
        values[name] = revealed;
        secrets.push(revealed);
      } catch (error) {
        const reason = error instanceof SecretResolutionError ? error.reason : 'failed to load';
        throw new CredentialsUnavailableError(integration, `${field}.${name} (${value.description})`, reason);
      }
    } else if (typeof value === 'string') values[name] = value;
  }
  return { values, secrets };
}
