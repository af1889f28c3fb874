import { resolveGrant } from '../config/policy.js';
import { ModelNotAllowedError, WorkspaceNotProvisionedError } from '../errors/access-errors.js';
import { scopeName } from '../config/scope-name.js';
import type { Target } from './resolve-target.js';

/**
 * Workspace and model provisioning, narrowest last: the integration's allowlist, then the grant
 * to the workspace, then the key. Each may only narrow the one before.
 */
export function checkAccess(target: Target): void {
  const { integration, workspace, key, model } = target;
  const grant = resolveGrant(integration, workspace);
  if (!grant) throw new WorkspaceNotProvisionedError(workspace, integration.slug);
  if (integration.models && !integration.models.has(model)) throw new ModelNotAllowedError(model, scopeName.integration(integration.slug));
  if (grant.models && !grant.models.has(model)) throw new ModelNotAllowedError(model, scopeName.grant(integration.slug, workspace));
  if (key?.models && !key.models.has(model)) throw new ModelNotAllowedError(model, scopeName.key(key.id));
}
