// npm test: weekly and monthly periods on an injected clock; milliseconds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, WEEK, budgetPeriod, monthAt, untilWindowEnd, weekStart, windowAt } from '../../src/util/periods.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
// 1970 to 2200: leap years, the 2000 exception, year ends.
const instant = fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) });

describe('rate-limit windows', () => {
  it.each([
    ['minute', '2026-02-28T23:59:59.999Z', '2026-02-28T23:59:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['hour', '2026-12-31T23:30:00.000Z', '2026-12-31T23:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['day', '2028-02-28T12:00:00.000Z', '2028-02-28T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
  ] as const)('%s window of %s is [%s, %s)', (per, now, start, end) => {
    const w = windowAt(per, at(now));
    expect([iso(w.start), iso(w.end)]).toEqual([start, end]);
  });

  it('contain the instant, start on a UTC boundary, and last exactly their size', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom('minute', 'hour', 'day') as fc.Arbitrary<'minute' | 'hour' | 'day'>, (now, per) => {
        const size = { minute: MINUTE, hour: HOUR, day: DAY }[per];
        const w = windowAt(per, now);
        expect(w.start).toBeLessThanOrEqual(now);
        expect(now).toBeLessThan(w.end);
        expect(w.end - w.start).toBe(size);
        expect(untilWindowEnd(per, now)).toBe(w.end - now);
        const d = new Date(w.start);
        expect(d.getUTCMilliseconds() + d.getUTCSeconds()).toBe(0);
        if (per !== 'minute') expect(d.getUTCMinutes()).toBe(0);
        if (per === 'day') expect(d.getUTCHours()).toBe(0);
      }),
    );
  });
});

describe('budget periods', () => {
  it('weekly periods start on Sunday 00:00 UTC', () => {
    // 2026-11-21 is a Saturday; the week began Sunday 2026-11-15.
    expect(iso(weekStart(at('2026-11-21T15:00:00Z')))).toBe('2026-11-15T00:00:00.000Z');
    expect(iso(weekStart(at('2026-11-22T00:00:00Z')))).toBe('2026-11-22T00:00:00.000Z');
    expect(iso(weekStart(at('2026-11-21T23:59:59.999Z')))).toBe('2026-11-15T00:00:00.000Z');
    // Across a year end: Thursday 2027-01-01 belongs to the week of Sunday 2026-12-27.
    expect(iso(weekStart(at('2027-01-01T08:00:00Z')))).toBe('2026-12-27T00:00:00.000Z');
    fc.assert(
      fc.property(instant, (now) => {
        const start = weekStart(now);
        expect(new Date(start).getUTCDay()).toBe(0);
        expect(start % DAY === 0).toBe(true); // -0 for the week before the epoch
        expect(start).toBeLessThanOrEqual(now);
        expect(now).toBeLessThan(start + WEEK);
      }),
    );
  });

  it('monthly periods run from the 1st 00:00 UTC to the next 1st, across month ends, leap years and year ends', () => {
    const cases: Array<[string, string, string]> = [
      ['2028-02-29T23:59:59.999Z', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
      ['2027-02-28T10:00:00.000Z', '2027-02-01T00:00:00.000Z', '2027-03-01T00:00:00.000Z'],
      ['2100-02-28T10:00:00.000Z', '2100-02-01T00:00:00.000Z', '2100-03-01T00:00:00.000Z'],
      ['2026-12-31T23:59:59.999Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
      ['2027-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z'],
      ['2026-04-30T12:00:00.000Z', '2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z'],
    ];
    for (const [now, start, end] of cases) {
      const m = monthAt(at(now));
      expect([iso(m.start), iso(m.end)]).toEqual([start, end]);
    }
    fc.assert(
      fc.property(instant, (now) => {
        const m = monthAt(now);
        const s = new Date(m.start);
        const e = new Date(m.end);
        expect(s.getUTCDate()).toBe(1);
        expect(e.getUTCDate()).toBe(1);
        expect(m.start % DAY).toBe(0);
        expect(m.start).toBeLessThanOrEqual(now);
        expect(now).toBeLessThan(m.end);
        expect((e.getUTCFullYear() - s.getUTCFullYear()) * 12 + e.getUTCMonth() - s.getUTCMonth()).toBe(1);
        expect(new Date(now).getUTCMonth()).toBe(s.getUTCMonth());
      }),
    );
  });

  it('count from when the budget was set: a budget set mid-period starts there; later periods are whole', () => {
    const setAt = at('2026-11-18T09:30:00Z'); // a Wednesday
    expect(budgetPeriod('weekly', setAt, at('2026-11-20T00:00:00Z'))).toEqual({ start: setAt, end: at('2026-11-22T00:00:00Z') });
    expect(budgetPeriod('weekly', setAt, at('2026-11-25T00:00:00Z'))).toEqual({ start: at('2026-11-22T00:00:00Z'), end: at('2026-11-29T00:00:00Z') });
    expect(budgetPeriod('monthly', setAt, at('2026-11-30T00:00:00Z'))).toEqual({ start: setAt, end: at('2026-12-01T00:00:00Z') });
    expect(budgetPeriod('monthly', setAt, at('2026-12-05T00:00:00Z'))).toEqual({ start: at('2026-12-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z') });
    expect(budgetPeriod('none', setAt, at('2030-01-01T00:00:00Z'))).toEqual({ start: setAt, end: null });
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 400 * DAY }), fc.constantFrom('weekly', 'monthly') as fc.Arbitrary<'weekly' | 'monthly'>, (set, later, reset) => {
        const now = set + later;
        const p = budgetPeriod(reset, set, now);
        expect(p.start).toBeGreaterThanOrEqual(set);
        expect(p.start).toBeLessThanOrEqual(now);
        expect(now).toBeLessThan(p.end!);
      }),
    );
  });
});
