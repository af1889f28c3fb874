import type { UsageEvent } from '../events/usage-event.js';
import { addTo, bucketIndex, type Histogram } from './latency-histogram.js';

/** What calls are grouped and filtered by. `errorCode`: a failed call's error code (null for a success). */
export const ANALYTICS_DIMENSIONS = ['workspace', 'integration', 'provider', 'model', 'key', 'user', 'errorCode'] as const;
export type AnalyticsDimension = (typeof ANALYTICS_DIMENSIONS)[number];

/** The values of every dimension for a cell; null when a call had none (no key, refused before resolution). */
export type AnalyticsDims = Record<AnalyticsDimension, string | null>;

/** Totals of a cell. Money in integer micro-dollars, so that sums are exact. */
export interface AnalyticsCounts {
  requests: number;
  /** Calls the provider failed (or the gateway could not serve): `status: 'error'`. */
  errors: number;
  /** Calls the gateway refused (validation, access, limits). */
  rejected: number;
  /** Calls the caller aborted. */
  aborted: number;
  /**
   * Calls whose process died before it settled them (`status: 'unsettled'`): counted at the
   * worst case they reserved, in the tokens and cost below too.
   */
  unsettled: number;
  /** The part of `costMicros` that is such calls' worst case, not measured spend. */
  unsettledCostMicros: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costMicros: number;
}

export const COUNT_FIELDS = [
  'requests',
  'errors',
  'rejected',
  'aborted',
  'unsettled',
  'unsettledCostMicros',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'reasoningTokens',
  'costMicros',
] as const satisfies ReadonlyArray<keyof AnalyticsCounts>;

/**
 * The rollup of the calls with the same dimensions in one time bucket: their totals and the
 * histograms of their latency and time to first token. Stores keep cells per minute, hour and
 * day; any group over any range is a sum of cells.
 */
export interface AnalyticsCell {
  /** Start of the bucket, epoch ms (UTC). */
  start: number;
  dims: AnalyticsDims;
  counts: AnalyticsCounts;
  latency: Histogram;
  ttft: Histogram;
}

export const MINUTE_MS = 60_000;

export function emptyCounts(): AnalyticsCounts {
  return { requests: 0, errors: 0, rejected: 0, aborted: 0, unsettled: 0, unsettledCostMicros: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costMicros: 0 };
}

/** `user`: the event's, or null where analytics leave users out (`analytics.byUser: false`). */
export function dimsOf(event: UsageEvent, user: string | null): AnalyticsDims {
  return { workspace: event.workspace, integration: event.integration, provider: event.provider, model: event.model, key: event.key, user, errorCode: event.errorCode };
}

/**
 * A cell's identity within a minute, straight from an event's fields (no object, no JSON: this
 * runs on every call). Each value is prefixed by its length, so the key is unambiguous whatever
 * the values hold; null is `-`.
 */
export function eventDimsKey(event: UsageEvent, user: string | null): string {
  return `${part(event.workspace)}${part(event.integration)}${part(event.provider)}${part(event.model)}${part(event.key)}${part(user)}${part(event.errorCode)}`;
}

/**
 * The identity of a cell's dimensions but its key, from an event (or from a cell's dimensions,
 * `restOfDims`: the same string): for cells of one key told apart (users, models, error codes).
 */
export function restOfEventDims(event: UsageEvent, user: string | null): string {
  return `${part(event.workspace)}${part(event.integration)}${part(event.provider)}${part(event.model)}${part(user)}${part(event.errorCode)}`;
}

export function restOfDims(dims: AnalyticsDims): string {
  return `${part(dims.workspace)}${part(dims.integration)}${part(dims.provider)}${part(dims.model)}${part(dims.user)}${part(dims.errorCode)}`;
}

/** Whether two cells have the same dimensions. */
export function sameCellDims(a: AnalyticsDims, b: AnalyticsDims): boolean {
  return a.workspace === b.workspace && a.integration === b.integration && a.provider === b.provider && a.model === b.model && a.key === b.key && a.user === b.user && a.errorCode === b.errorCode;
}

/** Whether an event has these dimensions. */
export function sameDims(dims: AnalyticsDims, event: UsageEvent, user: string | null): boolean {
  return (
    dims.workspace === event.workspace &&
    dims.integration === event.integration &&
    dims.provider === event.provider &&
    dims.model === event.model &&
    dims.key === event.key &&
    dims.user === user &&
    dims.errorCode === event.errorCode
  );
}

const part = (value: string | null): string => (value === null ? '-' : `${value.length}:${value}`);

/**
 * A stable identity of a cell's dimensions (a JSON array: unambiguous whatever the values hold).
 * The error code comes last and only when there is one, so that the cells of successful calls
 * keep the keys they had before it was a dimension (stores hold keys of both shapes).
 */
export function dimsKey(dims: AnalyticsDims): string {
  const values = [dims.workspace, dims.integration, dims.provider, dims.model, dims.key, dims.user];
  if (dims.errorCode !== null) values.push(dims.errorCode);
  return JSON.stringify(values);
}

export function dimsFromKey(key: string): AnalyticsDims {
  const [workspace, integration, provider, model, k, user, errorCode] = JSON.parse(key) as Array<string | null>;
  return { workspace: workspace ?? null, integration: integration ?? null, provider: provider ?? null, model: model ?? null, key: k ?? null, user: user ?? null, errorCode: errorCode ?? null };
}

/** Adds one call to a cell. */
export function addEvent(cell: AnalyticsCell, event: UsageEvent): void {
  addCounts(cell.counts, event);
  // An unsettled call's duration is unknown: it is left out of the latencies.
  if (event.status !== 'unsettled') addTo(cell.latency, bucketIndex(event.latencyMs));
  if (event.ttftMs !== null) addTo(cell.ttft, bucketIndex(event.ttftMs));
}

/** Adds one call to totals. */
export function addCounts(c: AnalyticsCounts, event: UsageEvent): void {
  c.requests++;
  if (event.status === 'error') c.errors++;
  else if (event.status === 'rejected') c.rejected++;
  else if (event.status === 'aborted') c.aborted++;
  else if (event.status === 'unsettled') {
    c.unsettled++;
    c.unsettledCostMicros += event.costMicros ?? 0;
  }
  const u = event.usage;
  c.inputTokens += u.inputTokens;
  c.outputTokens += u.outputTokens;
  c.cacheReadTokens += u.cacheReadTokens;
  c.cacheWriteTokens += u.cacheWriteTokens;
  c.reasoningTokens += u.reasoningTokens;
  c.costMicros += event.costMicros ?? 0;
}

/** Adds totals to others. */
export function mergeCounts(target: AnalyticsCounts, source: AnalyticsCounts): void {
  for (const field of COUNT_FIELDS) target[field] += source[field];
}

export function newCell(start: number, dims: AnalyticsDims): AnalyticsCell {
  return { start, dims, counts: emptyCounts(), latency: {}, ttft: {} };
}
