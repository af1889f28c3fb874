import type { z } from 'zod';
import type { ConfigIssue } from './config-error.js';

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `['integrations', 0, 'workspaces', 'team a']` -> `integrations[0].workspaces["team a"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * Converts zod issues to config issues under `prefix`. Only zod's message and path are kept:
 * never the received input, which may be a credential typed where it does not belong.
 */
export function toConfigIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: formatPath([...prefix, ...issue.path]), message: issue.message }));
}
