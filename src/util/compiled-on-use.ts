import { z } from 'zod';

/** What a hot path asks of a schema: its parse, with zod's own result and issues. */
export interface SchemaParser<T> {
  safeParse(input: unknown): z.ZodSafeParseResult<T>;
}

/**
 * Parses after which a schema is compiled. zod's compiler generates a parser for the schema
 * (`z.compile`): three to five times faster on a chat request or a key (about 0.6 µs against 2.5
 * on a request, measured), but the generation costs 2 to 20 ms. A process that parses a schema a
 * thousand times will parse it many more; one that parses it a few times (a CLI, a test, a small
 * config) never pays for the compiler.
 */
const COMPILE_AFTER_USES = 1_000;

/**
 * `schema`'s parse, compiled by zod once it has been used COMPILE_AFTER_USES times. The schema
 * stays the source of truth: the compiled parser is generated from it, and every input its fast
 * path rejects is parsed again by zod's runtime parser, so an invalid input gets the same issues
 * (test/util/compiled-on-use.test.ts checks that both agree). A schema zod cannot compile keeps its
 * runtime parser.
 */
export function compiledOnUse<T extends z.ZodType>(schema: T, afterUses = COMPILE_AFTER_USES): SchemaParser<z.output<T>> {
  return new CompiledOnUse(schema, afterUses);
}

class CompiledOnUse<T extends z.ZodType> implements SchemaParser<z.output<T>> {
  #schema: T;
  #uses = 0;
  readonly #afterUses: number;

  constructor(schema: T, afterUses: number) {
    this.#schema = schema;
    this.#afterUses = afterUses;
  }

  safeParse(input: unknown): z.ZodSafeParseResult<z.output<T>> {
    if (this.#uses < this.#afterUses && ++this.#uses === this.#afterUses) this.#schema = z.compile(this.#schema);
    return this.#schema.safeParse(input);
  }
}
