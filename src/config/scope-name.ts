import { flatConcat } from '../util/flat-concat.js';

/**
 * Scope names as they appear in errors, events and `limits.status`:
 * `integration:<slug>`, `grant:<slug>/<workspace>`, `workspace:<name>`, `key:<id>`.
 */
export const scopeName = {
  integration: (slug: string) => flatConcat('integration:', slug),
  grant: (slug: string, workspace: string) => flatConcat('grant:', slug, '/', workspace),
  workspace: (name: string) => flatConcat('workspace:', name),
  key: (id: string) => flatConcat('key:', id),
};
