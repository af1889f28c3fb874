/**
 * Marker shared by every copy of tollgate loaded in one process. `instanceof` fails when an
 * application ends up with two copies of the package (a dependency pinned to another version,
 * ESM and CJS side by side); `GatewayError.isInstance` checks this marker instead.
 */
const MARKER = Symbol.for('tollgate.error');

export interface GatewayErrorOptions {
  cause?: unknown;
}

/** Base class of every error tollgate throws. */
export class GatewayError extends Error {
  /** Stable, machine-readable code (e.g. `rate_limit_exceeded`). */
  readonly code: string;
  /** HTTP-like status a server built on the gateway should answer with. */
  readonly status: number;
  /** Set on every instance; read by `isInstance`. */
  readonly [MARKER] = true;

  constructor(code: string, status: number, message: string, options?: GatewayErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = status;
    this.name = new.target.name;
  }

  /** True for any tollgate error, even one created by another copy of the package. */
  static isInstance(error: unknown): error is GatewayError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** A plain object safe to log or send to a client: code, status, message and the public fields. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, status: this.status, message: this.message };
    for (const [k, v] of Object.entries(this)) {
      if (k === 'code' || k === 'status' || k === 'cause') continue;
      out[k] = v;
    }
    return out;
  }
}

/**
 * Builds the static `isInstance` of a subclass: the marker plus the subclass's stable code,
 * so that `RateLimitExceededError.isInstance(e)` holds across package copies too.
 */
export function isInstanceOf<T extends GatewayError>(code: string) {
  return (error: unknown): error is T => GatewayError.isInstance(error) && error.code === code;
}
