import { inspect } from 'node:util';

const REDACTED = '[secret]';

type Load = () => string | Promise<string>;

type Source =
  | { kind: 'env'; name: string }
  | { kind: 'value'; value: string }
  | { kind: 'from'; load: Load; ttlMs: number }
  /** A named resolver's secret: `load` is set once a gateway binds it to its resolvers. */
  | { kind: 'ref'; resolver: string; name: string; load: Load | null; ttlMs: number };

/** A loader registered at `createGateway({ secretResolvers })`: the value of the secret `name`. */
export type SecretResolver = (name: string) => string | Promise<string>;

/** What a secret is, without its value: how a shared policy change carries it. */
export type SecretReference = { env: string } | { resolver: string; name: string };

const DEFAULT_TTL_MS = 5 * 60_000;

let reveal: (s: Secret) => Promise<string>;
let revealNow: (s: Secret) => string | undefined;
let referenceOf: (s: Secret) => SecretReference | null;
let bind: (s: Secret, resolvers: Readonly<Record<string, SecretResolver>>) => Secret;

/** Why a secret could not be resolved; turned into a CredentialsUnavailableError by the caller. */
export class SecretResolutionError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${source} ${reason}`);
  }
}

/**
 * A credential held by reference. Its value is reachable only through `revealSecret` (internal),
 * never through `toString`, `toJSON`, `util.inspect`, string concatenation or property access, so
 * a config object can be logged or serialized without leaking a key.
 */
export class Secret {
  readonly #source: Source;
  #cached: { value: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;

  /** @internal use `secret.env`, `secret.value` or `secret.from` */
  constructor(source: Source) {
    this.#source = source;
  }

  /** Where the value comes from, safe to print: `env:NAME`, `value`, `provider` or `ref:RESOLVER/NAME`. */
  get description(): string {
    const s = this.#source;
    if (s.kind === 'ref') return `ref:${s.resolver}/${s.name}`;
    return s.kind === 'env' ? `env:${s.name}` : s.kind === 'value' ? 'value' : 'provider';
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${this.description})`;
  }

  static {
    // The only doors to the value; kept module-private so that they are not part of any public type.
    reveal = (s) => s.#resolve();
    revealNow = (s) => s.#resolveNow();
    referenceOf = (s) => {
      const source = s.#source;
      if (source.kind === 'env') return { env: source.name };
      return source.kind === 'ref' ? { resolver: source.resolver, name: source.name } : null;
    };
    bind = (s, resolvers) => {
      const source = s.#source;
      if (source.kind !== 'ref' || source.load) return s;
      const resolve = Object.hasOwn(resolvers, source.resolver) ? resolvers[source.resolver] : undefined;
      return new Secret({ ...source, load: resolve ? () => resolve(source.name) : null });
    };
  }

  /** The value without waiting, when it is at hand (a value, a set variable, a fresh cached load). */
  #resolveNow(): string | undefined {
    const source = this.#source;
    if (source.kind === 'value') return source.value;
    if (source.kind === 'env') return process.env[source.name] || undefined;
    return this.#cached && this.#cached.expiresAt > Date.now() ? this.#cached.value : undefined;
  }

  async #resolve(): Promise<string> {
    const source = this.#source;
    if (source.kind === 'value') return source.value;
    if (source.kind === 'env') {
      // Read on every use so that rotating the variable takes effect without a restart.
      const v = process.env[source.name];
      if (v === undefined || v === '') throw new SecretResolutionError(this.description, 'is not set');
      return v;
    }
    const load = source.load;
    if (!load) throw new SecretResolutionError(this.description, `names resolver '${(source as { resolver: string }).resolver}', which this process did not register (createGateway({ secretResolvers }))`);
    const now = Date.now();
    if (this.#cached && this.#cached.expiresAt > now) return this.#cached.value;
    // Concurrent first requests share one call to the provider (a vault, a token endpoint).
    this.#pending ??= (async () => {
      try {
        const v = await load();
        if (typeof v !== 'string' || v === '') throw new SecretResolutionError(this.description, 'returned an empty value');
        this.#cached = { value: v, expiresAt: Date.now() + source.ttlMs };
        return v;
      } catch (error) {
        if (error instanceof SecretResolutionError) throw error;
        throw new SecretResolutionError(this.description, 'failed to load');
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/** What a secret is, when that can be shared without its value (env, ref); null for a value or a loader. Internal. */
export const secretReference = (s: Secret): SecretReference | null => referenceOf(s);

/** The secret with its named resolver bound to `resolvers` (any other secret: itself). Internal. */
export const bindSecret = (s: Secret, resolvers: Readonly<Record<string, SecretResolver>>): Secret => bind(s, resolvers);

/** A secret made back from its reference. Internal. */
export function secretFromReference(ref: SecretReference, resolvers: Readonly<Record<string, SecretResolver>>): Secret {
  return 'env' in ref ? secret.env(ref.env) : bindSecret(secret.ref(ref.resolver, ref.name), resolvers);
}

/** Resolves a secret to its value. Internal: never exported from the package root. */
export const revealSecret = (s: Secret): Promise<string> => reveal(s);

/** The value if it is available without waiting; undefined otherwise. Internal. */
export const revealSecretNow = (s: Secret): string | undefined => revealNow(s);

/** Constructors of credentials held by reference. */
export const secret = {
  /** Read from `process.env[name]` each time it is needed; an unset variable fails that request. */
  env(name: string): Secret {
    if (typeof name !== 'string' || name === '') throw new TypeError('secret.env(name): name must be a non-empty string');
    return new Secret({ kind: 'env', name });
  },
  /** A value known in code (e.g. read from a secrets manager at startup). */
  value(value: string): Secret {
    if (typeof value !== 'string' || value === '') throw new TypeError('secret.value(value): value must be a non-empty string');
    return new Secret({ kind: 'value', value });
  },
  /**
   * A value loaded on demand by `load` (a vault, a token endpoint), cached for `ttlMs`
   * (default 5 minutes). Concurrent loads are shared; a failure is not cached.
   */
  from(load: () => string | Promise<string>, options: { ttlMs?: number } = {}): Secret {
    if (typeof load !== 'function') throw new TypeError('secret.from(load): load must be a function');
    return new Secret({ kind: 'from', load, ttlMs: options.ttlMs ?? DEFAULT_TTL_MS });
  },
  /**
   * The secret `name` of the resolver registered as `resolver` at
   * `createGateway({ secretResolvers })` (a vault, a secrets manager), loaded on demand and cached
   * for `ttlMs` (default 5 minutes). Being a name, not a value, it can be shared through a store:
   * `provisioning.rotateCredentials` on a shared store takes only `secret.env` and `secret.ref`.
   */
  ref(resolver: string, name: string, options: { ttlMs?: number } = {}): Secret {
    if (typeof resolver !== 'string' || resolver === '') throw new TypeError('secret.ref(resolver, name): resolver must be a non-empty string');
    if (typeof name !== 'string' || name === '') throw new TypeError('secret.ref(resolver, name): name must be a non-empty string');
    return new Secret({ kind: 'ref', resolver, name, load: null, ttlMs: options.ttlMs ?? DEFAULT_TTL_MS });
  },
};
