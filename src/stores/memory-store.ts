import { AnalyticsTable, type AnalyticsTableStats } from '../analytics/analytics-table.js';
import type { AnalyticsCell } from '../analytics/analytics-cell.js';
import type { AnalyticsRead, AnalyticsWrite } from '../analytics/analytics-storage.js';
import type { AnalyticsSlot } from '../events/analytics-slot.js';
import type { UsageEvent } from '../events/usage-event.js';
import type { AdmitInput, AdmitResult, BudgetOrigin, BudgetRegistration, CounterSpec, CounterState, PolicyChangeInput, PolicyChangeRecord, SettledCounter, SettleInput, UnsettledCall, CounterStore, PolicyLogStore, AnalyticsStore, CapacityNoticeStore } from './store.js';

interface Counter {
  used: number;
  reserved: number;
  /** The part of `used` charged by reservations that expired unsettled. */
  unsettled: number;
  /** The spec it was made for (its expiry): held by the limit's plan already, so no number of its own. */
  spec: CounterSpec;
  /** ALERTED | ANNOUNCED | TOUCHED | GONE, as bits: one small integer for four flags, at 100,000 keys. */
  flags: number;
  /** The store holding it: a spec's slot (CounterSpec.held) is trusted only by its owner. */
  owner: MemoryStore;
}

/** The alert threshold was announced. */
const ALERTED = 1;
/** Exhaustion (a refusal, or usage reaching the limit) was announced in this counter's life. */
const ANNOUNCED = 2;
/** Read or written since eviction last passed it: passed over once more (see #evict). */
const TOUCHED = 4;
/** Dropped from the store (evicted, or expired): a spec's slot that holds it is out of date. */
const GONE = 8;

/**
 * An outstanding reservation, in a doubly linked list of all of them (see #link). A class, not a
 * literal, as every object a call holds until it ends (see CallEvent in gateway/usage-record.ts).
 */
class Reservation {
  prev: Reservation | null = null;
  next: Reservation | null = null;
  /** Released, by settlement or by the sweep: never released again. */
  done = false;
  /** Its usage was recorded: a second settlement changes nothing. */
  settled = false;
  /** Expired unsettled: charged on its counters (those without releaseOnExpiry). */
  charged = false;

  constructor(
    readonly id: string,
    readonly counters: readonly CounterSpec[],
    readonly amounts: readonly number[],
    readonly expiresAt: number,
    readonly note: (() => string) | undefined,
  ) {}
}

/** One counter after a settlement (see Reservation for why a class). */
class Settled implements SettledCounter {
  constructor(
    readonly used: number,
    readonly reserved: number,
    readonly alerted: boolean,
    readonly exhausted: boolean,
  ) {}
}

/**
 * Whether a refusal by this counter announces it (see AdmitResult.first): a budget when its usage
 * reached the limit, a rate limit when used and reserved leave nothing. A call that is merely
 * too large for what is left is refused without an announcement.
 */
function isFull(spec: CounterSpec, counter: Counter): boolean {
  return spec.announceAtLimit === true ? counter.used >= (spec.exhaustedAt ?? spec.limit) : counter.used + counter.reserved >= spec.limit;
}

const NONE: readonly string[] = Object.freeze([]);

/** Members an index ranks, at least: far more than any page lists. */
const RANKED = 10_000;

/** How often, at most, expired reservations and counters are swept (on the next call). */
const SWEEP_EVERY_MS = 1_000;

/**
 * The default store: counters in this process's memory. Every call runs to completion without
 * yielding, which makes it atomic. Expired reservations and counters are swept lazily, on calls,
 * by the gateway's clock, so it needs no timer and follows an injected clock in tests.
 *
 * Reservations live in a linked list and are handed back to `settle` as the admission's handle:
 * no map keyed by reservation id, whose hashing and rehashing cost more than the rest of a call.
 */
export class MemoryStore implements CounterStore, PolicyLogStore, AnalyticsStore, CapacityNoticeStore {
  readonly name = 'memory';
  readonly local = true;
  readonly #analytics: AnalyticsTable;
  readonly #counters = new Map<string, Counter>();
  /** Set times by origin then budget id; a record is replaced, never changed, so registrations can share it. */
  readonly #budgets = new Map<string, Readonly<Record<string, number>>>();
  /** The policy log: the change of version v at index v - 1. */
  readonly #policyLog: string[] = [];
  readonly #revoked = new Set<string>();
  /** Gateways on this store, told of each change (they share this process). */
  readonly #watchers = new Set<() => void>();
  readonly #capacityWatchers = new Set<(notice: string, origin: string) => void>();
  #head: Reservation | null = null;
  #tail: Reservation | null = null;
  #nextSweep = 0;
  /** No counter expires before this (epoch ms): until then a sweep passes over the counters. */
  #nextExpiry = Infinity;
  /** Reservations that expired unsettled with a note, until taken (see takeUnsettled). */
  #unsettled: Reservation[] = [];
  /** Rank indexes (see CounterSpec.rank): each member's share of its limit at its last settlement. */
  readonly #ranks = new Map<string, { expiresAt: number | null; shares: Map<string, number> }>();
  readonly #maxCounters: number;
  #evicted = 0;
  #hand: MapIterator<[string, Counter]> | null = null;

  constructor(options: MemoryStoreOptions = {}) {
    const maxCells = options.analyticsMaxCells ?? 500_000;
    if (!Number.isInteger(maxCells) || maxCells < 1) throw new TypeError(`memoryStore: analyticsMaxCells must be a positive integer (got ${String(maxCells)})`);
    const maxCounters = options.maxCounters ?? 500_000;
    if (!Number.isInteger(maxCounters) || maxCounters < 1) throw new TypeError(`memoryStore: maxCounters must be a positive integer (got ${String(maxCounters)})`);
    this.#analytics = new AnalyticsTable(maxCells);
    this.#maxCounters = maxCounters;
  }

  /** Counters held, and counters evicted to stay within `maxCounters`. */
  counterStats(): { counters: number; evicted: number } {
    return { counters: this.#counters.size, evicted: this.#evicted };
  }

  /** A new counter for `spec` (the store is brought back within its bound when the call is done: see #evict). */
  #add(spec: CounterSpec): Counter {
    const counter: Counter = { used: 0, reserved: 0, unsettled: 0, spec, flags: 0, owner: this };
    this.#counters.set(spec.key, counter);
    if (spec.held !== undefined) spec.held = counter;
    const expiresAt = spec.expiresAt;
    if (expiresAt !== null && expiresAt < this.#nextExpiry) this.#nextExpiry = expiresAt;
    return counter;
  }

  /**
   * The counter of `spec`, if held: from the spec's slot when it has one (no lookup in a map of
   * 200,000 counters, whose probes miss the CPU's caches at 100,000 keys), else by key.
   */
  #counterOf(spec: CounterSpec): Counter | undefined {
    const held = spec.held as Counter | null | undefined;
    if (held === undefined) return this.#counters.get(spec.key);
    if (held !== null && held.owner === this && (held.flags & GONE) === 0) return held;
    const counter = this.#counters.get(spec.key);
    spec.held = counter ?? null;
    return counter;
  }

  /** Drops a counter: a slot that holds it no longer trusts it. */
  #drop(key: string, counter: Counter): void {
    this.#counters.delete(key);
    counter.flags |= GONE;
  }

  /**
   * Brings the store back within `maxCounters` after a call, by dropping idle counters (nothing
   * reserved on them), the least recently used first as the CLOCK algorithm approximates it:
   * counters are kept in insertion order; one touched since it was last passed is moved to the
   * back and untouched, an untouched idle one is dropped. A call only sets a flag (no reordering
   * on the hot path), and a drop costs O(1) amortized. Never during a call, whose counters are
   * in hand. A dropped counter's usage is forgotten: its scope starts from zero if it comes back
   * in the same period (what a bound on memory costs; shared stores keep every counter until it
   * expires).
   */
  #evict(): void {
    let passes = this.#counters.size * 2;
    while (this.#counters.size > this.#maxCounters) {
      if (passes-- === 0) return; // every counter busy: over the bound until calls settle
      // The clock's hand: one iterator kept from call to call (a new one would walk again over
      // every entry deleted since the map last compacted).
      let next = this.#hand?.next();
      if (!next || next.done) {
        this.#hand = this.#counters.entries();
        next = this.#hand.next();
        if (next.done) return;
      }
      const [key, counter] = next.value;
      if (counter.reserved > 0 || (counter.flags & TOUCHED) !== 0) {
        counter.flags &= ~TOUCHED;
        // To the back of the order (kept, so its slots still hold).
        this.#counters.delete(key);
        this.#counters.set(key, counter);
      } else {
        this.#drop(key, counter);
        this.#evicted++;
      }
    }
  }

  admit(input: AdmitInput): AdmitResult {
    const { counters, amounts, now, guards } = input;
    this.#sweep(now);
    if (guards !== undefined && this.#revoked.size > 0) {
      for (const scope of guards) if (this.#revoked.has(scope)) return { admitted: false, revoked: scope };
    }
    // Only guards to check: there is nothing to reserve, nor to settle.
    if (counters.length === 0) return { admitted: true };
    const found: Counter[] = [];
    for (let i = 0; i < counters.length; i++) {
      const spec = counters[i]!;
      let counter = this.#counterOf(spec);
      if (!counter) counter = this.#add(spec);
      else counter.flags |= TOUCHED;
      if (counter.used + counter.reserved + amounts[i]! > spec.limit) {
        const first = isFull(spec, counter) && (counter.flags & ANNOUNCED) === 0;
        if (first) counter.flags |= ANNOUNCED;
        return { admitted: false, index: i, state: { used: counter.used, reserved: counter.reserved }, first };
      }
      found.push(counter);
    }
    // Reserved on each, and each total kept: by map, not a literal, as the call holds the totals (see Reservation).
    const totals = found.map((counter, i) => counter.used + (counter.reserved += amounts[i]!));
    const reservation = new Reservation(input.reservationId, counters, amounts, now + input.ttlMs, input.note);
    reservation.prev = this.#tail;
    if (this.#tail) this.#tail.next = reservation;
    else this.#head = reservation;
    this.#tail = reservation;
    if (this.#counters.size > this.#maxCounters) this.#evict();
    return { admitted: true, handle: reservation, totals };
  }

  settle(input: SettleInput): SettledCounter[] {
    const reservation = input.reserved ? (input.handle as Reservation | undefined) : undefined;
    // Settled already: nothing changes (settlement is idempotent).
    if (reservation?.settled) return this.read(input.counters.map((c) => c.key), input.now).map((s) => ({ used: s.used, reserved: s.reserved, alerted: false, exhausted: false, applied: false }));
    if (reservation) reservation.settled = true;
    // An expired reservation was charged by the sweep: the charge gives way to the usage. Without
    // a reservation (the store failed and the gateway failed open) only usage is added.
    const live = reservation !== undefined && !reservation.done;
    if (live) this.#unlink(reservation);
    else if (reservation?.charged) {
      reservation.counters.forEach((spec, i) => {
        const counter = this.#counterOf(spec);
        if (!counter || spec.releaseOnExpiry === true) return;
        counter.used -= reservation.amounts[i]!;
        counter.unsettled -= reservation.amounts[i]!;
      });
    }
    const out: SettledCounter[] = [];
    for (let i = 0; i < input.counters.length; i++) {
      const spec = input.counters[i]!;
      let counter = this.#counterOf(spec);
      // Swept (its window ended), evicted, or never admitted here: usage is still recorded. (Use
      // is marked at admission: a scope called once is the first to go.)
      if (!counter) counter = this.#add(spec);
      if (live) counter.reserved = Math.max(0, counter.reserved - reservation.amounts[i]!);
      counter.used += input.actual[i]!;
      const alerted = spec.alertAt !== undefined && (counter.flags & ALERTED) === 0 && counter.used >= spec.alertAt;
      if (alerted) counter.flags |= ALERTED;
      const exhausted = spec.announceAtLimit === true && (counter.flags & ANNOUNCED) === 0 && counter.used >= spec.limit;
      if (exhausted) counter.flags |= ANNOUNCED;
      if (spec.rank) this.#rank(spec, counter.used);
      out.push(new Settled(counter.used, counter.reserved, alerted, exhausted));
    }
    if (this.#counters.size > this.#maxCounters) this.#evict();
    return out;
  }

  read(keys: readonly string[], now: number): CounterState[] {
    this.#sweep(now);
    return keys.map((key) => {
      const c = this.#counters.get(key);
      return c ? { used: c.used, reserved: c.reserved, unsettled: c.unsettled } : { used: 0, reserved: 0, unsettled: 0 };
    });
  }

  registerBudgets(origins: readonly BudgetOrigin[], now: number): BudgetRegistration[] {
    // Origins new to the store with the same budgets (100,000 keys of one config) share one
    // record of set times: records are replaced, never changed.
    const fresh = new Map<string, Readonly<Record<string, number>>>();
    return origins.map(({ origin, ids }) => {
      const known = this.#budgets.get(origin);
      if (known === undefined && ids.length > 0) {
        const shape = ids.join('\n');
        let next = fresh.get(shape);
        if (!next) fresh.set(shape, (next = Object.freeze(Object.fromEntries(ids.map((id) => [id, now])))));
        this.#budgets.set(origin, next);
        return { origin, setAt: next, added: ids, removed: NONE, known: false };
      }
      const next: Record<string, number> = {};
      const added: string[] = [];
      for (const id of ids) {
        const setAt = known?.[id];
        if (setAt === undefined) added.push(id);
        next[id] = setAt ?? now;
      }
      const removed = known ? Object.keys(known).filter((id) => next[id] === undefined) : [];
      if (ids.length > 0) this.#budgets.set(origin, next);
      else this.#budgets.delete(origin);
      return { origin, setAt: next, added, removed, known: known !== undefined };
    });
  }

  appendPolicyChange(input: PolicyChangeInput): number {
    if (input.deadline !== undefined && Date.now() > input.deadline) throw new Error('policy change refused: it arrived after its deadline');
    for (const scope of input.revoke ?? []) this.#revoked.add(scope);
    for (const scope of input.restore ?? []) this.#revoked.delete(scope);
    const version = this.#policyLog.push(input.change);
    // After the caller has its version: the watchers read the log, and the appender applies first.
    if (this.#watchers.size > 0) queueMicrotask(() => this.#watchers.forEach((watcher) => watcher()));
    return version;
  }

  watchPolicyChanges(onAppend: () => void): { stop(): void } {
    this.#watchers.add(onAppend);
    return { stop: () => this.#watchers.delete(onAppend) };
  }

  readPolicyChanges(after: number, limit: number): PolicyChangeRecord[] {
    const from = Math.max(0, after);
    return this.#policyLog.slice(from, from + limit).map((change, i) => ({ version: from + i + 1, change }));
  }

  announceCapacity(notices: readonly string[], origin: string): void {
    if (this.#capacityWatchers.size === 0) return;
    // After the caller's turn, as a server's message would arrive.
    queueMicrotask(() => {
      for (const watcher of this.#capacityWatchers) for (const notice of notices) watcher(notice, origin);
    });
  }

  watchCapacity(onNotice: (notice: string, origin: string) => void): { stop(): void } {
    this.#capacityWatchers.add(onNotice);
    return { stop: () => this.#capacityWatchers.delete(onNotice) };
  }

  recordAnalytics(cells: readonly AnalyticsCell[], options: AnalyticsWrite): void {
    // Synchronous, so a batch either applies whole or not at all: its id needs no bookkeeping.
    this.#analytics.record(cells, options);
  }

  addAnalyticsCall(start: number, event: UsageEvent, user: string | null, write: Omit<AnalyticsWrite, 'batchId'>, slot: AnalyticsSlot | null = null): void {
    this.#analytics.add(start, event, user, write, slot);
  }

  readAnalytics(read: AnalyticsRead): AnalyticsCell[] {
    return this.#analytics.read(read);
  }

  /** Cells held by the analytics rollups, and cells evicted to stay under `analyticsMaxCells`. */
  analyticsStats(): AnalyticsTableStats {
    return this.#analytics.stats();
  }

  #unlink(reservation: Reservation): void {
    reservation.done = true;
    if (reservation.prev) reservation.prev.next = reservation.next;
    else this.#head = reservation.next;
    if (reservation.next) reservation.next.prev = reservation.prev;
    else this.#tail = reservation.prev;
    reservation.prev = reservation.next = null;
  }

  nearest(index: string, n: number, now: number): string[] {
    this.#sweep(now);
    const ranked = this.#ranks.get(index);
    if (!ranked) return [];
    return [...ranked.shares].sort((a, b) => b[1] - a[1]).slice(0, n).map(([member]) => member);
  }

  /**
   * Places a counter's member in its index. An index holds at most RANKED members: past twice
   * that, the ones with the smallest shares (the furthest from their limits, never listed) go;
   * one that grows comes back at its next settlement.
   */
  #rank(spec: CounterSpec, used: number): void {
    const { index, member } = spec.rank!;
    let ranked = this.#ranks.get(index);
    if (!ranked) this.#ranks.set(index, (ranked = { expiresAt: spec.expiresAt, shares: new Map() }));
    ranked.shares.set(member, spec.limit > 0 ? used / spec.limit : 0);
    if (ranked.shares.size > 2 * RANKED) ranked.shares = new Map([...ranked.shares].sort((a, b) => b[1] - a[1]).slice(0, RANKED));
  }

  takeUnsettled(now: number, limit: number): UnsettledCall[] {
    this.#sweep(now);
    const taken: UnsettledCall[] = [];
    while (taken.length < limit && this.#unsettled.length > 0) {
      const r = this.#unsettled.shift()!;
      // Settled after it expired: its own usage event tells of it.
      if (!r.settled) taken.push({ reservationId: r.id, note: r.note!(), expiredAt: r.expiresAt });
    }
    return taken;
  }

  /**
   * Charges reservations past their expiry (a concurrency slot is given back) and drops counters
   * past theirs. A charged counter stays until its reservation's time is over, not before.
   */
  #sweep(now: number): void {
    // Once per SWEEP_EVERY_MS; a clock stepped back (NTP, another process's) sweeps at once
    // instead of holding expired reservations until it catches up.
    if (now < this.#nextSweep && this.#nextSweep - now <= SWEEP_EVERY_MS) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (let r = this.#head; r !== null; ) {
      const next = r.next;
      if (r.expiresAt <= now) {
        this.#unlink(r);
        r.charged = true;
        r.counters.forEach((spec, i) => {
          const counter = this.#counterOf(spec);
          if (!counter) return;
          const amount = r!.amounts[i]!;
          counter.reserved = Math.max(0, counter.reserved - amount);
          if (spec.releaseOnExpiry === true) return;
          counter.used += amount;
          counter.unsettled += amount;
        });
        if (r.note) this.#unsettled.push(r);
      }
      r = next;
    }
    // Counters expire at their periods' ends: the walk over every one of them (200,000 at
    // 100,000 keys) waits for the first of them.
    if (now >= this.#nextExpiry) {
      let nextExpiry = Infinity;
      for (const [key, counter] of this.#counters) {
        const expiresAt = counter.spec.expiresAt;
        if (expiresAt === null) continue;
        if (expiresAt <= now && counter.reserved === 0) this.#drop(key, counter);
        else if (expiresAt < nextExpiry) nextExpiry = expiresAt;
      }
      this.#nextExpiry = nextExpiry;
    }
    for (const [index, ranked] of this.#ranks) if (ranked.expiresAt !== null && ranked.expiresAt <= now) this.#ranks.delete(index);
  }
}

export interface MemoryStoreOptions {
  /**
   * Limit counters kept at most (one per limit, scope and period: per user, with templated
   * scopes). Counters expire with their window or period; beyond the bound, the least recently
   * used idle counter is dropped, and its usage forgotten. Default 500,000 (about 125 MB).
   */
  maxCounters?: number;
  /**
   * Analytics cells kept at most (one per time bucket and distinct workspace, integration,
   * model, key and user), every granularity together; beyond it the oldest minute buckets are
   * dropped first, and counted. Default 500,000 (a cell measured about 0.8 KB: up to about
   * 400 MB when full). Keep it above four times the keys (or users, with `analytics.byUser`)
   * that call within a minute: the current minute, the one before (until it is folded), its
   * hour and its day each hold a cell per key, and a bound below that drops the minute being
   * written, over and over.
   */
  analyticsMaxCells?: number;
}

/** The in-process store (the default): limits and analytics hold within one process. */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options);
}
