import type { UsageEvent } from '../events/usage-event.js';
import type { AnalyticsRead, AnalyticsWrite } from './analytics-storage.js';
import type { AnalyticsSlot } from '../events/analytics-slot.js';
import { addCounts, dimsOf, emptyCounts, mergeCounts, restOfDims, restOfEventDims, sameCellDims, MINUTE_MS, sameDims, type AnalyticsCell, type AnalyticsCounts, type AnalyticsDims } from './analytics-cell.js';
import { addToCompact, compactOf, histogramOf, mergeCompact, type CompactHistogram } from './compact-histogram.js';
import { bucketIndex } from './latency-histogram.js';
import { bucketStart, GRANULARITY_MS } from './granularity.js';

export interface AnalyticsTableStats {
  /** Cells held, every granularity together. */
  cells: number;
  /** Cells dropped before their retention ended, to stay under `maxCells` (oldest minutes first). */
  evictedCells: number;
}

/**
 * A minute is folded into its hour and day this long after it ends: a call is counted in the
 * minute it started and settles later, and until then a minute's calls update one cell, not three.
 */
const FOLD_AFTER_MS = MINUTE_MS;

/** On writes, folding and retention are looked at no more often than this (reads always look). */
const MAINTAIN_EVERY_MS = 1_000;

/**
 * A cell as held here: its counts in the cell itself (no object of their own, at 100,000 keys),
 * its histograms compact (see CompactHistogram), its start its bucket's.
 */
interface HeldCell extends AnalyticsCounts {
  /**
   * Its bucket's serial (0 for a cell made only to be merged into others): a cell found in a
   * key's slot (see AnalyticsSlot) is used only if it is of the bucket at hand. A number, not the
   * bucket: a slot that outlives its bucket must not keep the bucket's other cells alive.
   */
  readonly bucket: number;
  dims: AnalyticsDims;
  latency: CompactHistogram;
  ttft: CompactHistogram;
}

interface Bucket {
  /** Unique among every table's buckets (see HeldCell.bucket). */
  serial: number;
  start: number;
  /**
   * Cells by their key's id (the same string object on every call of a key, whose hash V8 keeps:
   * no key to build and hash per call); a key with more than one cell (several users, models or
   * error codes) holds a map of them by the rest of their dimensions.
   */
  byKey: Map<string | null, HeldCell | Map<string, HeldCell>>;
  size: number;
  /** A minute bucket whose cells are in its hour's and day's: what it gets from now on goes there too. */
  folded: boolean;
}

type Level = Map<number, Bucket>;
type Write = Omit<AnalyticsWrite, 'batchId'>;

/** The last bucket serial given out, by any table. */
let serials = 0;

/**
 * In-memory analytics rollups: per granularity, buckets by start, cells by dimensions. Bounded
 * by retention (buckets past it are dropped) and by `maxCells` (beyond it the oldest minute
 * buckets go first, then hours: the coarse history survives).
 *
 * A call updates one cell, its minute's. Hours and days are made from minutes once a minute is
 * over (folded: its cells added to its hour's and day's), and a read of hours or days adds the
 * minutes not folded yet, so every read is exact. With many distinct dimensions (100,000 keys,
 * each calling a few times a minute) this keeps a call at one cell update instead of three.
 */
export class AnalyticsTable {
  readonly #levels: Record<'minute' | 'hour' | 'day', Level> = { minute: new Map(), hour: new Map(), day: new Map() };
  readonly #maxCells: number;
  #cells = 0;
  #evicted = 0;
  #maintainAt = Number.NEGATIVE_INFINITY;
  /** The cell of the previous call, and its bucket: traffic comes in runs of the same dimensions, and a hit skips a lookup. */
  #last: HeldCell | null = null;
  #lastBucket: Bucket | null = null;

  constructor(maxCells: number) {
    this.#maxCells = maxCells;
  }

  /**
   * Adds one call, counted in the minute `start`, as it is published (a store in this process
   * needs no batch). `slot` (the call's key policy) keeps the key's cell of the minute, so that
   * with 100,000 keys the key's next call finds it without a lookup in the minute's map of cells.
   * A cell found there is used only if it is of this table's bucket for `start` (a bucket
   * dropped and made again has a new serial) and has the call's dimensions.
   */
  add(start: number, event: UsageEvent, user: string | null, write: Write, slot: AnalyticsSlot | null = null): void {
    if (write.now >= this.#maintainAt) this.#maintain(write);
    let cell = this.#last;
    let bucket = this.#lastBucket;
    if (cell === null || bucket === null || bucket.start !== start || !sameDims(cell.dims, event, user)) {
      bucket = this.#bucket('minute', start, write);
      if (!bucket) {
        // Past its minute's retention already: its hour and day still count it.
        this.#addCoarse(start, callCell(dimsOf(event, user), event), write);
        return this.#bound(write);
      }
      const held = slot?.analytics as HeldCell | null | undefined;
      if (held && held.bucket === bucket.serial && sameDims(held.dims, event, user)) cell = held;
      else {
        cell = this.#eventCell(bucket, event, user);
        if (slot) slot.analytics = cell;
      }
      this.#last = cell;
      this.#lastBucket = bucket;
    }
    addCall(cell, event);
    // A call that settles after its minute was folded (a long stream): its hour and day count it too.
    if (bucket.folded) this.#addCoarse(start, callCell(cell.dims, event), write);
    this.#bound(write);
  }

  /** Adds a batch of minute cells (the AnalyticsStore contract). */
  record(cells: readonly AnalyticsCell[], write: AnalyticsWrite): void {
    this.#maintain(write);
    for (const cell of cells) {
      const held = newHeldCell(0, cell.dims);
      held.latency = compactOf(cell.latency);
      held.ttft = compactOf(cell.ttft);
      mergeCounts(held, cell.counts);
      const bucket = this.#bucket('minute', cell.start, write);
      if (bucket) merge(this.#dimsCell(bucket, cell.dims), held);
      if (!bucket || bucket.folded) this.#addCoarse(cell.start, held, write);
    }
    this.#bound(write);
  }

  read({ granularity, from, to, now, retention }: AnalyticsRead): AnalyticsCell[] {
    this.#maintain({ now, retention });
    const out: AnalyticsCell[] = [];
    for (const [start, bucket] of this.#levels[granularity]) {
      if (start < from || start >= to) continue;
      for (const cell of cellsOf(bucket)) out.push(copy(cell, start));
    }
    if (granularity !== 'minute') {
      // Minutes not folded yet: their calls, as cells of their hour or day (the sums are the same).
      for (const bucket of this.#levels.minute.values()) {
        const start = bucketStart(granularity, bucket.start);
        if (bucket.folded || start < from || start >= to) continue;
        for (const cell of cellsOf(bucket)) out.push(copy(cell, start));
      }
    }
    return out;
  }

  stats(): AnalyticsTableStats {
    return { cells: this.#cells, evictedCells: this.#evicted };
  }

  /** The bucket of `start`, made if new; null when it is past its retention (not kept). */
  #bucket(granularity: 'minute' | 'hour' | 'day', start: number, { now, retention }: Write): Bucket | null {
    const level = this.#levels[granularity];
    let bucket = level.get(start);
    if (!bucket) {
      if (start + GRANULARITY_MS[granularity] + retention[granularity] <= now) return null;
      level.set(start, (bucket = { serial: ++serials, start, byKey: new Map(), size: 0, folded: false }));
    }
    return bucket;
  }

  #eventCell(bucket: Bucket, event: UsageEvent, user: string | null): HeldCell {
    const found = bucket.byKey.get(event.key);
    if (found === undefined) return this.#insert(bucket, dimsOf(event, user));
    if (!(found instanceof Map) && sameDims(found.dims, event, user)) return found;
    return this.#inGroup(bucket, found, restOfEventDims(event, user), () => dimsOf(event, user));
  }

  #dimsCell(bucket: Bucket, dims: AnalyticsDims): HeldCell {
    const found = bucket.byKey.get(dims.key);
    if (found === undefined) return this.#insert(bucket, dims);
    if (!(found instanceof Map) && sameCellDims(found.dims, dims)) return found;
    return this.#inGroup(bucket, found, restOfDims(dims), () => dims);
  }

  /** The first cell of a key in this bucket. */
  #insert(bucket: Bucket, dims: AnalyticsDims): HeldCell {
    const cell = newHeldCell(bucket.serial, dims);
    bucket.byKey.set(dims.key, cell);
    bucket.size++;
    this.#cells++;
    return cell;
  }

  /** A cell among the several of a key (`rest`: its other dimensions), made if new. */
  #inGroup(bucket: Bucket, found: HeldCell | Map<string, HeldCell>, rest: string, dims: () => AnalyticsDims): HeldCell {
    let group = found;
    if (!(group instanceof Map)) {
      const first = group;
      group = new Map([[restOfDims(first.dims), first]]);
      bucket.byKey.set(first.dims.key, group);
    }
    let cell = group.get(rest);
    if (!cell) {
      group.set(rest, (cell = newHeldCell(bucket.serial, dims())));
      bucket.size++;
      this.#cells++;
    }
    return cell;
  }

  /** Adds a cell of the minute `minute` to its hour's and day's (each within its retention). */
  #addCoarse(minute: number, cell: HeldCell, write: Write): void {
    for (const granularity of ['hour', 'day'] as const) {
      const bucket = this.#bucket(granularity, bucketStart(granularity, minute), write);
      if (bucket) merge(this.#dimsCell(bucket, cell.dims), cell);
    }
  }

  /** Folds the minutes that are over, and drops the buckets past their retention. */
  #maintain(write: Write): void {
    const { now, retention } = write;
    this.#maintainAt = now + MAINTAIN_EVERY_MS;
    for (const bucket of this.#levels.minute.values()) {
      if (!bucket.folded && bucket.start + MINUTE_MS + FOLD_AFTER_MS <= now) this.#fold(bucket, write);
    }
    for (const granularity of ['minute', 'hour', 'day'] as const) {
      const level = this.#levels[granularity];
      const keep = now - GRANULARITY_MS[granularity] - retention[granularity];
      for (const [start, bucket] of level) {
        if (start > keep) continue;
        this.#drop(level, bucket);
      }
    }
  }

  #fold(bucket: Bucket, write: Write): void {
    bucket.folded = true;
    for (const cell of cellsOf(bucket)) this.#addCoarse(bucket.start, cell, write);
  }

  #drop(level: Level, bucket: Bucket): void {
    level.delete(bucket.start);
    this.#cells -= bucket.size;
    if (this.#lastBucket === bucket) {
      this.#last = null;
      this.#lastBucket = null;
    }
  }

  /** Over `maxCells`: the oldest minutes first (folded before they go, so hours and days keep them), then hours, then days. */
  #bound(write: Write): void {
    if (this.#cells <= this.#maxCells) return;
    for (const granularity of ['minute', 'hour', 'day'] as const) {
      const level = this.#levels[granularity];
      // Maps iterate in insertion order; buckets are mostly created in time order, so sort to be sure.
      for (const start of [...level.keys()].sort((a, b) => a - b)) {
        if (this.#cells <= this.#maxCells) return;
        const bucket = level.get(start)!;
        if (granularity === 'minute' && !bucket.folded) this.#fold(bucket, write);
        this.#evicted += bucket.size;
        this.#drop(level, bucket);
      }
    }
  }
}

function* cellsOf(bucket: Bucket): Generator<HeldCell> {
  for (const found of bucket.byKey.values()) {
    if (found instanceof Map) yield* found.values();
    else yield found;
  }
}

/**
 * Every field in one literal, not a spread of emptyCounts(): a literal's fields are held in the
 * object itself, where a spread puts the counts in a second array (about 110 bytes more a cell).
 * The compiler keeps the list whole: HeldCell requires every count of AnalyticsCounts.
 */
const newHeldCell = (bucket: number, dims: AnalyticsDims): HeldCell => ({
  bucket,
  dims,
  latency: null,
  ttft: null,
  requests: 0,
  errors: 0,
  rejected: 0,
  aborted: 0,
  unsettled: 0,
  unsettledCostMicros: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costMicros: 0,
});

function addCall(cell: HeldCell, event: UsageEvent): void {
  addCounts(cell, event);
  // An unsettled call's duration is unknown: it is left out of the latencies.
  if (event.status !== 'unsettled') cell.latency = addToCompact(cell.latency, bucketIndex(event.latencyMs), 1);
  if (event.ttftMs !== null) cell.ttft = addToCompact(cell.ttft, bucketIndex(event.ttftMs), 1);
}

function callCell(dims: AnalyticsDims, event: UsageEvent): HeldCell {
  const cell = newHeldCell(0, dims);
  addCall(cell, event);
  return cell;
}

function merge(target: HeldCell, source: HeldCell): void {
  mergeCounts(target, source);
  target.latency = mergeCompact(target.latency, source.latency);
  target.ttft = mergeCompact(target.ttft, source.ttft);
}

function copy(cell: HeldCell, start: number): AnalyticsCell {
  const counts = emptyCounts();
  mergeCounts(counts, cell);
  return { start, dims: cell.dims, counts, latency: histogramOf(cell.latency), ttft: histogramOf(cell.ttft) };
}
