export type AnalyticsGranularity = 'minute' | 'hour' | 'day';

/** How long each granularity's buckets are kept after they end, in ms. */
export type AnalyticsRetention = Record<AnalyticsGranularity, number>;

/** Bucket sizes: UTC minutes, hours and days are whole multiples of these from the epoch. */
export const GRANULARITY_MS: Readonly<Record<AnalyticsGranularity, number>> = Object.freeze({ minute: 60_000, hour: 3_600_000, day: 86_400_000 });

export const GRANULARITIES: readonly AnalyticsGranularity[] = ['minute', 'hour', 'day'];

/** The start of the bucket of `granularity` containing `time`. */
export function bucketStart(granularity: AnalyticsGranularity, time: number): number {
  const size = GRANULARITY_MS[granularity];
  return Math.floor(time / size) * size;
}
