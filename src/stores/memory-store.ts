import type {
  AdmitInput,
  AdmitResult,
  BudgetOrigin,
  BudgetRegistration,
  CounterState,
  SettledCounter,
  SettleInput,
  Store,
} from './store.js';

interface Counter {
  used: number;
  reserved: number;
  expiresAt: number | null;
  alerted: boolean;
  /** Exhaustion (a refusal, or usage reaching the limit) was announced in this counter's life. */
  announced: boolean;
}

interface Reservation {
  keys: readonly string[];
  amounts: readonly number[];
  expiresAt: number;
}

/** How often, at most, expired reservations and counters are swept (on the next call). */
const SWEEP_EVERY_MS = 1_000;

/**
 * The default store: counters in this process's memory. Every call runs to completion without
 * yielding, which makes it atomic. Expired reservations and counters are swept lazily, on calls,
 * by the gateway's clock, so it needs no timer and follows an injected clock in tests.
 */
export class MemoryStore implements Store {
  readonly name = 'memory';
  readonly #counters = new Map<string, Counter>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #budgets = new Map<string, Map<string, number>>();
  #nextSweep = 0;

  admit(input: AdmitInput): AdmitResult {
    const { counters, amounts, now } = input;
    this.#sweep(now);
    const found: Counter[] = [];
    for (let i = 0; i < counters.length; i++) {
      const spec = counters[i]!;
      let counter = this.#counters.get(spec.key);
      if (!counter) {
        counter = { used: 0, reserved: 0, expiresAt: spec.expiresAt, alerted: false, announced: false };
        this.#counters.set(spec.key, counter);
      }
      if (counter.used + counter.reserved + amounts[i]! > spec.limit) {
        const first = !counter.announced;
        counter.announced = true;
        return { admitted: false, index: i, state: { used: counter.used, reserved: counter.reserved }, first };
      }
      found.push(counter);
    }
    const states: CounterState[] = [];
    for (let i = 0; i < found.length; i++) {
      const counter = found[i]!;
      counter.reserved += amounts[i]!;
      states.push({ used: counter.used, reserved: counter.reserved });
    }
    this.#reservations.set(input.reservationId, {
      keys: counters.map((c) => c.key),
      amounts,
      expiresAt: now + input.ttlMs,
    });
    return { admitted: true, counters: states };
  }

  settle(input: SettleInput): SettledCounter[] {
    const reservation = this.#reservations.get(input.reservationId);
    this.#reservations.delete(input.reservationId);
    const out: SettledCounter[] = [];
    for (let i = 0; i < input.counters.length; i++) {
      const spec = input.counters[i]!;
      let counter = this.#counters.get(spec.key);
      if (!counter) {
        // Swept (its window ended) or never admitted here: usage is still recorded.
        counter = { used: 0, reserved: 0, expiresAt: spec.expiresAt, alerted: false, announced: false };
        this.#counters.set(spec.key, counter);
      }
      // An expired reservation was already released by the sweep: only usage is added.
      if (reservation) counter.reserved = Math.max(0, counter.reserved - (reservation.amounts[i] ?? 0));
      counter.used += input.actual[i]!;
      const alerted = spec.alertAt !== undefined && !counter.alerted && counter.used >= spec.alertAt;
      if (alerted) counter.alerted = true;
      const exhausted = spec.announceAtLimit === true && !counter.announced && counter.used >= spec.limit;
      if (exhausted) counter.announced = true;
      out.push({ used: counter.used, reserved: counter.reserved, alerted, exhausted });
    }
    return out;
  }

  read(keys: readonly string[], now: number): CounterState[] {
    this.#sweep(now);
    return keys.map((key) => {
      const c = this.#counters.get(key);
      return c ? { used: c.used, reserved: c.reserved } : { used: 0, reserved: 0 };
    });
  }

  registerBudgets(origins: readonly BudgetOrigin[], now: number): BudgetRegistration[] {
    return origins.map(({ origin, ids }) => {
      const known = this.#budgets.get(origin);
      const next = new Map<string, number>();
      const added: string[] = [];
      for (const id of ids) {
        const setAt = known?.get(id);
        if (setAt === undefined) added.push(id);
        next.set(id, setAt ?? now);
      }
      const removed = known ? [...known.keys()].filter((id) => !next.has(id)) : [];
      if (next.size > 0) this.#budgets.set(origin, next);
      else this.#budgets.delete(origin);
      return { origin, setAt: Object.fromEntries(next), added, removed, known: known !== undefined };
    });
  }

  /** Releases reservations past their expiry and drops counters past theirs. */
  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const [id, reservation] of this.#reservations) {
      if (reservation.expiresAt > now) continue;
      this.#reservations.delete(id);
      reservation.keys.forEach((key, i) => {
        const counter = this.#counters.get(key);
        if (counter) counter.reserved = Math.max(0, counter.reserved - reservation.amounts[i]!);
      });
    }
    for (const [key, counter] of this.#counters) {
      if (counter.expiresAt !== null && counter.expiresAt <= now && counter.reserved === 0) this.#counters.delete(key);
    }
  }
}

/** The in-process store (the default): limits hold within one process. */
export function memoryStore(): Store {
  return new MemoryStore();
}
