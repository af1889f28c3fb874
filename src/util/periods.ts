/**
 * Time boundaries, all in UTC epoch milliseconds from the gateway's clock.
 *
 * Rate limits use fixed windows on UTC boundaries (the minute, hour or day `now` falls in).
 * Budgets reset weekly on Sunday 00:00 UTC or monthly on the 1st 00:00 UTC, whatever the day
 * they were set; the first period starts when the budget was set (usage before is not counted).
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

const WINDOW = { minute: MINUTE, hour: HOUR, day: DAY } as const;

export interface Span {
  start: number;
  /** Exclusive; null for a budget that never resets. */
  end: number | null;
}

/** The rate-limit window containing `now`. */
export function windowAt(per: 'minute' | 'hour' | 'day', now: number): { start: number; end: number } {
  const size = WINDOW[per];
  const start = Math.floor(now / size) * size;
  return { start, end: start + size };
}

/** Milliseconds from `now` to the end of its rate-limit window (windowAt's end - now, without an object). */
export function untilWindowEnd(per: 'minute' | 'hour' | 'day', now: number): number {
  const size = WINDOW[per];
  return size - (now - Math.floor(now / size) * size);
}

/** 00:00 UTC of the Sunday on or before `now`. Day 0 of the epoch (1970-01-01) was a Thursday. */
export function weekStart(now: number): number {
  const day = Math.floor(now / DAY);
  return (day - ((day + 4) % 7)) * DAY;
}

let monthCache = { start: 0, end: 0 };

/** The calendar month (UTC) containing `now`; cached, since most calls fall in the same month. */
export function monthAt(now: number): { start: number; end: number } {
  if (now >= monthCache.start && now < monthCache.end) return monthCache;
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  monthCache = { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  return monthCache;
}

/** The budget period containing `now`, for a budget set at `setAt` (never before it). */
export function budgetPeriod(reset: 'none' | 'weekly' | 'monthly', setAt: number, now: number): Span {
  if (reset === 'none') return { start: setAt, end: null };
  const span = reset === 'weekly' ? { start: weekStart(now), end: weekStart(now) + WEEK } : monthAt(now);
  return { start: Math.max(span.start, setAt), end: span.end };
}
