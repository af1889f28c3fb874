/**
 * Scope names as they appear in errors, events and `limits.status`:
 * `integration:<slug>`, `grant:<slug>/<workspace>`, `workspace:<name>`, `key:<id>`.
 */
export const scopeName = {
  integration: (slug: string) => `integration:${slug}`,
  grant: (slug: string, workspace: string) => `grant:${slug}/${workspace}`,
  workspace: (name: string) => `workspace:${name}`,
  key: (id: string) => `key:${id}`,
};
