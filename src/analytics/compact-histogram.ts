import type { Histogram } from './latency-histogram.js';

/**
 * A histogram as held for long (the memory store's rollups): null when empty; one bucket as one
 * small integer, `index * ONE_BUCKET + count` (a minute's cell of one key is one call, at 100,000
 * keys: no array for it); more buckets as flat pairs `[index, count, index, count, ...]`. A
 * `Histogram` object with a bucket index as its key would get a dense backing store up to that
 * index from V8 (about 700 bytes for one latency of a few hundred ms).
 */
export type CompactHistogram = number | number[] | null;

/** Counts below this fit beside a bucket index (at most 300) in one small integer (below 2^31). */
const ONE_BUCKET = 2 ** 22;

export function addToCompact(histogram: CompactHistogram, index: number, count: number): CompactHistogram {
  if (histogram === null) return count < ONE_BUCKET ? index * ONE_BUCKET + count : [index, count];
  if (typeof histogram === 'number') {
    const held = Math.floor(histogram / ONE_BUCKET);
    const heldCount = histogram - held * ONE_BUCKET;
    if (held === index) return heldCount + count < ONE_BUCKET ? histogram + count : [held, heldCount + count];
    // Both pairs in one literal: an array of two grown by push would make a second backing store.
    return [held, heldCount, index, count];
  }
  for (let i = 0; i < histogram.length; i += 2) {
    if (histogram[i] === index) {
      histogram[i + 1]! += count;
      return histogram;
    }
  }
  histogram.push(index, count);
  return histogram;
}

/** The buckets of a compact histogram as `[index, count]` pairs, flat. */
function pairsOf(histogram: CompactHistogram): readonly number[] {
  if (histogram === null) return [];
  if (typeof histogram === 'number') {
    const index = Math.floor(histogram / ONE_BUCKET);
    return [index, histogram - index * ONE_BUCKET];
  }
  return histogram;
}

export function mergeCompact(target: CompactHistogram, source: CompactHistogram): CompactHistogram {
  const pairs = pairsOf(source);
  for (let i = 0; i < pairs.length; i += 2) target = addToCompact(target, pairs[i]!, pairs[i + 1]!);
  return target;
}

export function compactOf(histogram: Histogram): CompactHistogram {
  let out: CompactHistogram = null;
  for (const index in histogram) out = addToCompact(out, Number(index), histogram[index]!);
  return out;
}

export function histogramOf(compact: CompactHistogram): Histogram {
  const out: Histogram = {};
  const pairs = pairsOf(compact);
  for (let i = 0; i < pairs.length; i += 2) out[pairs[i]!] = pairs[i + 1]!;
  return out;
}
