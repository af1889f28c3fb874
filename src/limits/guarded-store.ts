import pRetry from 'p-retry';
import { StoreUnavailableError } from '../errors/runtime-errors.js';
import type { GatewayEvents } from '../events/gateway-events.js';
import type {
  AdmitInput,
  AdmitResult,
  BudgetOrigin,
  BudgetRegistration,
  CounterState,
  MaybePromise,
  SettledCounter,
  SettleInput,
  Store,
} from '../stores/store.js';
import { toIso } from '../util/to-iso.js';
import { withTimeout } from '../util/with-timeout.js';
import type { StoreDegradedEvent } from '../events/limit-events.js';

export interface StoreFailurePolicy {
  /** `fail-closed`: refuse calls the store cannot check. `fail-open`: admit them, unchecked. */
  onStoreError: 'fail-closed' | 'fail-open';
  /** A store call that takes longer counts as failed (the call itself is not cancelled). */
  timeoutMs: number;
}

export interface StoreStats {
  name: string;
  /** Degraded decisions since the gateway started, by kind. */
  degraded: Record<StoreDegradedEvent['decision'], number>;
  /** Settlements in flight: sent and not answered yet, or failed and being retried. */
  pendingSettlements: number;
}

/** An admission the store could not make, admitted anyway under `fail-open`. */
export const UNRESERVED: AdmitResult = Object.freeze({ admitted: true as const });

/**
 * A store behind the gateway's failure policy. Every store call is bounded by `timeoutMs`;
 * every degraded decision is announced as `store.degraded` and counted. When the store comes
 * back, the next call uses it again: nothing to restart.
 *
 * - Admission that fails: refused (`StoreUnavailableError`, fail-closed) or admitted without a
 *   reservation (fail-open). If the store answers after the timeout and did reserve, `late`
 *   hears of it, so the reservation is released or settled, never leaked.
 * - Settlement that fails: the call has happened, so its usage must be recorded. It is retried
 *   in the background (p-retry) until recorded (`recorded-late`) or given up (`lost`); stores
 *   settle idempotently, so a retry after a timeout that did apply changes nothing.
 */
export class GuardedStore {
  readonly #store: Store;
  readonly #policy: StoreFailurePolicy;
  readonly #events: GatewayEvents;
  readonly #clock: () => number;
  readonly #pending = new Set<Promise<void>>();
  readonly #degraded: StoreStats['degraded'] = { refused: 0, admitted: 0, deferred: 0, 'recorded-late': 0, lost: 0 };

  constructor(store: Store, policy: StoreFailurePolicy, events: GatewayEvents, clock: () => number) {
    this.#store = store;
    this.#policy = policy;
    this.#events = events;
    this.#clock = clock;
  }

  get store(): Store {
    return this.#store;
  }

  #bounded<T>(result: MaybePromise<T>, what: string): MaybePromise<T> {
    return result instanceof Promise ? withTimeout(result, this.#policy.timeoutMs, `${this.#store.name} store ${what}`) : result;
  }

  admit(input: AdmitInput, late: (result: AdmitResult) => void): MaybePromise<AdmitResult> {
    let result: MaybePromise<AdmitResult>;
    try {
      result = this.#store.admit(input);
    } catch (error) {
      return this.#admitFailed(error, null, late);
    }
    if (!(result instanceof Promise)) return result;
    const pending = result;
    return withTimeout(pending, this.#policy.timeoutMs, `${this.#store.name} store admit`).catch((error: unknown) =>
      this.#admitFailed(error, pending, late),
    );
  }

  #admitFailed(error: unknown, pending: Promise<AdmitResult> | null, late: (result: AdmitResult) => void): AdmitResult {
    const open = this.#policy.onStoreError === 'fail-open';
    this.#announce('admit', error, open ? 'admitted' : 'refused');
    pending?.then(
      (result) => {
        if (result.admitted) late(result);
      },
      () => {},
    );
    if (!open) throw this.#unavailable('admit', error);
    return UNRESERVED;
  }

  /** Settles now, or later in the background: null when the result is not known yet. */
  settle(input: SettleInput, onSettled: (settled: SettledCounter[]) => void): MaybePromise<SettledCounter[] | null> {
    let result: MaybePromise<SettledCounter[]>;
    try {
      result = this.#store.settle(input);
    } catch (error) {
      this.#defer(input, null, error, onSettled);
      return null;
    }
    if (!(result instanceof Promise)) return result;
    const pending = result;
    const settled = withTimeout(pending, this.#policy.timeoutMs, `${this.#store.name} store settle`).catch((error: unknown) => {
      this.#defer(input, pending, error, onSettled);
      return null;
    });
    // Callers may not wait for a settlement; flush() does.
    const tracked = settled.then(() => {});
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
    return settled;
  }

  #defer(input: SettleInput, first: Promise<SettledCounter[]> | null, error: unknown, onSettled: (settled: SettledCounter[]) => void): void {
    this.#announce('settle', error, 'deferred');
    const job = (async () => {
      // The first attempt may still apply (a timeout is not a failure): wait for it before retrying.
      if (first) {
        try {
          onSettled(await first);
          this.#announce('settle', error, 'recorded-late');
          return;
        } catch {
          // Failed for good: retry.
        }
      }
      try {
        const settled = await pRetry(() => Promise.resolve(this.#bounded(this.#store.settle(input), 'settle')), {
          retries: 10,
          minTimeout: 250,
          maxTimeout: 10_000,
          randomize: true,
          unref: true,
        });
        onSettled(settled);
        this.#announce('settle', error, 'recorded-late');
      } catch (last) {
        this.#announce('settle', last, 'lost');
      }
    })();
    this.#pending.add(job);
    void job.finally(() => this.#pending.delete(job));
  }

  read(keys: readonly string[], now: number): MaybePromise<CounterState[]> {
    return this.#failClosed('read', () => this.#store.read(keys, now));
  }

  registerBudgets(origins: readonly BudgetOrigin[], now: number): MaybePromise<BudgetRegistration[]> {
    return this.#bounded(this.#store.registerBudgets(origins, now), 'registerBudgets');
  }

  #failClosed<T>(operation: 'read', run: () => MaybePromise<T>): MaybePromise<T> {
    const fail = (error: unknown): never => {
      this.#announce(operation, error, 'refused');
      throw this.#unavailable(operation, error);
    };
    try {
      const result = this.#bounded(run(), operation);
      return result instanceof Promise ? result.catch(fail) : result;
    } catch (error) {
      return fail(error);
    }
  }

  /** Resolves once every deferred settlement is recorded or given up. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  stats(): StoreStats {
    return { name: this.#store.name, degraded: { ...this.#degraded }, pendingSettlements: this.#pending.size };
  }

  /** Announces a degraded decision (and counts it). Also used by the limiter for registration. */
  announce(operation: StoreDegradedEvent['operation'], error: unknown, decision: StoreDegradedEvent['decision']): void {
    this.#announce(operation, error, decision);
  }

  #announce(operation: StoreDegradedEvent['operation'], error: unknown, decision: StoreDegradedEvent['decision']): void {
    this.#degraded[decision]++;
    const cause = error instanceof Error ? error : new Error(String(error));
    this.#events.emit('store.degraded', { store: this.#store.name, operation, error: cause, decision, at: toIso(this.#clock()) });
  }

  #unavailable(operation: string, error: unknown): StoreUnavailableError {
    const cause = error instanceof Error ? error : new Error(String(error));
    return new StoreUnavailableError(`${this.#store.name} store failed to ${operation}: ${cause.message}`, cause);
  }
}
