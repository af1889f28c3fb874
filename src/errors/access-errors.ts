import { GatewayError, isInstanceOf } from './gateway-error.js';

/** The request names an integration slug that the gateway does not know. */
export class IntegrationNotFoundError extends GatewayError {
  static override isInstance = isInstanceOf<IntegrationNotFoundError>('integration_not_found');
  readonly integration: string;

  constructor(integration: string) {
    super('integration_not_found', 404, `Integration '${integration}' does not exist`);
    this.integration = integration;
  }
}

/** The integration is disabled (`gateway.integrations.disable`, or `disabled: true` in its config). */
export class IntegrationDisabledError extends GatewayError {
  static override isInstance = isInstanceOf<IntegrationDisabledError>('integration_disabled');
  readonly integration: string;

  constructor(integration: string) {
    super('integration_disabled', 403, `Integration '${integration}' is disabled`);
    this.integration = integration;
  }
}

/** The request names a virtual key id that the gateway does not know. */
export class KeyNotFoundError extends GatewayError {
  static override isInstance = isInstanceOf<KeyNotFoundError>('invalid_key');
  readonly key: string;

  constructor(key: string) {
    super('invalid_key', 401, `Key '${key}' does not exist`);
    this.key = key;
  }
}

/** The key was revoked (`gateway.keys.revoke`): refused by every gateway sharing the store. */
export class KeyRevokedError extends GatewayError {
  static override isInstance = isInstanceOf<KeyRevokedError>('key_revoked');
  readonly key: string;

  constructor(key: string) {
    super('key_revoked', 401, `Key '${key}' was revoked`);
    this.key = key;
  }
}

/** The key's `expiresAt` has passed. */
export class KeyExpiredError extends GatewayError {
  static override isInstance = isInstanceOf<KeyExpiredError>('key_expired');
  readonly key: string;
  readonly expiresAt: string;

  constructor(key: string, expiresAt: string) {
    super('key_expired', 401, `Key '${key}' expired at ${expiresAt}`);
    this.key = key;
    this.expiresAt = expiresAt;
  }
}

/** The workspace has no access to the integration (never provisioned, or revoked). */
export class WorkspaceNotProvisionedError extends GatewayError {
  static override isInstance = isInstanceOf<WorkspaceNotProvisionedError>('workspace_not_provisioned');
  readonly workspace: string;
  readonly integration: string;

  constructor(workspace: string, integration: string) {
    super(
      'workspace_not_provisioned',
      403,
      `Workspace '${workspace}' is not provisioned to integration '${integration}'`,
    );
    this.workspace = workspace;
    this.integration = integration;
  }
}

/** The model is not in the allowlist of the scope named by `scope` (integration, grant or key). */
export class ModelNotAllowedError extends GatewayError {
  static override isInstance = isInstanceOf<ModelNotAllowedError>('model_not_allowed');
  readonly model: string;
  readonly scope: string;

  constructor(model: string, scope: string) {
    super('model_not_allowed', 403, `Model '${model}' is not allowed for ${scope}`);
    this.model = model;
    this.scope = scope;
  }
}

/** A rate limit of 0 disables the scope: every request through it is rejected. */
export class ScopeDisabledError extends GatewayError {
  static override isInstance = isInstanceOf<ScopeDisabledError>('scope_disabled');
  readonly scope: string;

  constructor(scope: string) {
    super('scope_disabled', 403, `${scope} is disabled (a rate limit of 0 is set)`);
    this.scope = scope;
  }
}
