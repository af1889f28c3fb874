import type { LimitSnapshot } from '../events/usage-event.js';
import type { CounterState, SettledCounter } from '../stores/store.js';
import type { PlannedLimit } from './limit-plan.js';
import { microsToUsd } from './money.js';

// Shared by every event without limits: frozen, so that no consumer can change it for the others.
export const NO_LIMITS = Object.freeze([]) as unknown as LimitSnapshot[];

/**
 * A limit as it stands, in its unit (USD for cost budgets). Nine of these are made for every call
 * under the full policy, and the usage event holds them: a class, not a literal (see CallEvent).
 */
class Snapshot implements LimitSnapshot {
  readonly scope: string;
  readonly kind: LimitSnapshot['kind'];
  readonly type: LimitSnapshot['type'];
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  readonly alerted: boolean;
  readonly exhausted: boolean;
  readonly refused: boolean;

  constructor(limit: PlannedLimit, state: CounterState, alerted: boolean, exhausted: boolean, refused: boolean) {
    const remaining = Math.max(0, limit.limit - state.used - state.reserved);
    const usd = limit.type === 'cost';
    this.scope = limit.scope;
    this.kind = limit.kind;
    this.type = limit.type;
    this.limit = usd ? microsToUsd(limit.limit) : limit.limit;
    this.used = usd ? microsToUsd(state.used) : state.used;
    this.remaining = usd ? microsToUsd(remaining) : remaining;
    this.alerted = alerted;
    this.exhausted = exhausted;
    this.refused = refused;
  }
}

export function snapshot(limit: PlannedLimit, state: CounterState, alerted: boolean, exhausted: boolean, refused: boolean): LimitSnapshot {
  return new Snapshot(limit, state, alerted, exhausted, refused);
}

/** Every limit of a settled call, after settlement. */
export function snapshots(limits: readonly PlannedLimit[], settled: readonly SettledCounter[]): LimitSnapshot[] {
  const out = new Array<LimitSnapshot>(settled.length);
  for (let i = 0; i < settled.length; i++) {
    const state = settled[i]!;
    out[i] = snapshot(limits[i]!, state, state.alerted, state.exhausted, false);
  }
  return out;
}
