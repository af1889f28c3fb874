import type { AnalyticsRetention, AnalyticsGranularity } from './granularity.js';

/** What a store's `recordAnalytics` is told about one batch. */
export interface AnalyticsWrite {
  now: number;
  retention: AnalyticsRetention;
  /**
   * Unique per batch, the same when a batch is sent again after a failure or a timeout: a store
   * that cannot tell whether a write applied must apply a batch id at most once.
   */
  batchId: string;
}

export interface AnalyticsRead {
  granularity: AnalyticsGranularity;
  /** Bucket starts from here (inclusive), aligned to the granularity. */
  from: number;
  /** Bucket starts before here (exclusive), aligned to the granularity. */
  to: number;
  now: number;
  retention: AnalyticsRetention;
}
