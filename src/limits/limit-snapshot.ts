import type { LimitSnapshot } from '../events/usage-event.js';
import type { CounterState, SettledCounter } from '../stores/store.js';
import type { PlannedLimit } from './limit-plan.js';
import { microsToUsd } from './money.js';

// Shared by every event without limits: frozen, so that no consumer can change it for the others.
export const NO_LIMITS = Object.freeze([]) as unknown as LimitSnapshot[];

/**
 * A limit as it stands, in its unit (USD for cost budgets). One object literal of a fixed shape,
 * built in one go: nine of these are made for every call under the full policy.
 */
export function snapshot(limit: PlannedLimit, state: CounterState, alerted: boolean, exhausted: boolean, refused: boolean): LimitSnapshot {
  const remaining = Math.max(0, limit.limit - state.used - state.reserved);
  const usd = limit.type === 'cost';
  return {
    scope: limit.scope,
    kind: limit.kind,
    type: limit.type,
    limit: usd ? microsToUsd(limit.limit) : limit.limit,
    used: usd ? microsToUsd(state.used) : state.used,
    remaining: usd ? microsToUsd(remaining) : remaining,
    alerted,
    exhausted,
    refused,
  };
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
