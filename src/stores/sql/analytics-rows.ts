import { COUNT_FIELDS, dimsFromKey, dimsKey, newCell, type AnalyticsCell, type AnalyticsCounts } from '../../analytics/analytics-cell.js';
import type { AnalyticsRead, AnalyticsWrite } from '../../analytics/analytics-storage.js';
import { bucketStart, GRANULARITIES, GRANULARITY_MS, type AnalyticsGranularity } from '../../analytics/granularity.js';

/**
 * Analytics rollups as SQL rows, one per (granularity, bucket start, dimensions, metric): the
 * integer a batch adds with `value = value + excluded.value`, so a batch is one upsert per row
 * in any SQL engine. Metrics: the count fields by name, `l<n>` / `t<n>` latency / TTFT
 * histogram buckets. Dimensions are the cell's `dimsKey` (a JSON array).
 */
export interface AnalyticsRow {
  level: AnalyticsGranularity;
  start: number;
  dims: string;
  field: string;
  value: number;
}

/** The rows a batch of minute cells adds to, each granularity's, leaving out buckets past their retention. */
export function rowsOf(cells: readonly AnalyticsCell[], { now, retention }: AnalyticsWrite): AnalyticsRow[] {
  const rows = new Map<string, AnalyticsRow>();
  const add = (level: AnalyticsGranularity, start: number, dims: string, field: string, value: number) => {
    if (value === 0) return;
    const id = `${level}\n${start}\n${dims}\n${field}`;
    const row = rows.get(id);
    if (row) row.value += value;
    else rows.set(id, { level, start, dims, field, value });
  };
  for (const cell of cells) {
    const dims = dimsKey(cell.dims);
    for (const level of GRANULARITIES) {
      const start = bucketStart(level, cell.start);
      if (start + GRANULARITY_MS[level] + retention[level] <= now) continue; // a late batch: not kept
      for (const field of COUNT_FIELDS) add(level, start, dims, field, cell.counts[field]);
      for (const b in cell.latency) add(level, start, dims, `l${b}`, cell.latency[b]!);
      for (const b in cell.ttft) add(level, start, dims, `t${b}`, cell.ttft[b]!);
    }
  }
  return [...rows.values()];
}

/** The oldest bucket start each granularity keeps at `now`: rows before it are deleted. */
export function keptFrom(now: number, retention: AnalyticsWrite['retention']): Record<AnalyticsGranularity, number> {
  const out = {} as Record<AnalyticsGranularity, number>;
  for (const level of GRANULARITIES) out[level] = now - GRANULARITY_MS[level] - retention[level] + 1;
  return out;
}

/** The first bucket start a read may return (the range, within retention). */
export function readFrom(read: AnalyticsRead): number {
  return Math.max(read.from, keptFrom(read.now, read.retention)[read.granularity]);
}

/** Cells made back from rows (any order). */
export function cellsOf(rows: Iterable<{ start: number | string; dims: string; field: string; value: number | string }>): AnalyticsCell[] {
  const cells = new Map<string, AnalyticsCell>();
  for (const row of rows) {
    const start = Number(row.start);
    const id = `${start}\n${row.dims}`;
    let cell = cells.get(id);
    if (!cell) cells.set(id, (cell = newCell(start, dimsFromKey(row.dims))));
    const value = Number(row.value);
    const kind = row.field[0];
    if ((kind === 'l' || kind === 't') && /^[lt]\d+$/.test(row.field)) (kind === 'l' ? cell.latency : cell.ttft)[Number(row.field.slice(1))] = value;
    else if ((COUNT_FIELDS as readonly string[]).includes(row.field)) cell.counts[row.field as keyof AnalyticsCounts] = value;
  }
  return [...cells.values()];
}
