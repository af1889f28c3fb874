import { z } from 'zod';
import { toConfigIssues } from '../errors/format-issues.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import type { AnalyticsGranularity, AnalyticsRetention } from './granularity.js';
import { toIso } from '../util/to-iso.js';
import { ANALYTICS_DIMENSIONS, COUNT_FIELDS, emptyCounts, type AnalyticsCell, type AnalyticsCounts, type AnalyticsDimension } from './analytics-cell.js';
import { bucketStart, GRANULARITIES, GRANULARITY_MS } from './granularity.js';
import { mergeInto, quantile, type Histogram } from './latency-histogram.js';

/** At most this many buckets are read by one query: ask for a coarser interval beyond it. */
const MAX_BUCKETS = 50_000;

const time = z.union([
  z.date().refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date'),
  z.number().int().nonnegative(),
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date'),
]);
const dimensionValue = z.union([z.string(), z.null()]);

export const analyticsQuerySchema = z
  .strictObject({
    /** Start of the range (inclusive): a Date, epoch ms or an ISO string. */
    from: time,
    /** End of the range (exclusive). Default: now (the calls of this very millisecond included). */
    to: time.optional(),
    /** One row per bucket of this size; without it, one row per group for the whole range. */
    interval: z.enum(['minute', 'hour', 'day']).optional(),
    /** Dimensions to group by; without them, one row (per bucket) for everything. */
    groupBy: z.array(z.enum(ANALYTICS_DIMENSIONS)).optional(),
    /** Only calls with these values (a value, or any of several; null matches calls without one). */
    filter: z.partialRecord(z.enum(ANALYTICS_DIMENSIONS), z.union([dimensionValue, z.array(dimensionValue).min(1)])).optional(),
  });

export type AnalyticsQuery = z.input<typeof analyticsQuerySchema>;

/** Latency percentiles of a row, in ms (within 4.8 % of the exact values; see docs/analytics.md). */
export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** One group (and bucket) of calls. Only the grouped dimensions are present. */
export interface AnalyticsRow extends Partial<Record<AnalyticsDimension, string | null>>, AnalyticsCounts {
  /** ISO start of the bucket (with an interval), else of the range. */
  start: string;
  /** ISO end of the bucket (exclusive), else of the range. */
  end: string;
  totalTokens: number;
  /** USD, exact (summed in micro-dollars). */
  cost: number;
  /** USD: the part of `cost` that is unsettled calls' worst case, not measured spend. */
  unsettledCost: number;
  latencyMs: LatencyPercentiles | null;
  /** Time to first token of streamed calls; null when the group has none. */
  ttftMs: LatencyPercentiles | null;
}

export interface AnalyticsResult {
  /** The range read, widened to whole buckets of `granularity`. */
  from: string;
  to: string;
  interval: AnalyticsGranularity | null;
  /** The rollups read: the interval's, or without one the finest kept for the whole range. */
  granularity: AnalyticsGranularity;
  groupBy: AnalyticsDimension[];
  rows: AnalyticsRow[];
  /** What the result may be missing (a range older than the rollups are kept). */
  warnings: string[];
}

export interface PlannedQuery {
  granularity: AnalyticsGranularity;
  interval: AnalyticsGranularity | null;
  from: number;
  to: number;
  groupBy: AnalyticsDimension[];
  filter: Partial<Record<AnalyticsDimension, Set<string | null>>>;
  warnings: string[];
}

/** Validates a query and decides which rollups answer it. Bad input: a RequestValidationError naming the field. */
export function planQuery(input: unknown, now: number, retention: AnalyticsRetention): PlannedQuery {
  const parsed = analyticsQuerySchema.safeParse(input);
  if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error));
  const q = parsed.data;
  const from = toMs(q.from);
  const to = q.to === undefined ? now + 1 : toMs(q.to);
  if (to <= from) throw new RequestValidationError([{ path: 'to', message: `must be after from (${new Date(from).toISOString()})` }]);
  // Without an interval: the finest rollups still kept for the start of the range.
  const granularity = q.interval ?? GRANULARITIES.find((g) => from >= now - retention[g]) ?? 'day';
  const size = GRANULARITY_MS[granularity];
  const start = bucketStart(granularity, from);
  const end = bucketStart(granularity, to - 1) + size;
  if ((end - start) / size > MAX_BUCKETS) {
    throw new RequestValidationError([{ path: 'interval', message: `the range holds more than ${MAX_BUCKETS} ${granularity} buckets: ask for a coarser interval` }]);
  }
  const warnings: string[] = [];
  if (start < now - retention[granularity] - size) {
    warnings.push(`${granularity} rollups are kept for ${describeMs(retention[granularity])}: the start of the range may be missing`);
  }
  const filter: PlannedQuery['filter'] = {};
  for (const [name, value] of Object.entries(q.filter ?? {})) {
    filter[name as AnalyticsDimension] = new Set(Array.isArray(value) ? value : [value]);
  }
  return { granularity, interval: q.interval ?? null, from: start, to: end, groupBy: [...new Set(q.groupBy ?? [])], filter, warnings };
}

/** Sums the cells into the query's rows, sorted by bucket, then by group. */
export function aggregate(plan: PlannedQuery, cells: readonly AnalyticsCell[]): AnalyticsResult {
  const groups = new Map<string, { row: AnalyticsRow; latency: Histogram; ttft: Histogram; sortKey: string }>();
  const size = GRANULARITY_MS[plan.granularity];
  for (const cell of cells) {
    if (!matches(plan, cell)) continue;
    const bucket = plan.interval ? cell.start : plan.from;
    const values = plan.groupBy.map((d) => cell.dims[d]);
    const id = `${bucket}\n${JSON.stringify(values)}`;
    let group = groups.get(id);
    if (!group) {
      const row = { start: toIso(bucket), end: toIso(plan.interval ? bucket + size : plan.to) } as AnalyticsRow;
      plan.groupBy.forEach((d, i) => (row[d] = values[i]!));
      Object.assign(row, emptyCounts(), { totalTokens: 0, cost: 0, unsettledCost: 0, latencyMs: null, ttftMs: null });
      group = { row, latency: {}, ttft: {}, sortKey: `${String(bucket).padStart(15, '0')}\n${JSON.stringify(values)}` };
      groups.set(id, group);
    }
    const row = group.row as unknown as Record<string, number>;
    for (const field of COUNT_FIELDS) row[field]! += cell.counts[field];
    mergeInto(group.latency, cell.latency);
    mergeInto(group.ttft, cell.ttft);
  }
  const rows = [...groups.values()]
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map(({ row, latency, ttft }) => {
      row.totalTokens = row.inputTokens + row.outputTokens;
      row.cost = row.costMicros / 1_000_000;
      row.unsettledCost = row.unsettledCostMicros / 1_000_000;
      row.latencyMs = percentiles(latency);
      row.ttftMs = percentiles(ttft);
      return row;
    });
  return {
    from: toIso(plan.from),
    to: toIso(plan.to),
    interval: plan.interval,
    granularity: plan.granularity,
    groupBy: plan.groupBy,
    rows,
    warnings: plan.warnings,
  };
}

function matches(plan: PlannedQuery, cell: AnalyticsCell): boolean {
  if (cell.start < plan.from || cell.start >= plan.to) return false;
  for (const name in plan.filter) {
    if (!plan.filter[name as AnalyticsDimension]!.has(cell.dims[name as AnalyticsDimension])) return false;
  }
  return true;
}

function percentiles(histogram: Histogram): LatencyPercentiles | null {
  const p50 = quantile(histogram, 0.5);
  if (p50 === null) return null;
  return { p50, p95: quantile(histogram, 0.95)!, p99: quantile(histogram, 0.99)! };
}

function toMs(value: Date | number | string): number {
  return value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
}

function describeMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} days`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hours`;
  return `${Math.round(ms / 60_000)} minutes`;
}
