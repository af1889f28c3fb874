import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnalyticsCell, CounterSpec, Store } from '../../src/index.js';

/**
 * The behavior every store must have, whatever keeps its counters. Run it with a factory that
 * returns a fresh, empty store (a new namespace for a shared server).
 */
export function describeStoreConformance(name: string, factory: () => Promise<Store> | Store): void {
  /** The store as the gateway uses it: each admission's handle is given back at settlement. */
  const makeStore = async (): Promise<Store> => {
    const store = await factory();
    const admitted = new Map<string, { handle: unknown; amounts: readonly number[] }>();
    return {
      name: store.name,
      admit: async (input) => {
        const result = await store.admit(input);
        if (result.admitted) admitted.set(input.reservationId, { handle: result.handle, amounts: input.amounts });
        return result;
      },
      settle: (input) => store.settle({ ...input, ...admitted.get(input.reservationId) }),
      read: (keys, now) => store.read(keys, now),
      registerBudgets: (origins, now) => store.registerBudgets(origins, now),
      appendPolicyChange: (input) => store.appendPolicyChange!(input),
      readPolicyChanges: (after, limit) => store.readPolicyChanges!(after, limit),
      recordAnalytics: (cells, options) => store.recordAnalytics!(cells, options),
      readAnalytics: (read) => store.readAnalytics!(read),
    };
  };
  const counter = (key: string, limit: number, extra: Partial<CounterSpec> = {}): CounterSpec => ({ key, limit, expiresAt: null, ...extra });
  let n = 0;
  const id = () => `res-${++n}-${Math.random().toString(36).slice(2)}`;
  const T0 = Date.parse('2026-05-01T00:00:00Z');

  describe(`store conformance: ${name}`, () => {
    it('admits and reserves on every counter', async () => {
      const store = await makeStore();
      const a = counter('a', 10);
      const b = counter('b', 5);
      const result = await store.admit({ reservationId: id(), counters: [a, b], amounts: [4, 2], now: T0, ttlMs: 60_000 });
      expect(result.admitted).toBe(true);
      expect(await store.read(['a', 'b', 'unknown'], T0)).toEqual([{ used: 0, reserved: 4, unsettled: 0 }, { used: 0, reserved: 2, unsettled: 0 }, { used: 0, reserved: 0, unsettled: 0 }]);
    });

    it('an admission that reports totals reports each counter’s used + reserved once it is reserved', async () => {
      const store = await makeStore();
      const a = counter('tot:a', 100);
      const b = counter('tot:b', 50);
      const first = id();
      await store.admit({ reservationId: first, counters: [a], amounts: [7], now: T0, ttlMs: 60_000 });
      await store.settle({ reserved: true, reservationId: first, counters: [a], actual: [5], now: T0 });
      await store.admit({ reservationId: id(), counters: [b], amounts: [3], now: T0, ttlMs: 60_000 });
      const result = await store.admit({ reservationId: id(), counters: [a, b], amounts: [10, 4], now: T0, ttlMs: 60_000 });
      expect(result.admitted).toBe(true);
      // Optional in the contract: PostgreSQL does not say (the endpoint then reads limits.status); the others do, exactly, in counter order.
      expect(result.admitted && result.totals).toEqual(name.startsWith('postgres') ? undefined : [15, 7]);
      expect(await store.read(['tot:a', 'tot:b'], T0)).toEqual([{ used: 5, reserved: 10, unsettled: 0 }, { used: 0, reserved: 7, unsettled: 0 }]);
    });

    it('is all or nothing: one counter without room reserves nothing anywhere', async () => {
      const store = await makeStore();
      const a = counter('a', 10);
      const b = counter('b', 5);
      await store.admit({ reservationId: id(), counters: [b], amounts: [4], now: T0, ttlMs: 60_000 });
      const result = await store.admit({ reservationId: id(), counters: [a, b], amounts: [3, 2], now: T0, ttlMs: 60_000 });
      // b has room left (1): the call is only too large, which announces nothing.
      expect(result).toEqual({ admitted: false, index: 1, state: { used: 0, reserved: 4 }, first: false });
      expect(await store.read(['a', 'b'], T0)).toEqual([{ used: 0, reserved: 0, unsettled: 0 }, { used: 0, reserved: 4, unsettled: 0 }]);
    });

    it('admits exactly up to the limit, counting reservations and usage', async () => {
      const store = await makeStore();
      const c = counter('c', 10);
      const r1 = id();
      expect((await store.admit({ reservationId: r1, counters: [c], amounts: [6], now: T0, ttlMs: 60_000 })).admitted).toBe(true);
      await store.settle({ reserved: true, reservationId: r1, counters: [c], actual: [5], now: T0 });
      expect((await store.admit({ reservationId: id(), counters: [c], amounts: [5], now: T0, ttlMs: 60_000 })).admitted).toBe(true);
      expect((await store.admit({ reservationId: id(), counters: [c], amounts: [1], now: T0, ttlMs: 60_000 })).admitted).toBe(false);
    });

    it('a call too large for what is left is refused without using up the announcement', async () => {
      const store = await makeStore();
      const budget = counter('budget', 100, { announceAtLimit: true });
      const window = counter('window', 10);
      // Nothing used: a call larger than the limit is refused, and nothing is announced.
      expect(await store.admit({ reservationId: id(), counters: [budget], amounts: [150], now: T0, ttlMs: 60_000 })).toMatchObject({ admitted: false, first: false });
      expect(await store.admit({ reservationId: id(), counters: [window], amounts: [11], now: T0, ttlMs: 60_000 })).toMatchObject({ admitted: false, first: false });
      // The budget truly spent: its exhaustion is still announced, once, by the settlement that spends it.
      const spend = id();
      await store.admit({ reservationId: spend, counters: [budget], amounts: [100], now: T0, ttlMs: 60_000 });
      const [settled] = await store.settle({ reservationId: spend, reserved: true, counters: [budget], actual: [100], now: T0 });
      expect(settled).toMatchObject({ used: 100, exhausted: true });
      // The window full: its first refusal is announced.
      await store.admit({ reservationId: id(), counters: [window], amounts: [10], now: T0, ttlMs: 60_000 });
      expect(await store.admit({ reservationId: id(), counters: [window], amounts: [1], now: T0, ttlMs: 60_000 })).toMatchObject({ admitted: false, first: true });
    });

    it('with exhaustedAt, a refusal once usage reached it announces the budget exhausted, once; before it, none', async () => {
      const store = await makeStore();
      const budget = counter('budget', 100, { announceAtLimit: true, exhaustedAt: 95 });
      const spend = async (amount: number) => {
        const r = id();
        await store.admit({ reservationId: r, counters: [budget], amounts: [amount], now: T0, ttlMs: 60_000 });
        await store.settle({ reservationId: r, reserved: true, counters: [budget], actual: [amount], now: T0 });
      };
      await spend(90);
      // 10 left: a call of 20 does not fit, and announces nothing (more than exhaustedAt leaves).
      expect(await store.admit({ reservationId: id(), counters: [budget], amounts: [20], now: T0, ttlMs: 60_000 })).toMatchObject({ admitted: false, first: false });
      await spend(6);
      // 4 left, under what exhaustedAt leaves: the first refusal says so, the next do not.
      expect(await store.admit({ reservationId: id(), counters: [budget], amounts: [20], now: T0, ttlMs: 60_000 })).toMatchObject({ admitted: false, first: true, state: { used: 96 } });
      expect(await store.admit({ reservationId: id(), counters: [budget], amounts: [20], now: T0, ttlMs: 60_000 })).toMatchObject({ admitted: false, first: false });
      // Reaching the limit later announces nothing more: one announcement a period.
      const last = id();
      await store.admit({ reservationId: last, counters: [budget], amounts: [4], now: T0, ttlMs: 60_000 });
      const [settled] = await store.settle({ reservationId: last, reserved: true, counters: [budget], actual: [4], now: T0 });
      expect(settled).toMatchObject({ used: 100, exhausted: false });
    });

    it('a budget fully reserved by calls in flight is not announced as exhausted by a refusal', async () => {
      const store = await makeStore();
      const budget = counter('budget', 10, { announceAtLimit: true });
      await store.admit({ reservationId: id(), counters: [budget], amounts: [10], now: T0, ttlMs: 60_000 });
      expect(await store.admit({ reservationId: id(), counters: [budget], amounts: [1], now: T0, ttlMs: 60_000 })).toMatchObject({ admitted: false, first: false });
    });

    it('reports the first refusal of a counter once', async () => {
      const store = await makeStore();
      const c = counter('c', 1);
      await store.admit({ reservationId: id(), counters: [c], amounts: [1], now: T0, ttlMs: 60_000 });
      const first = await store.admit({ reservationId: id(), counters: [c], amounts: [1], now: T0, ttlMs: 60_000 });
      const second = await store.admit({ reservationId: id(), counters: [c], amounts: [1], now: T0, ttlMs: 60_000 });
      expect(first).toMatchObject({ admitted: false, first: true });
      expect(second).toMatchObject({ admitted: false, first: false });
    });

    it('settles: actual usage replaces the reservation (more, less, or zero to release)', async () => {
      const store = await makeStore();
      const c = counter('c', 100);
      const [r1, r2, r3] = [id(), id(), id()];
      for (const r of [r1, r2, r3]) await store.admit({ reservationId: r, counters: [c], amounts: [20], now: T0, ttlMs: 60_000 });
      expect(await store.settle({ reserved: true, reservationId: r1, counters: [c], actual: [7], now: T0 })).toEqual([
        { used: 7, reserved: 40, alerted: false, exhausted: false },
      ]);
      await store.settle({ reserved: true, reservationId: r2, counters: [c], actual: [0], now: T0 });
      await store.settle({ reserved: true, reservationId: r3, counters: [c], actual: [25], now: T0 });
      expect(await store.read(['c'], T0)).toEqual([{ used: 32, reserved: 0, unsettled: 0 }]);
    });

    it('reports the alert threshold once, and exhaustion once, when usage reaches them', async () => {
      const store = await makeStore();
      const c = counter('c', 10, { alertAt: 8, announceAtLimit: true });
      const settle = async (amount: number) => {
        const r = id();
        await store.admit({ reservationId: r, counters: [c], amounts: [amount], now: T0, ttlMs: 60_000 });
        return (await store.settle({ reserved: true, reservationId: r, counters: [c], actual: [amount], now: T0 }))[0]!;
      };
      expect(await settle(5)).toMatchObject({ used: 5, alerted: false, exhausted: false });
      expect(await settle(3)).toMatchObject({ used: 8, alerted: true, exhausted: false });
      expect(await settle(1)).toMatchObject({ used: 9, alerted: false, exhausted: false });
      expect(await settle(1)).toMatchObject({ used: 10, alerted: false, exhausted: true });
      // Refusals after exhaustion was announced are not "first".
      expect(await store.admit({ reservationId: id(), counters: [c], amounts: [1], now: T0, ttlMs: 60_000 })).toMatchObject({ first: false });
    });

    it('without announceAtLimit, reaching the limit is not announced: the first refusal is', async () => {
      const store = await makeStore();
      const c = counter('c', 2);
      for (let i = 0; i < 2; i++) {
        const r = id();
        await store.admit({ reservationId: r, counters: [c], amounts: [1], now: T0, ttlMs: 60_000 });
        expect((await store.settle({ reserved: true, reservationId: r, counters: [c], actual: [1], now: T0 }))[0]).toMatchObject({ exhausted: false });
      }
      expect(await store.admit({ reservationId: id(), counters: [c], amounts: [1], now: T0, ttlMs: 60_000 })).toMatchObject({ admitted: false, first: true });
    });

    it('charges a reservation never settled once its time is up: its amount becomes usage, counted as unsettled; a concurrency slot is given back', async () => {
      const store = await makeStore();
      const c = counter('c', 100);
      const slots = counter('slots', 2, { releaseOnExpiry: true });
      await store.admit({ reservationId: id(), counters: [c, slots], amounts: [30, 1], now: T0, ttlMs: 5_000 });
      await store.admit({ reservationId: id(), counters: [c, slots], amounts: [20, 1], now: T0, ttlMs: 60_000 });
      expect((await store.admit({ reservationId: id(), counters: [slots], amounts: [1], now: T0 + 4_000, ttlMs: 5_000 })).admitted).toBe(false);
      // Its caller may have been served before its process died: the worst case is charged.
      const later = T0 + 7_000;
      expect(await store.read(['c', 'slots'], later)).toEqual([
        { used: 30, reserved: 20, unsettled: 30 },
        { used: 0, reserved: 1, unsettled: 0 },
      ]);
      expect((await store.admit({ reservationId: id(), counters: [c, slots], amounts: [50, 1], now: later, ttlMs: 5_000 })).admitted).toBe(true);
      expect((await store.admit({ reservationId: id(), counters: [c], amounts: [1], now: later, ttlMs: 5_000 })).admitted).toBe(false);
    });

    it('a settlement that comes after the expiry replaces the charge by the usage, once', async () => {
      const store = await makeStore();
      const c = counter('c', 10);
      const r = id();
      await store.admit({ reservationId: r, counters: [c], amounts: [6], now: T0, ttlMs: 1_000 });
      await store.admit({ reservationId: id(), counters: [c], amounts: [3], now: T0 + 5_000, ttlMs: 60_000 });
      expect(await store.read(['c'], T0 + 5_000)).toEqual([{ used: 6, reserved: 3, unsettled: 6 }]);
      await store.settle({ reserved: true, reservationId: r, counters: [c], amounts: [6], actual: [4], now: T0 + 6_000 });
      expect(await store.read(['c'], T0 + 6_000)).toEqual([{ used: 4, reserved: 3, unsettled: 0 }]);
      await store.settle({ reserved: true, reservationId: r, counters: [c], amounts: [6], actual: [4], now: T0 + 6_000 });
      expect(await store.read(['c'], T0 + 6_000)).toEqual([{ used: 4, reserved: 3, unsettled: 0 }]);
    });

    it('hands out the note of a call that expired unsettled once, and none of a call settled in time, or after its expiry but before it was taken', async () => {
      const store = await makeStore();
      if (!store.takeUnsettled) return;
      const c = counter('c', 1_000);
      const note = (name: string) => () => JSON.stringify({ requestId: name, costMicros: 5 });
      const [lost, settled, late, plain] = [id(), id(), id(), id()];
      await store.admit({ reservationId: lost, counters: [c], amounts: [5], now: T0, ttlMs: 1_000, note: note('lost') });
      await store.admit({ reservationId: settled, counters: [c], amounts: [5], now: T0, ttlMs: 1_000, note: note('settled') });
      await store.admit({ reservationId: late, counters: [c], amounts: [5], now: T0, ttlMs: 1_000, note: note('late') });
      await store.admit({ reservationId: plain, counters: [c], amounts: [5], now: T0, ttlMs: 1_000 });
      await store.settle({ reserved: true, reservationId: settled, counters: [c], amounts: [5], actual: [3], now: T0 });
      expect(await store.read(['c'], T0 + 2_000)).toEqual([{ used: 18, reserved: 0, unsettled: 15 }]);
      await store.settle({ reserved: true, reservationId: late, counters: [c], amounts: [5], actual: [4], now: T0 + 2_000 });
      const taken = await store.takeUnsettled(T0 + 2_000, 10);
      expect(taken.map((u) => [u.reservationId, JSON.parse(u.note).requestId])).toEqual([[lost, 'lost']]);
      expect(taken[0]!.expiredAt).toBeGreaterThanOrEqual(T0 + 1_000);
      expect(await store.takeUnsettled(T0 + 3_000, 10)).toEqual([]);
      expect(await store.read(['c'], T0 + 3_000)).toEqual([{ used: 17, reserved: 0, unsettled: 10 }]);
    });

    it('ranks counters by their share of their limits: nearest lists the members closest to them, per index, largest first', async () => {
      const store = await makeStore();
      if (!store.nearest) return;
      const index = `users-${id()}`;
      const expiresAt = T0 + 3_600_000;
      const spend = async (member: string, limit: number, amount: number, on = index) => {
        const c = counter(`${on}:${member}`, limit, { expiresAt, rank: { index: on, member } });
        const r = id();
        await store.admit({ reservationId: r, counters: [c], amounts: [amount], now: T0, ttlMs: 60_000 });
        await store.settle({ reservationId: r, reserved: true, counters: [c], amounts: [amount], actual: [amount], now: T0 });
      };
      await spend('u-low', 100, 10);
      await spend('u-high', 100, 90);
      // Another limit (a tier): compared by share, not by amount.
      await spend('u-vip', 1_000, 500);
      await spend('u, ; odd', 100, 60);
      await spend('u-other-index', 100, 99, `other-${id()}`);
      expect(await store.nearest(index, 10, T0)).toEqual(['u-high', 'u, ; odd', 'u-vip', 'u-low']);
      expect(await store.nearest(index, 2, T0)).toEqual(['u-high', 'u, ; odd']);
      // A settlement moves a member.
      await spend('u-low', 100, 85);
      expect(await store.nearest(index, 2, T0)).toEqual(['u-low', 'u-high']);
      expect(await store.nearest(`unknown-${id()}`, 5, T0)).toEqual([]);
      // The index goes with its counters' period.
      expect(await store.nearest(index, 10, expiresAt + 5_000)).toEqual([]);
    });

    it('hands each unsettled call to one taker, when many take at once', async () => {
      const store = await makeStore();
      if (!store.takeUnsettled) return;
      const c = counter('c', 1_000_000);
      const ids = Array.from({ length: 40 }, () => id());
      for (const r of ids) await store.admit({ reservationId: r, counters: [c], amounts: [1], now: T0, ttlMs: 1_000, note: () => JSON.stringify({ requestId: r }) });
      const takers = await Promise.all(Array.from({ length: 8 }, () => store.takeUnsettled!(T0 + 5_000, 7)));
      const taken = takers.flat().map((u) => u.reservationId);
      expect(new Set(taken).size).toBe(taken.length);
      const rest = await store.takeUnsettled(T0 + 5_000, 100);
      expect([...taken, ...rest.map((u) => u.reservationId)].sort()).toEqual([...ids].sort());
    });

    it('settling the same reservation twice (a retry) records its usage once', async () => {
      const store = await makeStore();
      const c = counter('c', 10);
      const r = id();
      await store.admit({ reservationId: r, counters: [c], amounts: [5], now: T0, ttlMs: 60_000 });
      const first = await store.settle({ reserved: true, reservationId: r, counters: [c], actual: [3], now: T0 });
      expect(first[0]?.applied).not.toBe(false);
      const again = await store.settle({ reserved: true, reservationId: r, counters: [c], actual: [3], now: T0 });
      // Said, so that what the first recorded (an alert threshold crossed) is not announced twice.
      expect(again).toEqual([{ used: 3, reserved: 0, alerted: false, exhausted: false, applied: false }]);
      // The same holds for a reservation that expired before it was settled.
      const late = id();
      await store.admit({ reservationId: late, counters: [c], amounts: [2], now: T0, ttlMs: 1_000 });
      expect(await store.read(['c'], T0 + 5_000)).toEqual([{ used: 5, reserved: 0, unsettled: 2 }]);
      expect((await store.settle({ reserved: true, reservationId: late, counters: [c], amounts: [2], actual: [1], now: T0 + 6_000 }))[0]?.applied).not.toBe(false);
      expect((await store.settle({ reserved: true, reservationId: late, counters: [c], amounts: [2], actual: [1], now: T0 + 6_000 }))[0]?.applied).toBe(false);
      expect(await store.read(['c'], T0 + 6_000)).toEqual([{ used: 4, reserved: 0, unsettled: 0 }]);
    });

    it('records usage of a call admitted without a reservation (the store failed at admission)', async () => {
      const store = await factory();
      const c = counter('c', 10);
      await store.admit({ reservationId: id(), counters: [c], amounts: [5], now: T0, ttlMs: 60_000 });
      await store.settle({ reserved: false, reservationId: id(), counters: [c], actual: [4], now: T0 });
      expect(await store.read(['c'], T0)).toEqual([{ used: 4, reserved: 5, unsettled: 0 }]);
    });

    it('registers budgets: keeps set times, reports added and removed', async () => {
      const store = await makeStore();
      const [first] = await store.registerBudgets([{ origin: 'grant:a/*', ids: ['cost:10:monthly:-'] }], T0);
      expect(first).toEqual({ origin: 'grant:a/*', setAt: { 'cost:10:monthly:-': T0 }, added: ['cost:10:monthly:-'], removed: [], known: false });
      const [again] = await store.registerBudgets([{ origin: 'grant:a/*', ids: ['cost:10:monthly:-', 'tokens:500:none:-'] }], T0 + 1_000);
      expect(again).toEqual({
        origin: 'grant:a/*',
        setAt: { 'cost:10:monthly:-': T0, 'tokens:500:none:-': T0 + 1_000 },
        added: ['tokens:500:none:-'],
        removed: [],
        known: true,
      });
      const [changed] = await store.registerBudgets([{ origin: 'grant:a/*', ids: ['tokens:500:none:-'] }], T0 + 2_000);
      expect(changed).toMatchObject({ added: [], removed: ['cost:10:monthly:-'] });
      // Defined again later: a new budget, set now.
      const [back] = await store.registerBudgets([{ origin: 'grant:a/*', ids: ['tokens:500:none:-', 'cost:10:monthly:-'] }], T0 + 3_000);
      expect(back!.setAt['cost:10:monthly:-']).toBe(T0 + 3_000);
      const [cleared] = await store.registerBudgets([{ origin: 'grant:a/*', ids: [] }], T0 + 4_000);
      expect(cleared).toMatchObject({ setAt: {}, removed: ['tokens:500:none:-', 'cost:10:monthly:-'] });
      const [fresh] = await store.registerBudgets([{ origin: 'grant:a/*', ids: [] }], T0 + 5_000);
      expect(fresh).toMatchObject({ known: false });
    });

    it('keeps exactly the usage a model of the calls predicts, and never lets used + reserved exceed a limit, under any interleaving of admit, settle, abort, expiry and late settlement', async () => {
      type Op =
        | { kind: 'admit'; counters: number[]; amount: number }
        | { kind: 'settle'; pick: number; fraction: number }
        | { kind: 'expire' }
        | { kind: 'late'; pick: number; fraction: number };
      const op = fc.oneof(
        fc.record({ kind: fc.constant('admit' as const), counters: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }), amount: fc.integer({ min: 1, max: 40 }) }),
        // fraction 0: an abort or a failure (released); otherwise actual usage up to the reservation.
        fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), fraction: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })) }),
        fc.record({ kind: fc.constant('expire' as const) }),
        // A call whose reservation expired settles after all (its process was slow, not dead).
        fc.record({ kind: fc.constant('late' as const), pick: fc.nat(), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
      );
      const limits = [50, 80, 120];
      // One store for every run (each run's counters are its own): a new PostgreSQL schema per
      // run would cost more than the run. Each run starts at T0 again: a clock stepped back
      // still sees reservations expire.
      const store = await makeStore();
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops: Op[]) => {
          const prefix = `p${++n}-`;
          const specs = limits.map((limit, i) => counter(`${prefix}${i}`, limit));
          type Open = { id: string; idx: number[]; amount: number };
          const open: Open[] = [];
          const expired: Open[] = [];
          const model = limits.map(() => ({ used: 0, reserved: 0, unsettled: 0 }));
          const settle = async (res: Open, actual: number) =>
            store.settle({ reserved: true, reservationId: res.id, counters: res.idx.map((i) => specs[i]!), amounts: res.idx.map(() => res.amount), actual: res.idx.map(() => actual), now });
          // Time goes on from run to run, as it does for a real store.
          let now = T0;
          for (const o of ops) {
            if (o.kind === 'admit') {
              const rid = id();
              const counters = o.counters.map((i) => specs[i]!);
              const fits = o.counters.every((i) => model[i]!.used + model[i]!.reserved + o.amount <= limits[i]!);
              const r = await store.admit({ reservationId: rid, counters, amounts: counters.map(() => o.amount), now, ttlMs: 10_000 });
              expect(r.admitted).toBe(fits);
              if (r.admitted) {
                open.push({ id: rid, idx: o.counters, amount: o.amount });
                for (const i of o.counters) model[i]!.reserved += o.amount;
              }
            } else if (o.kind === 'settle' && open.length > 0) {
              const [res] = open.splice(o.pick % open.length, 1);
              const actual = Math.floor(res!.amount * o.fraction);
              await settle(res!, actual);
              for (const i of res!.idx) {
                model[i]!.reserved -= res!.amount;
                model[i]!.used += actual;
              }
            } else if (o.kind === 'expire') {
              // Past the TTL, open reservations are charged: their callers may have been served.
              now += 11_000;
              for (const res of open.splice(0)) {
                expired.push(res);
                for (const i of res.idx) {
                  model[i]!.reserved -= res.amount;
                  model[i]!.used += res.amount;
                  model[i]!.unsettled += res.amount;
                }
              }
            } else if (o.kind === 'late' && expired.length > 0) {
              const [res] = expired.splice(o.pick % expired.length, 1);
              const actual = Math.floor(res!.amount * o.fraction);
              await settle(res!, actual);
              for (const i of res!.idx) {
                model[i]!.used += actual - res!.amount;
                model[i]!.unsettled -= res!.amount;
              }
            }
            const states = await store.read(specs.map((s) => s.key), now);
            expect(states).toEqual(model);
            states.forEach((s, i) => expect(s.used + s.reserved).toBeLessThanOrEqual(limits[i]!));
          }
        }),
        { numRuns: 150 },
      );
    });

    describe('policy log', () => {
      it('numbers changes 1, 2, 3... and reads them back after a version, oldest first, as written', async () => {
        const store = await makeStore();
        const changes = ['{"a":1}', '{"b":"é ✓ 🚀"}', '{"c":[1,2,3]}', '{}'];
        const versions: number[] = [];
        for (const change of changes) versions.push(await store.appendPolicyChange!({ change }));
        expect(versions).toEqual([1, 2, 3, 4]);
        expect(await store.readPolicyChanges!(0, 100)).toEqual(changes.map((change, i) => ({ version: i + 1, change })));
        expect(await store.readPolicyChanges!(2, 1)).toEqual([{ version: 3, change: '{"c":[1,2,3]}' }]);
        expect(await store.readPolicyChanges!(4, 10)).toEqual([]);
      });

      it('concurrent appends all get a version, in one order, none lost', async () => {
        const store = await makeStore();
        const versions = await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendPolicyChange!({ change: `{"n":${i}}` })));
        expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        const log = await store.readPolicyChanges!(0, 100);
        expect(new Set(log.map((r) => r.change)).size).toBe(50);
        // Each append's version is where its change stands in the log.
        versions.forEach((v, i) => expect(log[v - 1]!.change).toBe(`{"n":${i}}`));
      });

      it('a revoked scope refuses every admission that names it as a guard, reserving nothing, until restored', async () => {
        const store = await makeStore();
        const c = counter('guarded', 10);
        const admit = (guards?: string[]) => store.admit({ reservationId: id(), counters: [c], amounts: [1], now: T0, ttlMs: 60_000, ...(guards ? { guards } : {}) });
        expect(await admit(['key:k1', 'grant:i/w'])).toMatchObject({ admitted: true });
        await store.appendPolicyChange!({ change: '{"revoke":"key:k1"}', revoke: ['key:k1'] });
        expect(await admit(['grant:i/w', 'key:k1'])).toEqual({ admitted: false, revoked: 'key:k1' });
        expect(await admit(['key:k2'])).toMatchObject({ admitted: true });
        // Guards are checked only when given: the revocation does not touch other calls.
        expect(await admit()).toMatchObject({ admitted: true });
        expect(await store.read(['guarded'], T0)).toEqual([{ used: 0, reserved: 3, unsettled: 0 }]);
        await store.appendPolicyChange!({ change: '{"restore":"key:k1"}', restore: ['key:k1'] });
        expect(await admit(['key:k1'])).toMatchObject({ admitted: true });
      });

      it('a change that reaches the store after its deadline is refused and appended nowhere (the appender gave up on it)', async () => {
        const store = await makeStore();
        const append = async (deadline: number) => {
          try {
            return await store.appendPolicyChange!({ change: `{"at":${deadline}}`, deadline, revoke: ['key:late'] });
          } catch (error) {
            return error as Error;
          }
        };
        expect(await append(Date.now() - 1)).toBeInstanceOf(Error);
        expect(await store.readPolicyChanges!(0, 10)).toEqual([]);
        const c = counter('late', 10);
        expect(await store.admit({ reservationId: id(), counters: [c], amounts: [1], now: T0, ttlMs: 60_000, guards: ['key:late'] })).toMatchObject({ admitted: true });
        expect(await append(Date.now() + 60_000)).toBe(1);
      });
    });

    describe('analytics', () => {
      const RETENTION = { minute: 3_600_000, hour: 86_400_000, day: 30 * 86_400_000 };
      const cellAt = (start: number, workspace: string, requests: number): AnalyticsCell => ({
        start,
        // w2's calls failed: their cells carry an error code, which the store keeps as a dimension.
        dims: { workspace, integration: 'llm', provider: 'mock', model: 'm', key: null, user: workspace === 'w1' ? 'u:1' : null, errorCode: workspace === 'w2' ? 'provider_error' : null },
        counts: { requests, errors: 1, rejected: 0, aborted: 0, unsettled: 1, unsettledCostMicros: 5, inputTokens: 10 * requests, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costMicros: 7 * requests },
        latency: { 40: requests, 41: 1 },
        ttft: { 12: 1 },
      });
      const sorted = (cells: AnalyticsCell[]) => [...cells].sort((a, b) => a.start - b.start || String(a.dims.workspace).localeCompare(String(b.dims.workspace)));

      it('adds batches of minute cells to minute, hour and day rollups, exactly', async () => {
        const store = await makeStore();
        const now = T0 + 3 * 60_000;
        await store.recordAnalytics!([cellAt(T0, 'w1', 2), cellAt(T0 + 60_000, 'w1', 3), cellAt(T0, 'w2', 1)], { now, retention: RETENTION, batchId: 'b1' });
        await store.recordAnalytics!([cellAt(T0, 'w1', 5)], { now, retention: RETENTION, batchId: 'b2' });
        const minutes = sorted(await store.readAnalytics!({ granularity: 'minute', from: T0, to: T0 + 120_000, now, retention: RETENTION }));
        expect(minutes.map((c) => [c.start - T0, c.dims.workspace, c.counts.requests, c.counts.costMicros, c.latency[40], c.ttft[12]])).toEqual([
          [0, 'w1', 7, 49, 7, 2],
          [0, 'w2', 1, 7, 1, 1],
          [60_000, 'w1', 3, 21, 3, 1],
        ]);
        expect(minutes[0]!.dims).toEqual({ workspace: 'w1', integration: 'llm', provider: 'mock', model: 'm', key: null, user: 'u:1', errorCode: null });
        expect(minutes[1]!.dims).toEqual({ workspace: 'w2', integration: 'llm', provider: 'mock', model: 'm', key: null, user: null, errorCode: 'provider_error' });
        const hours = sorted(await store.readAnalytics!({ granularity: 'hour', from: T0, to: T0 + 3_600_000, now, retention: RETENTION }));
        expect(hours.map((c) => [c.start, c.dims.workspace, c.counts.requests, c.counts.errors, c.counts.inputTokens, c.latency[41]])).toEqual([
          [T0, 'w1', 10, 3, 100, 3],
          [T0, 'w2', 1, 1, 10, 1],
        ]);
        const days = await store.readAnalytics!({ granularity: 'day', from: T0, to: T0 + 86_400_000, now, retention: RETENTION });
        expect(days.reduce((sum, c) => sum + c.counts.requests, 0)).toBe(11);
      });

      it('keeps each granularity for its retention: older buckets are neither kept nor returned', async () => {
        const store = await makeStore();
        const now = T0 + 2 * 3_600_000;
        // The minute bucket of T0 ended more than an hour before now: past its retention.
        await store.recordAnalytics!([cellAt(T0, 'w1', 1)], { now, retention: RETENTION, batchId: 'old' });
        expect(await store.readAnalytics!({ granularity: 'minute', from: T0, to: now, now, retention: RETENTION })).toEqual([]);
        expect((await store.readAnalytics!({ granularity: 'hour', from: T0, to: now, now, retention: RETENTION })).map((c) => c.counts.requests)).toEqual([1]);
        // Recorded when it was recent, then read after its retention.
        await store.recordAnalytics!([cellAt(now, 'w2', 1)], { now, retention: RETENTION, batchId: 'new' });
        const later = now + 2 * 3_600_000;
        expect(await store.readAnalytics!({ granularity: 'minute', from: now, to: later, now: later, retention: RETENTION })).toEqual([]);
      });
    });
  });
}
