import type { AnalyticsRead, AnalyticsWrite } from './analytics-storage.js';
import type { AnalyticsRetention } from './granularity.js';
import { dimsKey, mergeCell, newCell, type AnalyticsCell } from './analytics-cell.js';
import { bucketStart, GRANULARITIES, GRANULARITY_MS } from './granularity.js';

export interface AnalyticsTableStats {
  /** Cells held, every granularity together. */
  cells: number;
  /** Cells dropped before their retention ended, to stay under `maxCells` (oldest minutes first). */
  evictedCells: number;
}

/**
 * In-memory analytics rollups: per granularity, buckets by start, cells by dimensions. Bounded
 * by retention (buckets past it are dropped on the next write or read) and by `maxCells`
 * (beyond it the oldest minute buckets go first, then hours: the coarse history survives).
 */
export class AnalyticsTable {
  readonly #levels = { minute: new Map<number, Map<string, AnalyticsCell>>(), hour: new Map<number, Map<string, AnalyticsCell>>(), day: new Map<number, Map<string, AnalyticsCell>>() };
  readonly #maxCells: number;
  #cells = 0;
  #evicted = 0;

  constructor(maxCells: number) {
    this.#maxCells = maxCells;
  }

  record(cells: readonly AnalyticsCell[], { now, retention }: AnalyticsWrite): void {
    this.#expire(now, retention);
    for (const cell of cells) {
      const key = dimsKey(cell.dims);
      for (const granularity of GRANULARITIES) {
        const start = bucketStart(granularity, cell.start);
        // Past its retention already (a late batch): not kept.
        if (start + GRANULARITY_MS[granularity] + retention[granularity] <= now) continue;
        const level = this.#levels[granularity];
        let bucket = level.get(start);
        if (!bucket) level.set(start, (bucket = new Map()));
        let target = bucket.get(key);
        if (!target) {
          bucket.set(key, (target = newCell(start, cell.dims)));
          this.#cells++;
        }
        mergeCell(target, cell);
      }
    }
    this.#evict();
  }

  read({ granularity, from, to, now, retention }: AnalyticsRead): AnalyticsCell[] {
    this.#expire(now, retention);
    const out: AnalyticsCell[] = [];
    for (const [start, bucket] of this.#levels[granularity]) {
      if (start < from || start >= to) continue;
      for (const cell of bucket.values()) out.push(copy(cell));
    }
    return out;
  }

  stats(): AnalyticsTableStats {
    return { cells: this.#cells, evictedCells: this.#evicted };
  }

  #expire(now: number, retention: AnalyticsRetention): void {
    for (const granularity of GRANULARITIES) {
      const level = this.#levels[granularity];
      const keep = now - GRANULARITY_MS[granularity] - retention[granularity];
      for (const [start, bucket] of level) {
        if (start > keep) continue;
        this.#cells -= bucket.size;
        level.delete(start);
      }
    }
  }

  #evict(): void {
    for (const granularity of GRANULARITIES) {
      if (this.#cells <= this.#maxCells) return;
      const level = this.#levels[granularity];
      // Maps iterate in insertion order; buckets are mostly created in time order, so sort to be sure.
      for (const start of [...level.keys()].sort((a, b) => a - b)) {
        if (this.#cells <= this.#maxCells) return;
        const size = level.get(start)!.size;
        level.delete(start);
        this.#cells -= size;
        this.#evicted += size;
      }
    }
  }
}

function copy(cell: AnalyticsCell): AnalyticsCell {
  return { start: cell.start, dims: cell.dims, counts: { ...cell.counts }, latency: { ...cell.latency }, ttft: { ...cell.ttft } };
}
