/**
 * Where limit counters live. The interface is small and every call is atomic, so that a store
 * shared by many processes (Redis) can implement each call as one script in one round trip.
 *
 * A counter is identified by its `key` (scope, limit and period, built by the gateway) and holds
 * `used` (settled usage) and `reserved` (the sum of outstanding reservations), in the counter's
 * unit: micro-dollars, tokens or requests. Stores never interpret keys.
 */

import type { AnalyticsCell } from '../analytics/analytics-cell.js';
import type { AnalyticsRead, AnalyticsWrite } from '../analytics/analytics-storage.js';
import type { AnalyticsSlot } from '../events/analytics-slot.js';
import type { UsageEvent } from '../events/usage-event.js';

export type MaybePromise<T> = T | Promise<T>;

export interface CounterSpec {
  key: string;
  /** `used + reserved` may never exceed it. */
  limit: number;
  /** When the counter may be dropped (its window or period end, plus a margin); null: never. */
  expiresAt: number | null;
  /** Usage at which `settle` reports `alerted`, once per counter (a budget's alert threshold). */
  alertAt?: number;
  /**
   * Whether reaching the limit at settlement counts as the counter's one announcement (budgets:
   * "exhausted" when reached or first refused). Without it only a refusal is announced (rate limits).
   */
  announceAtLimit?: boolean;
  /**
   * With `announceAtLimit`: the settled usage from which a refusal announces the counter's
   * exhaustion (`first`), when less than the limit: a budget with too little left to serve a
   * call is as good as spent. Absent: the limit.
   */
  exhaustedAt?: number;
  /**
   * A reservation of this counter that expires unsettled is given back (a concurrency slot: the
   * call is over, whatever happened to it), not charged. Absent: charged (see AdmitInput.ttlMs).
   */
  releaseOnExpiry?: boolean;
  /**
   * Ranks the counter in an index: after each settlement, `member` is placed by its share of the
   * limit (`used / limit`) among the index's members, so that `nearest(index, n)` lists those
   * closest to their limits (the values of a templated scope: its users, its customers). The
   * index lives as long as the counter (`expiresAt`).
   */
  rank?: { index: string; member: string };
  /**
   * A slot for the store's own handle on this counter, where a spec offers one (null until a store
   * writes it; the gateway's specs offer one, and live as long as their period, shared by every
   * call of it): the memory store keeps its counter here, so that a call reaches its counters
   * without a lookup each. Absent: the spec offers none, and a store writes nothing on it.
   */
  held?: unknown;
}

export interface CounterState {
  used: number;
  reserved: number;
  /**
   * The part of `used` charged by reservations that expired unsettled (each at the amount it
   * reserved: the call's worst case), not measured. A settlement that comes later replaces its
   * charge by what the call used. Absent: 0 (a store that does not track it).
   */
  unsettled?: number;
}

export interface AdmitInput {
  /** Unique id of the reservation; `settle` names it. */
  reservationId: string;
  counters: readonly CounterSpec[];
  /** Amount to reserve on each counter, in order. */
  amounts: readonly number[];
  now: number;
  /**
   * A reservation not settled within this time (its process died, a stream was lost) is charged:
   * its amount becomes usage, counted as `unsettled`, on every counter but those with
   * `releaseOnExpiry`. A call may have been served before its process died: its usage is then
   * never below what it was served. A settlement that comes later replaces the charge.
   */
  ttlMs: number;
  /**
   * The call, described by the gateway (JSON text of an object: `requestId`, `workspace`,
   * `integration`, `provider`, `model`, `key`, `user`, `inputTokens`, `outputTokens`, `costMicros`
   * of its reservation, and more the store need not read). Kept with the reservation; handed
   * back by `takeUnsettled` when the reservation expires unsettled. Made on demand: a store that
   * keeps it only in memory calls it at expiry, one that sends it elsewhere at admission.
   */
  note?: () => string;
  /**
   * Scopes the call passes through (`key:<id>`, `grant:<slug>/<workspace>`, ...) that a policy
   * change may have revoked: checked in the same atomic step, so that once a revocation is
   * appended no admission anywhere lets the scope through. Optional (none: nothing checked).
   */
  guards?: readonly string[];
}

export type AdmitResult =
  /**
   * Every counter had room: the amounts are reserved on all of them. `handle`: anything the
   * store wants back in `settle` to find the reservation faster than by id (optional).
   */
  | {
      admitted: true;
      handle?: unknown;
      /**
       * Optional: each counter's used + reserved once this call's amounts are reserved, in
       * `counters` order (what a store learns while reserving). The gateway reports the rate
       * limits closest to refusing from it (`GatewayInfo.rateLimits`, the HTTP endpoint's
       * `x-ratelimit-*` headers); without it, the endpoint reads `limits.status` per answer.
       */
      totals?: readonly number[];
    }
  /**
   * A counter had no room: nothing was reserved anywhere. `index` is the first such counter;
   * `first` is true for its first refusal in its period while it is full (to announce exhaustion
   * once): with `announceAtLimit` when `used >= exhaustedAt` (default: the limit), otherwise when
   * `used + reserved >= limit`.
   * A call refused only because it is larger than what is left is never `first`, and leaves the
   * one announcement for the real exhaustion.
   */
  | { admitted: false; index: number; state: CounterState; first: boolean }
  /** A scope of `guards` is revoked: nothing was reserved. */
  | { admitted: false; revoked: string };

export interface SettleInput {
  reservationId: string;
  /** The `handle` the admission returned, if any. */
  handle?: unknown;
  /**
   * False when no reservation was made (the store failed at admission and the gateway admitted
   * the call anyway, `onStoreError: 'fail-open'`): only the usage is recorded.
   */
  reserved: boolean;
  /** The counters of the admission, in the same order. */
  counters: readonly CounterSpec[];
  /** The amounts the admission reserved, per counter (absent when nothing was reserved). */
  amounts?: readonly number[];
  /** Actual usage per counter, replacing the reservation (0 releases it). */
  actual: readonly number[];
  now: number;
  /** The settled call, for a store that keeps a ledger (`Store.ledger`); absent (or undefined) otherwise. */
  entry?: LedgerEntry | undefined;
}

/** One settled call as a ledger row: the usage event's identity, money and token fields. */
export interface LedgerEntry {
  requestId: string;
  /** Epoch ms of the settlement. */
  at: number;
  workspace: string | null;
  integration: string | null;
  provider: string | null;
  model: string | null;
  key: string | null;
  user: string | null;
  status: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Null when the model's price is unknown. */
  costMicros: number | null;
}

export interface SettledCounter extends CounterState {
  /** This settlement brought `used` to `alertAt` or past it, for the first time. */
  alerted: boolean;
  /** With `announceAtLimit`: this settlement brought `used` to `limit` or past it, and nothing announced it yet. */
  exhausted: boolean;
  /**
   * False when the reservation was settled before (a retry after a timeout that did apply):
   * nothing changed, and `used` is not this settlement's doing. Absent: recorded now.
   */
  applied?: boolean;
}

export interface BudgetOrigin {
  /** Where budgets are defined in the config, e.g. `grant:openai-prod/*`. */
  origin: string;
  /** Identities of the budgets defined there now (type, limit, reset, threshold). */
  ids: readonly string[];
}

export interface BudgetRegistration {
  origin: string;
  /** When each budget of the origin was set: its usage counts from then. */
  setAt: Record<string, number>;
  /** Budgets new at this origin (set now) and budgets no longer defined (forgotten). */
  added: readonly string[];
  removed: readonly string[];
  /** False when the store knew nothing of the origin before. */
  known: boolean;
}

/** A call whose reservation expired unsettled: its note, taken once from the store (see Store.takeUnsettled). */
export interface UnsettledCall {
  reservationId: string;
  /** The admission's `note`. */
  note: string;
  /** Epoch ms (the store's view of the calls' clock) when the reservation was found expired. */
  expiredAt: number;
}

/** A runtime policy change to append to the store's log (see Store.appendPolicyChange). */
export interface PolicyChangeInput {
  /** The change as the gateway encodes it (JSON text): the store keeps it as is and never reads it. */
  change: string;
  /** Scopes refused by every admission that names them in `guards`, from this change on. */
  revoke?: readonly string[];
  /** Scopes no longer refused. */
  restore?: readonly string[];
  /**
   * Epoch ms (wall clock) after which the change must not be appended: the appender has given up
   * by then and told its caller the change failed. A store that receives it later (a command
   * queued while disconnected, or resent after a reconnection) refuses it (throws or rejects), so
   * a change reported as failed is never applied afterwards.
   */
  deadline?: number;
}

/** A change of the policy log, with its version: 1, 2, 3..., one order for every process, no gaps. */
export interface PolicyChangeRecord {
  version: number;
  change: string;
}

/**
 * What every store does: the counters of budgets and rate limits, each call one atomic round trip
 * to a shared server. The other capabilities are interfaces of their own (PolicyLogStore,
 * AnalyticsStore, LedgerStore) that a store declares (`class MyStore implements CounterStore,
 * PolicyLogStore`) and the gateway finds with the guards of `store-capabilities.ts`.
 */
export interface CounterStore {
  /** Name used in errors and events (`memory`, `redis`). */
  readonly name: string;
  /**
   * True when the store lives in this process (memory): nothing it holds leaves it, so a policy
   * change may carry secrets that are values. Absent: the store is taken to be shared.
   */
  readonly local?: boolean;
  /** Checks every counter and reserves on all of them, or on none. */
  admit(input: AdmitInput): MaybePromise<AdmitResult>;
  /**
   * Replaces a reservation by actual usage. Settling an expired reservation still records usage.
   * Idempotent: settling the same reservation again (a retry after a timeout) changes nothing.
   */
  settle(input: SettleInput): MaybePromise<SettledCounter[]>;
  /** Current state of counters (reservations past their expiry charged first); zeros for unknown keys. */
  read(keys: readonly string[], now: number): MaybePromise<CounterState[]>;
  /**
   * Records which budgets each origin defines, keeping the set time of those already known,
   * so that every process sharing the store counts a budget from the same moment. A budget no
   * longer listed is forgotten: defined again later, it is a new budget starting at zero.
   */
  registerBudgets(origins: readonly BudgetOrigin[], now: number): MaybePromise<BudgetRegistration[]>;
  /**
   * Takes up to `limit` calls whose reservations expired unsettled (with a note), oldest first,
   * charging the reservations past their expiry first. Each is handed out once, to one caller
   * among all the processes sharing the store, and not at all when its settlement came before
   * it was taken. Optional: a store without it reports no unsettled calls (their charge holds).
   */
  takeUnsettled?(now: number, limit: number): MaybePromise<UnsettledCall[]>;
  /**
   * The members of an index (see CounterSpec.rank) with the largest shares of their limits at
   * their last settlement, largest first, at most `n`. Optional: without it, a gateway cannot list
   * the limits of templated scopes nearest their ends (`gateway.limits.nearest`).
   */
  nearest?(index: string, n: number, now: number): MaybePromise<string[]>;
  /**
   * One round trip that answers only when the store can serve (a server's readiness probe:
   * `gateway.readiness()`). Optional: a store without it is taken to be ready.
   */
  ping?(): MaybePromise<void>;
  close?(): MaybePromise<void>;
}

/**
 * The policy log, shared by every gateway on the store (runtime keys, provisioning, integrations,
 * the audit). A store without it keeps runtime policy changes in the process that makes them.
 */
export interface PolicyLogStore {
  /**
   * Appends a change and applies its revocations in one atomic step, and returns the change's
   * version. Two processes appending at once both get a version, in one order; none is lost.
   */
  appendPolicyChange(input: PolicyChangeInput): MaybePromise<number>;
  /** The changes after `version`, oldest first, at most `limit` of them. */
  readPolicyChanges(after: number, limit: number): MaybePromise<PolicyChangeRecord[]>;
  /**
   * Calls `onAppend` soon after any process appends a policy change (a push: Redis pub/sub), so
   * that gateways need not wait for their next read of the log. `ready` resolves once changes are
   * pushed (the gateway replays the log after it, so that none falls between); absent, they are
   * from now on. `stop` ends it. Optional: without it, gateways read the log every `policyPollMs`.
   */
  watchPolicyChanges?(onAppend: () => void): { ready?: Promise<void>; stop(): void };
}

/** Analytics rollups (`gateway.analytics`). A store without them has no analytics. */
export interface AnalyticsStore {
  /**
   * Adds per-minute analytics cells (the gateway batches them, off the request path) to the
   * store's minute, hour and day rollups, each kept for its retention.
   */
  recordAnalytics(cells: readonly AnalyticsCell[], options: AnalyticsWrite): MaybePromise<void>;
  /** The cells of one granularity whose bucket starts in `[from, to)`, not past their retention. */
  readAnalytics(read: AnalyticsRead): MaybePromise<AnalyticsCell[]>;
  /**
   * Optional, for a store in this process (no I/O, never fails): takes each call as it is
   * published, counted in the minute `start`, instead of batches of cells, so that a call costs
   * one cell update and no batch is built only to be copied. `slot`: the call's key policy, where
   * the store may keep that key's current cell (see AnalyticsSlot).
   */
  addAnalyticsCall?(start: number, event: UsageEvent, user: string | null, write: Omit<AnalyticsWrite, 'batchId'>, slot?: AnalyticsSlot | null): void;
}

/**
 * Notices of capacity, told to every gateway on the store: a concurrency slot given back (a call
 * waiting for capacity in one process is woken by a slot another process gives back), or a
 * provider's own limit reached until a time (every gateway holds its calls to that provider).
 * The store carries them as text and never reads them. Without it, each gateway knows only what
 * its own calls tell it.
 */
export interface CapacityNoticeStore {
  /** Tells every gateway on the store (pub/sub) the notices of `origin` (lines without a newline). */
  announceCapacity(notices: readonly string[], origin: string): MaybePromise<void>;
  /**
   * Calls `onNotice` with each notice a gateway announced, with its origin (a gateway skips its
   * own). `ready` resolves once notices arrive; `stop` ends it.
   */
  watchCapacity(onNotice: (notice: string, origin: string) => void): { ready?: Promise<void>; stop(): void };
}

/**
 * A store that keeps one row per settled call (PostgreSQL's ledger): `settle` then receives
 * `entry`, and is called for calls without limits too.
 */
export interface LedgerStore {
  readonly ledger: true;
}

/**
 * What `createGateway({ store })` takes: the counters, and whichever other capabilities the store
 * has (each whole or absent).
 */
export type Store = CounterStore & Partial<PolicyLogStore> & Partial<AnalyticsStore> & Partial<CapacityNoticeStore> & { readonly ledger?: boolean };
