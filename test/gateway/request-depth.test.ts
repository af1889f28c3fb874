// npm test: how deep a request's values may nest, and where the error says the limit was passed; milliseconds.
import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../src/errors/request-validation-error.js';
import { assertNesting, MAX_DEPTH } from '../../src/gateway/request-depth.js';

/** `levels` objects nested in one another under `key` (the outermost counts as level 1). */
function nested(levels: number, key = 'a'): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { [key]: value };
  return value;
}

function refusal(input: unknown): RequestValidationError {
  try {
    assertNesting(input);
  } catch (error) {
    if (error instanceof RequestValidationError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('assertNesting', () => {
  it(`takes values nested ${MAX_DEPTH} levels deep, and wide ones`, () => {
    expect(() => assertNesting(nested(MAX_DEPTH))).not.toThrow();
    expect(() => assertNesting({ messages: Array.from({ length: 10_000 }, () => ({ role: 'user', content: [{ type: 'text', text: 'x' }] })) })).not.toThrow();
    expect(() => assertNesting('a string')).not.toThrow();
    expect(() => assertNesting(null)).not.toThrow();
  });

  it('refuses one level more, naming the path to the value too deep', () => {
    const error = refusal(nested(MAX_DEPTH + 1));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toBe(Array.from({ length: MAX_DEPTH }, () => 'a').join('.'));
    expect(error.issues[0]!.message).toBe(`is nested deeper than ${MAX_DEPTH} levels; no request needs that many`);
  });

  it('names array indexes and keys that are not identifiers as zod paths do', () => {
    const deep = nested(MAX_DEPTH - 2, 'my key');
    const error = refusal({ messages: [{ role: 'user' }, { tools: deep }] });
    const inner = Array.from({ length: MAX_DEPTH - 3 }, () => '["my key"]').join('');
    expect(error.issues[0]!.path).toBe(`messages[1].tools${inner}`);
  });
});
