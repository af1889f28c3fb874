import type { Histogram } from './latency-histogram.js';

/**
 * A histogram as flat pairs `[index, count, index, count, ...]`, for cells held for long (the
 * memory store's rollups). A `Histogram` object with a bucket index as its key gets a dense
 * backing store up to that index from V8 (about 700 bytes for one latency of a few hundred ms);
 * a cell of one call here holds 2 numbers. Null: empty.
 */
export type CompactHistogram = number[] | null;

export function addToCompact(histogram: CompactHistogram, index: number, count: number): number[] {
  if (histogram === null) return [index, count];
  for (let i = 0; i < histogram.length; i += 2) {
    if (histogram[i] === index) {
      histogram[i + 1]! += count;
      return histogram;
    }
  }
  histogram.push(index, count);
  return histogram;
}

export function mergeCompact(target: CompactHistogram, source: CompactHistogram): CompactHistogram {
  if (source === null) return target;
  for (let i = 0; i < source.length; i += 2) target = addToCompact(target, source[i]!, source[i + 1]!);
  return target;
}

export function compactOf(histogram: Histogram): CompactHistogram {
  let out: CompactHistogram = null;
  for (const index in histogram) out = addToCompact(out, Number(index), histogram[index]!);
  return out;
}

export function histogramOf(compact: CompactHistogram): Histogram {
  const out: Histogram = {};
  if (compact !== null) for (let i = 0; i < compact.length; i += 2) out[compact[i]!] = compact[i + 1]!;
  return out;
}
