import type { GatewayEvents } from '../events/gateway-events.js';
import type { GuardedStore } from './guarded-store.js';

export interface LimitsOptions {
  /** Output tokens reserved when a request sets no `max_tokens`. */
  defaultMaxOutputTokens: number;
  /** The smallest output reservation a request without `max_tokens` is shrunk to. */
  minOutputTokens: number;
  /** `upper-bound`: reservations that always hold; `average`: closer to real counts, may overshoot. */
  inputEstimate: 'upper-bound' | 'average';
  /** `reject`: a cost budget refuses unpriced models; `allow`: they pass and are not charged. */
  unpricedModels: 'reject' | 'allow';
  /** A reservation not settled within this time is released. */
  reservationTtlMs: number;
  /** A budget refusing a call with no more than this share left is announced exhausted. */
  exhaustedShare: number;
}

/** What admission, settlement and status share: the store behind its failure policy, the events, the options, the clock. */
export interface LimiterContext {
  readonly store: GuardedStore;
  readonly events: GatewayEvents;
  readonly options: LimitsOptions;
  readonly clock: () => number;
  /** The store keeps revocations (it has a policy log): admissions through a key check it there. */
  readonly guarded: boolean;
}
