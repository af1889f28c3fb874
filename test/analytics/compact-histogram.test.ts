// npm test: the compact histograms the memory store holds its cells' latencies in; microseconds.
import { describe, expect, it } from 'vitest';
import { addToCompact, compactOf, histogramOf, mergeCompact, type CompactHistogram } from '../../src/analytics/compact-histogram.js';

describe('compact histograms', () => {
  it('hold one bucket as one number, and become pairs when a second bucket or a large count comes', () => {
    let h: CompactHistogram = addToCompact(null, 300, 1);
    expect(typeof h).toBe('number');
    h = addToCompact(h, 300, 41);
    expect(typeof h).toBe('number');
    expect(histogramOf(h)).toEqual({ 300: 42 });
    h = addToCompact(h, 7, 2);
    expect(h).toEqual([300, 42, 7, 2]);
    expect(histogramOf(h)).toEqual({ 7: 2, 300: 42 });
    const big = addToCompact(addToCompact(null, 12, 2 ** 22 - 1), 12, 5);
    expect(histogramOf(big)).toEqual({ 12: 2 ** 22 + 4 });
    expect(histogramOf(addToCompact(null, 0, 2 ** 23))).toEqual({ 0: 2 ** 23 });
  });

  it('merge and convert without losing a count', () => {
    const a = compactOf({ 3: 5, 250: 1 });
    const b = addToCompact(null, 3, 7);
    expect(histogramOf(mergeCompact(b, a))).toEqual({ 3: 12, 250: 1 });
    expect(histogramOf(mergeCompact(null, b))).toEqual({ 3: 7 });
    expect(histogramOf(mergeCompact(addToCompact(null, 9, 1), null))).toEqual({ 9: 1 });
    expect(histogramOf(null)).toEqual({});
  });
});
