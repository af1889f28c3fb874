import { formatPath } from '../errors/format-issues.js';
import { RequestValidationError } from '../errors/request-validation-error.js';

/**
 * How deep a request's values may nest. A JSON schema of a tool or a response format nests a few
 * levels; a body nested thousands deep only exhausts the stack of whatever recurses into it
 * (serializing it for the provider, estimating its tokens), which would answer the caller's
 * mistake as the gateway's or the provider's failure.
 */
export const MAX_DEPTH = 64;

/**
 * Refuses a request with a value nested deeper than MAX_DEPTH, naming where (a
 * RequestValidationError, a 400 over HTTP). Stops at the first such value: its work is bounded by
 * the size of the request, whatever its shape.
 */
export function assertNesting(input: unknown): void {
  if (typeof input !== 'object' || input === null) return;
  const path = tooDeep(input, 1);
  if (path !== null) {
    throw new RequestValidationError([{ path: formatPath(path.reverse()), message: `is nested deeper than ${MAX_DEPTH} levels; no request needs that many` }]);
  }
}

/**
 * The path to the first value nested deeper than MAX_DEPTH (innermost first), or null.
 * Recursive, at most MAX_DEPTH + 1 calls deep, and the path is made only for a request refused:
 * every call's body passes here, and one that is well formed allocates nothing.
 */
function tooDeep(value: object, depth: number): PropertyKey[] | null {
  if (depth > MAX_DEPTH) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'object' || item === null) continue;
      const path = tooDeep(item, depth + 1);
      if (path !== null) {
        path.push(i);
        return path;
      }
    }
    return null;
  }
  for (const name in value) {
    const item: unknown = (value as Record<string, unknown>)[name];
    if (typeof item !== 'object' || item === null) continue;
    const path = tooDeep(item, depth + 1);
    if (path !== null) {
      path.push(name);
      return path;
    }
  }
  return null;
}
