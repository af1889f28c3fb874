import { budgetOrigins, type Policy } from '../config/policy.js';
import type { Budget } from '../config/limits-schema.js';
import type { BudgetRegistration, MaybePromise } from '../stores/store.js';
import { toIso } from '../util/to-iso.js';
import { budgetFromId, budgetId } from './budget-identity.js';
import type { LimiterContext } from './limiter-context.js';

/** The distinct ids of a list of budgets, once per list (keys of one config share their lists). */
const idLists = new WeakMap<readonly Budget[], readonly string[]>();
function idsOf(budgets: readonly Budget[]): readonly string[] {
  let ids = idLists.get(budgets);
  if (!ids) idLists.set(budgets, (ids = Object.freeze(budgets.length === 1 ? [budgetId(budgets[0]!)] : [...new Set(budgets.map(budgetId))])));
  return ids;
}

type Registration = { state: 'pending'; promise: Promise<void> } | { state: 'failed'; at: number; error: unknown; retry: () => MaybePromise<void> };

/** A set of origins to register, and what to forget once they are (plans built before). */
interface Job {
  origins: ReadonlyArray<{ origin: string; budgets: readonly Budget[] }>;
  onRegistered: () => void;
}

/**
 * When each budget of the current policy was set, as registered in the store: usage counts from
 * then, so every process sharing the store counts a budget from the same moment and a budget
 * defined again later starts from zero. A policy registers all its origins once (keys included,
 * at start); a runtime key change registers only that key's origin, so that it costs O(1).
 */
export class BudgetRegistry {
  readonly #ctx: LimiterContext;
  /** Called when a policy's registration lands: plans built before carry provisional set times. */
  readonly #onRegistered: () => void;
  #policy: Policy | null = null;
  /** Set times by origin, then by budget id. */
  readonly #setAt = new Map<string, Record<string, number>>();
  /** Registrations in flight or failed; calls wait for them (none: the usual case). */
  readonly #pending = new Map<string, Registration>();
  readonly #latest = new Map<string, number>();
  #generation = 0;

  constructor(ctx: LimiterContext, onRegistered: () => void) {
    this.#ctx = ctx;
    this.#onRegistered = onRegistered;
  }

  /**
   * Switches to a new policy: registers its budgets with the store (which keeps the set time of
   * budgets it knows, so usage is never counted twice nor lost) and announces changed budgets.
   * The keys' budgets are registered with the first policy only (see `useKey`).
   */
  use(policy: Policy): void {
    const first = this.#policy === null;
    this.#policy = policy;
    this.#start('policy', { origins: budgetOrigins(policy, first), onRegistered: this.#onRegistered });
  }

  /** Registers the budgets of one key after a runtime change gave, changed or took them. */
  useKey(origin: string, budgets: readonly Budget[], onRegistered: () => void): MaybePromise<void> {
    return this.#start(origin, { origins: [{ origin, budgets }], onRegistered });
  }

  #start(name: string, job: Job): MaybePromise<void> {
    const { store, clock } = this.#ctx;
    const request = job.origins.map(({ origin, budgets }) => ({ origin, ids: idsOf(budgets) }));
    // Only a changed budget's event needs its definition: built then, not for every start.
    let byId: Map<string, Budget> | undefined;
    const definitions = (id: string) => (byId ??= new Map(job.origins.flatMap(({ budgets }) => budgets.map((b) => [budgetId(b), b] as const)))).get(id);
    const run = (): MaybePromise<void> => {
      let result: MaybePromise<BudgetRegistration[]>;
      try {
        result = store.registerBudgets(request, clock());
      } catch (error) {
        return failed(error);
      }
      if (!(result instanceof Promise)) return apply(result);
      const promise = result.then(apply, failed);
      this.#pending.set(name, { state: 'pending', promise });
      return promise;
    };
    const generation = ++this.#generation;
    this.#latest.set(name, generation);
    // A newer registration of the same origins (a later policy, a later change of the key) decides.
    const stale = () => this.#latest.get(name) !== generation;
    const apply = (registrations: BudgetRegistration[]) => {
      if (stale()) return;
      this.#record(registrations, definitions);
      this.#pending.delete(name);
      this.#latest.delete(name);
      job.onRegistered();
    };
    const failed = (error: unknown) => {
      if (!stale()) this.#pending.set(name, { state: 'failed', at: clock(), error, retry: run });
      throw error;
    };
    let current: MaybePromise<void> | undefined;
    try {
      current = run();
      // A failure here is handled by the next call; this promise must not go unhandled.
      if (current instanceof Promise) current.catch(() => {});
    } catch {
      // Recorded in #pending: the next call retries.
    }
    return current;
  }

  #record(registrations: readonly BudgetRegistration[], definitions: (id: string) => Budget | undefined): void {
    const { events, clock } = this.#ctx;
    for (const r of registrations) {
      this.#setAt.set(r.origin, r.setAt);
      if (r.removed.length > 0 || (r.added.length > 0 && r.known)) {
        events.emit('budget.changed', {
          origin: r.origin,
          added: r.added.map((id) => definitions(id) ?? budgetFromId(id)),
          removed: r.removed.map(budgetFromId),
          at: toIso(clock()),
        });
      }
    }
  }

  /**
   * Ready to admit: every registration landed. One that failed is retried by the next call, at
   * most once a second, so a store that comes back is used again.
   */
  ready(): MaybePromise<void> {
    if (this.#pending.size === 0) return;
    const waits: Array<Promise<void>> = [];
    for (const r of this.#pending.values()) {
      if (r.state === 'pending') waits.push(r.promise);
      else if (this.#ctx.clock() - r.at < 1_000) throw r.error;
      else {
        const retried = r.retry();
        if (retried instanceof Promise) waits.push(retried);
      }
    }
    if (waits.length === 0) return;
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => {});
  }

  /** When the budget `id` defined at `origin` was set. */
  setAt(origin: string, id: string): number {
    // A budget the store has not registered yet (a policy change in flight) counts from now.
    return this.#setAt.get(origin)?.[id] ?? this.#ctx.clock();
  }
}
