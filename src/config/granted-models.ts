import { listedModels } from '../catalog/catalog-families.js';
import { resolveGrant, type IntegrationPolicy, type KeyPolicy, type Policy } from './policy.js';

/**
 * The models a key may call, sorted: the integration's allowlist and custom models, narrowed by
 * the workspace's grant and by the key. An integration with `models: 'all'` cannot enumerate what
 * its provider serves: its list is what a grant or the key names, else its custom models and
 * the models it prices, and a vendor preset's catalog models. Empty when the workspace lost its grant.
 */
export function modelsOfKey(policy: Policy, keyId: string): string[] | null {
  const key: KeyPolicy | undefined = policy.keys.get(keyId);
  if (!key) return null;
  const integration = policy.integrations.get(key.integration);
  if (!integration) return [];
  return grantedModels(integration, key.workspace, key.models).sort();
}

/**
 * The models `workspace` may call, sorted: `@slug/model` for every integration it reaches, or
 * bare ids of `integration` alone when one is named (empty when the workspace does not reach it).
 */
export function modelsOfWorkspace(policy: Policy, workspace: string, integration?: string): string[] {
  if (integration !== undefined) {
    const one = policy.integrations.get(integration);
    return one ? grantedModels(one, workspace, null).sort() : [];
  }
  const models: string[] = [];
  for (const [slug, each] of policy.integrations) for (const model of grantedModels(each, workspace, null)) models.push(`@${slug}/${model}`);
  return models.sort();
}

/** What the grant of `workspace` lets it call on `integration`, narrowed by a key's list. */
function grantedModels(integration: IntegrationPolicy, workspace: string, narrow: ReadonlySet<string> | null): string[] {
  const grant = resolveGrant(integration, workspace);
  if (!grant || integration.config.disabled === true) return [];
  const config = integration.config;
  const base =
    integration.models ?? grant.models ?? narrow ?? new Set([...config.customModels.map((m) => m.id), ...Object.keys(config.pricing ?? {}), ...listedModels(integration.provider)]);
  const models: string[] = [];
  for (const model of base) {
    if (grant.models && !grant.models.has(model)) continue;
    if (narrow && !narrow.has(model)) continue;
    models.push(model);
  }
  return models;
}
