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
 * RequestValidationError, a 400 over HTTP). Iterative, and stops at the first such value: its
 * work is bounded by the size of the request, whatever its shape.
 */
export function assertNesting(input: unknown): void {
  if (typeof input !== 'object' || input === null) return;
  const stack: Array<{ value: object; depth: number; path: string }> = [{ value: input, depth: 1, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (depth > MAX_DEPTH) {
      throw new RequestValidationError([{ path, message: `is nested deeper than ${MAX_DEPTH} levels; no request needs that many` }]);
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'object' && item !== null) stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` });
      }
    } else {
      for (const name in value) {
        const item: unknown = (value as Record<string, unknown>)[name];
        if (typeof item === 'object' && item !== null) stack.push({ value: item, depth: depth + 1, path: path === '' ? name : `${path}.${name}` });
      }
    }
  }
}
