import type { AnalyticsStore, LedgerStore, PolicyLogStore, CapacityNoticeStore, Store } from './store.js';

/**
 * What a store can do beyond its counters, asked in one place: a capability is present whole or
 * not at all (both of its required calls), never half.
 */

/** The store keeps the policy log shared by every gateway on it. */
export function keepsPolicyLog(store: Store): store is Store & PolicyLogStore {
  return typeof store.appendPolicyChange === 'function' && typeof store.readPolicyChanges === 'function';
}

/** The store keeps analytics rollups. */
export function keepsAnalytics(store: Store): store is Store & AnalyticsStore {
  return typeof store.recordAnalytics === 'function' && typeof store.readAnalytics === 'function';
}

/** The store tells every gateway on it of concurrency slots given back. */
export function noticesCapacity(store: Store): store is Store & CapacityNoticeStore {
  return typeof store.announceCapacity === 'function' && typeof store.watchCapacity === 'function';
}

/** The store keeps one row per settled call. */
export function keepsLedger(store: Store): store is Store & LedgerStore {
  return store.ledger === true;
}
