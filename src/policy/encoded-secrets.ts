import { randomUUID } from 'node:crypto';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { isSecret, secretFromReference, secretReference, type Secret, type SecretReference, type SecretResolver } from '../secrets/secret.js';

/** A secret as a policy change carries it: a reference, or (a store in this process only) a handle. */
export type EncodedCredential = { $secret: SecretReference } | { $local: string } | unknown;

/** Secrets of changes that never leave this process (a memory store), by handle. */
const localSecrets = new Map<string, Secret>();

/**
 * Secrets (credentials, headers) as a change can carry them. A shared store gets references only
 * (`secret.env`, `secret.ref`): a value would be written to the store, and a loader cannot be
 * written at all. Other values are kept as they are (validation, which runs before anything is
 * written, refuses what is not allowed).
 * @param path where the fields are, for the issues (`credentials`, `headers`)
 * @param what the change, for the error's message
 */
export function encodeSecrets(fields: Record<string, unknown>, shared: string | null, path: string, what: string): Record<string, EncodedCredential> {
  const out: Record<string, EncodedCredential> = {};
  const issues: ConfigIssue[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (!isSecret(value)) {
      out[name] = value;
      continue;
    }
    const reference = secretReference(value);
    if (reference) out[name] = { $secret: reference };
    else if (shared === null) {
      const handle = randomUUID();
      localSecrets.set(handle, value);
      out[name] = { $local: handle };
    } else {
      issues.push({
        path: `${path}.${name}`,
        message: `is a ${value.description === 'value' ? 'secret.value' : 'secret.from'}, which cannot be shared through the ${shared} store: every gateway on it applies the change, and the store would hold the key itself (or cannot hold a loader). Use secret.env('NAME') or secret.ref(resolver, name) with createGateway({ secretResolvers })`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, `Invalid ${what}`);
  return out;
}

/** The fields of a change with their secrets made back, bound to `resolvers`. */
export function decodeSecrets(fields: Record<string, EncodedCredential>, resolvers: Readonly<Record<string, SecretResolver>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value && typeof value === 'object' && '$secret' in value) out[name] = secretFromReference((value as { $secret: SecretReference }).$secret, resolvers);
    else if (value && typeof value === 'object' && '$local' in value) out[name] = localSecrets.get((value as { $local: string }).$local);
    else out[name] = value;
  }
  return out;
}

/** Secrets of `fields` that name a resolver `resolvers` does not have. */
export function unknownResolvers(fields: Record<string, unknown>, resolvers: Readonly<Record<string, SecretResolver>>, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const reference = isSecret(value) ? secretReference(value) : null;
    if (reference && 'resolver' in reference && !Object.hasOwn(resolvers, reference.resolver)) {
      const known = Object.keys(resolvers);
      issues.push({ path: `${path}.${name}`, message: `secret.ref names resolver '${reference.resolver}', which is not registered (createGateway({ secretResolvers }): ${known.length > 0 ? known.join(', ') : 'none'})` });
    }
  }
  return issues;
}

/** A secret as the audit and `integrations.get` may show it: its reference, never its value. */
export type SecretView = { env: string } | { resolver: string; name: string } | { secret: 'value' | 'loader' };

/** How a secret, or an encoded one, is shown. */
export function secretView(value: unknown): SecretView {
  if (value && typeof value === 'object' && '$secret' in value) return { ...(value as { $secret: SecretReference }).$secret };
  if (isSecret(value)) {
    const reference = secretReference(value);
    if (reference) return { ...reference };
    return { secret: value.description === 'value' ? 'value' : 'loader' };
  }
  return { secret: 'value' };
}

/** A secret's view in words: `env OPENAI_API_KEY`, `vault openai/prod`, `a secret value`. */
export function secretLabel(value: unknown): string {
  const view = secretView(value);
  if ('env' in view) return `env ${view.env}`;
  if ('resolver' in view) return `${view.resolver} ${view.name}`;
  return view.secret === 'value' ? 'a secret value' : 'a secret loader';
}
