import type { LimitSnapshot } from '../events/usage-event.js';
import type { LedgerEntry, MaybePromise, SettledCounter } from '../stores/store.js';
import type { Usage } from '../usage/usage.js';
import type { Admission } from './reserve-call.js';
import { budgetEvent } from './budget-event.js';
import type { LimiterContext } from './limiter-context.js';
import { NO_LIMITS, snapshots } from './limit-snapshot.js';
import { costMicros, microsToUsd, usdToMicrosUp } from './money.js';

/**
 * Replaces the reservation by actual usage (null: unknown, e.g. a failed call: tokens and cost
 * are released, the request still counts). Runs once per admission. Returns the call's cost in
 * micro-dollars (null when its price is unknown; the provider's stated figure when
 * `chargeProviderCost` and the answer states one) and when the store recorded it: callers need
 * not wait, since until then the reservation holds the call's worst case. Alerts and exhaustion
 * reached by this settlement are announced.
 */
export function settleCall(
  ctx: LimiterContext,
  admission: Admission,
  usage: Usage | null,
  entry?: LedgerEntry,
  chargeProviderCost = false,
): { cost: number | null; settled: MaybePromise<LimitSnapshot[]> } {
  if (admission.settled) throw new Error(`reservation ${admission.id} settled twice`);
  admission.settled = true;
  // The provider's own figure where the integration charges it and the answer states one (the
  // reservation was made at the catalog price: a figure above it is charged whole, and said).
  const stated = chargeProviderCost && usage?.providerCost !== undefined ? usdToMicrosUp(usage.providerCost) : null;
  const cost = stated ?? (admission.price ? (usage ? costMicros(usage, admission.price.price) : 0) : null);
  const { counters, plan } = admission;
  // A store with a ledger records every call, limits or not.
  if (counters.length === 0 && !entry) return { cost, settled: NO_LIMITS };
  if (entry) entry.costMicros = cost;
  // A concurrency slot is given back: nothing stays used.
  // By map, not an array literal filled in a loop (see CallEvent).
  const tokens = usage?.totalTokens ?? 0;
  const actual = plan.limits.map((l) => (l.type === 'requests' ? 1 : l.type === 'tokens' ? tokens : l.type === 'cost' ? (cost ?? 0) : 0));
  const now = ctx.clock();
  const { amounts, reserved } = admission;
  const announce = (settled: SettledCounter[]): void => {
    for (let i = 0; i < settled.length; i++) {
      const state = settled[i]!;
      const limit = plan.limits[i]!;
      if (limit.kind !== 'budget') continue;
      // Recorded all the same (the money is spent); said, so that the bound's failure is seen.
      if (reserved && actual[i]! > amounts[i]!) {
        const unit = limit.type === 'cost' ? microsToUsd : (n: number) => n;
        ctx.events.emit('budget.overshoot', {
          ...budgetEvent(limit, state, now),
          reserved: unit(amounts[i]!),
          actual: unit(actual[i]!),
          overshoot: unit(actual[i]! - amounts[i]!),
          requestId: admission.id,
        });
      }
      if (state.alerted) ctx.events.emit('budget.alert', { ...budgetEvent(limit, state, now), threshold: limit.budget!.alertThreshold! });
      // Usage only grows, and the store adds each settlement's atomically: the one settlement
      // whose usage spans a threshold announces it (a retried one the store had recorded does not).
      if (limit.thresholds && state.applied !== false) {
        const before = state.used - actual[i]!;
        limit.thresholds.forEach((at, n) => {
          if (before < at && state.used >= at) ctx.events.emit('budget.alert', { ...budgetEvent(limit, state, now), threshold: limit.budget!.alertThresholds![n]! });
        });
      }
      if (state.exhausted) ctx.events.emit('budget.exhausted', { ...budgetEvent(limit, state, now), reason: 'limit-reached' });
    }
  };
  const settled = ctx.store.settle(
    { reservationId: admission.id, handle: admission.handle, reserved: admission.reserved, counters, amounts: admission.amounts, actual, now, entry },
    announce,
  );
  if (!(settled instanceof Promise)) {
    if (!settled) return { cost, settled: NO_LIMITS };
    announce(settled);
    return { cost, settled: snapshots(plan.limits, settled) };
  }
  return {
    cost,
    settled: settled.then((result) => {
      if (!result) return NO_LIMITS;
      announce(result);
      return snapshots(plan.limits, result);
    }),
  };
}
