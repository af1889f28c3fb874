import { budgetOrigins, type Policy } from '../config/policy.js';
import type { BudgetRegistration, MaybePromise } from '../stores/store.js';
import { toIso } from '../util/to-iso.js';
import { budgetFromId, budgetId } from './budget-identity.js';
import type { LimiterContext } from './limiter-context.js';

/**
 * When each budget of the current policy was set, as registered in the store: usage counts from
 * then, so every process sharing the store counts a budget from the same moment and a budget
 * defined again later starts from zero.
 */
export class BudgetRegistry {
  readonly #ctx: LimiterContext;
  /** Called when a registration lands: plans built before it carry provisional set times. */
  readonly #onRegistered: () => void;
  #policy: Policy | null = null;
  #setAt = new Map<string, number>();
  /** Whether the current policy's budgets are registered, being registered, or failed to be. */
  #registration: { state: 'done' } | { state: 'pending'; promise: Promise<void> } | { state: 'failed'; at: number; error: unknown } = {
    state: 'done',
  };
  #register: () => MaybePromise<void> = () => undefined;

  constructor(ctx: LimiterContext, onRegistered: () => void) {
    this.#ctx = ctx;
    this.#onRegistered = onRegistered;
  }

  /**
   * Switches to a new policy: registers its budgets with the store (which keeps the set time of
   * budgets it knows, so usage is never counted twice nor lost) and announces changed budgets.
   */
  use(policy: Policy): void {
    const { store, events, clock } = this.#ctx;
    this.#policy = policy;
    const origins = budgetOrigins(policy);
    const definitions = new Map(origins.flatMap(({ budgets }) => budgets.map((b) => [budgetId(b), b] as const)));
    const request = origins.map(({ origin, budgets }) => ({ origin, ids: [...new Set(budgets.map(budgetId))] }));
    const apply = (registrations: BudgetRegistration[]) => {
      if (this.#policy !== policy) return;
      const setAt = new Map<string, number>();
      for (const r of registrations) {
        for (const [id, at] of Object.entries(r.setAt)) setAt.set(`${r.origin}\n${id}`, at);
        if (r.removed.length > 0 || (r.added.length > 0 && r.known)) {
          events.emit('budget.changed', {
            origin: r.origin,
            added: r.added.map((id) => definitions.get(id) ?? budgetFromId(id)),
            removed: r.removed.map(budgetFromId),
            at: toIso(clock()),
          });
        }
      }
      this.#setAt = setAt;
      this.#onRegistered();
      this.#registration = { state: 'done' };
    };
    const failed = (error: unknown) => {
      if (this.#policy === policy) this.#registration = { state: 'failed', at: clock(), error };
      throw error;
    };
    this.#register = () => {
      let result: MaybePromise<BudgetRegistration[]>;
      try {
        result = store.registerBudgets(request, clock());
      } catch (error) {
        return failed(error);
      }
      if (!(result instanceof Promise)) return apply(result);
      const promise = result.then(apply, failed);
      this.#registration = { state: 'pending', promise };
      return promise;
    };
    try {
      const pending = this.#register();
      // A failure here is handled by the next call; this promise must not go unhandled.
      if (pending instanceof Promise) pending.catch(() => {});
    } catch {
      // Recorded in #registration: the next call retries.
    }
  }

  /**
   * Ready to admit: the policy's budgets are registered. A registration that failed is retried
   * by the next call, at most once a second, so a store that comes back is used again.
   */
  ready(): MaybePromise<void> {
    const r = this.#registration;
    if (r.state === 'done') return;
    if (r.state === 'pending') return r.promise;
    if (this.#ctx.clock() - r.at < 1_000) throw r.error;
    return this.#register();
  }

  /** When the budget `id` defined at `origin` was set. */
  setAt(origin: string, id: string): number {
    // A budget the store has not registered yet (a policy change in flight) counts from now.
    return this.#setAt.get(`${origin}\n${id}`) ?? this.#ctx.clock();
  }
}
