import { GatewayError, isInstanceOf } from './gateway-error.js';

/** One problem in a configuration, located by its path (e.g. `integrations[0].workspaces.team-a.models[1]`). */
export interface ConfigIssue {
  path: string;
  message: string;
}

function describe(issues: readonly ConfigIssue[], context: string): string {
  const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`);
  const n = issues.length;
  return `${context} (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/**
 * The configuration (or a runtime provisioning change) is invalid. Lists every problem at once,
 * each with its path, so that one run shows everything to fix. Never includes secret values.
 */
export class ConfigError extends GatewayError {
  static override isInstance = isInstanceOf<ConfigError>('invalid_config');
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], context = 'Invalid tollgate configuration') {
    super('invalid_config', 500, describe(issues, context));
    this.issues = issues;
  }
}
