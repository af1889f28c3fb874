import type { ParsedIntegration } from '../config/parsed-config.js';
import type { Policy } from '../config/policy.js';
import { IntegrationNotFoundError } from '../errors/access-errors.js';
import { ConfigError } from '../errors/config-error.js';
import type { SecretResolver } from '../secrets/secret.js';
import { decodeSecrets, type EncodedCredential } from './encoded-secrets.js';
import { replaceIntegration, type ProvisioningResult } from './provisioning-change.js';

/** One `gateway.integrations.*` change, as the policy log stores it (JSON). */
export interface IntegrationChange {
  type: 'integration';
  origin: string;
  action: 'create' | 'update' | 'disable' | 'enable';
  slug: string;
  /** `create`: the integration's config, its secrets as references (see encodeSecrets). */
  config?: Record<string, unknown>;
  /** `update`: the fields replaced; a field set to null is removed. */
  changes?: Record<string, unknown>;
}

/** An integration change applied to a policy: the new config, and the integration as it now is. */
export interface IntegrationResult extends ProvisioningResult {
  integration: ParsedIntegration;
}

/**
 * Applies an integration change to `policy` without changing it, validated like the startup
 * config; an update is also held against the integration's keys (a key may not be left with a
 * model its integration no longer serves). Every gateway computes the same result.
 */
export function applyIntegrationChange(policy: Policy, change: IntegrationChange, resolvers: Readonly<Record<string, SecretResolver>>): IntegrationResult {
  const integrations = policy.config.integrations;
  const index = integrations.findIndex((i) => i.slug === change.slug);
  const what = `integrations.${change.action}('${change.slug}')`;
  let after: ParsedIntegration;
  if (change.action === 'create') {
    if (index >= 0) throw new ConfigError([{ path: 'slug', message: `an integration '${change.slug}' exists already` }], `Invalid ${what}`);
    after = withSecrets(change.config ?? {}, resolvers) as ParsedIntegration;
  } else {
    if (index < 0) throw new IntegrationNotFoundError(change.slug);
    const before = integrations[index]!;
    if (change.action === 'update') {
      const next: Record<string, unknown> = { ...before, ...withSecrets(change.changes ?? {}, resolvers) };
      for (const [name, value] of Object.entries(change.changes ?? {})) if (value === null) delete next[name];
      after = next as ParsedIntegration;
    } else if (change.action === 'disable') {
      after = { ...before, disabled: true };
    } else {
      const { disabled: _dropped, ...rest } = before;
      after = rest as ParsedIntegration;
    }
  }
  // Only an update can change what a key may call; its keys are every key of the integration.
  const affected = change.action === 'update' ? policy.keyTable.entries() : [];
  const result = replaceIntegration(policy, index, after, affected, what);
  return { ...result, integration: result.config.integrations.find((i) => i.slug === change.slug)! };
}

/** The fields with their encoded credentials and headers made back into secrets. */
function withSecrets(fields: Record<string, unknown>, resolvers: Readonly<Record<string, SecretResolver>>): Record<string, unknown> {
  const out = { ...fields };
  for (const name of ['credentials', 'headers'] as const) {
    const value = fields[name];
    if (value && typeof value === 'object') out[name] = decodeSecrets(value as Record<string, EncodedCredential>, resolvers);
  }
  return out;
}
