import { WorkspaceNotProvisionedError, IntegrationDisabledError, KeyExpiredError, KeyNotFoundError, KeyRevokedError, IntegrationNotFoundError, ModelNotAllowedError } from '../errors/access-errors.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { resolveGrant, type Policy, type Target } from '../config/policy.js';
export type { Target } from '../config/policy.js';
import { scopeName } from '../config/scope-name.js';

function parseModel(model: string): { slug: string | null; model: string } {
  if (!model.startsWith('@')) return { slug: null, model };
  const slash = model.indexOf('/');
  if (slash < 2 || slash === model.length - 1) {
    throw new RequestValidationError([{ path: 'model', message: `'${model}' must be '@<integration>/<model>', e.g. '@openai-prod/gpt-4o-mini'` }]);
  }
  // Model ids may contain '/' themselves (e.g. 'meta-llama/Llama-3.1-8B'): only the first one splits.
  return { slug: model.slice(1, slash), model: model.slice(slash + 1) };
}

/**
 * Resolves `model` (`@slug/model`) and `workspace`, or `key` (which fixes both the workspace and
 * the integration; the model may then be bare).
 */
export function resolveTarget(request: { model: string; workspace?: string; key?: string }, policy: Policy, now: number): Target {
  const parsed = parseModel(request.model);
  if (request.key !== undefined) {
    const key = policy.keys.get(request.key);
    if (!key) throw policy.revokedKeys.has(request.key) ? new KeyRevokedError(request.key) : new KeyNotFoundError(request.key);
    if (key.expiresAt !== null && now >= key.expiresAt) throw new KeyExpiredError(key.id, new Date(key.expiresAt).toISOString());
    if (request.workspace !== undefined && request.workspace !== key.workspace) {
      throw new RequestValidationError([
        { path: 'workspace', message: `key '${key.id}' belongs to workspace '${key.workspace}', not '${request.workspace}'` },
      ]);
    }
    if (parsed.slug !== null && parsed.slug !== key.integration) {
      throw new ModelNotAllowedError(request.model, `${scopeName.key(key.id)} (bound to integration '${key.integration}')`);
    }
    const integration = policy.integrations.get(key.integration);
    if (!integration) throw new IntegrationNotFoundError(key.integration);
    if (integration.config.disabled === true) throw new IntegrationDisabledError(integration.slug);
    return { integration, workspace: key.workspace, key, model: parsed.model };
  }
  if (request.workspace === undefined) {
    throw new RequestValidationError([{ path: 'workspace', message: 'is required when no key is given' }]);
  }
  if (parsed.slug === null) {
    throw new RequestValidationError([
      { path: 'model', message: `'${request.model}' must name its integration: '@<integration>/${request.model}' (a bare model needs a key)` },
    ]);
  }
  const integration = policy.integrations.get(parsed.slug);
  if (!integration) throw new IntegrationNotFoundError(parsed.slug);
  if (integration.config.disabled === true) throw new IntegrationDisabledError(integration.slug);
  return { integration, workspace: request.workspace, key: null, model: parsed.model };
}

/**
 * Workspace and model provisioning, narrowest last: the integration's allowlist, then the grant
 * to the workspace, then the key. Each may only narrow the one before. Checked when a call
 * enters the target, not when it is resolved: a fallback that is not provisioned is skipped.
 */
export function checkAccess(target: Target): void {
  const { integration, workspace, key, model } = target;
  const grant = resolveGrant(integration, workspace);
  if (!grant) throw new WorkspaceNotProvisionedError(workspace, integration.slug);
  if (integration.models && !integration.models.has(model)) throw new ModelNotAllowedError(model, scopeName.integration(integration.slug));
  if (grant.models && !grant.models.has(model)) throw new ModelNotAllowedError(model, scopeName.grant(integration.slug, workspace));
  if (key?.models && !key.models.has(model)) throw new ModelNotAllowedError(model, scopeName.key(key.id));
}
