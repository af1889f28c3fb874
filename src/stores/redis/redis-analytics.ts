import { createHash } from 'node:crypto';
import { COUNT_FIELDS, dimsFromKey, dimsKey, emptyCounts, type AnalyticsCell, type AnalyticsCounts } from '../../analytics/analytics-cell.js';
import { bucketStart, GRANULARITIES, GRANULARITY_MS } from '../../analytics/granularity.js';
import type { AnalyticsRead, AnalyticsWrite } from '../../analytics/analytics-storage.js';
import type { AnalyticsGranularity } from '../../analytics/granularity.js';

/** How long a batch's marker is kept: a batch sent again within it is not applied twice. */
const BATCH_MARKER_MS = 24 * 3_600_000;
/** Bucket keys read by one script: a long range is read in several round trips. */
export const READ_CHUNK = 1_000;

const SHORT: Record<keyof AnalyticsCounts, string> = {
  requests: 'r',
  errors: 'e',
  rejected: 'j',
  aborted: 'x',
  unsettled: 'u',
  unsettledCostMicros: 'uc',
  inputTokens: 'i',
  outputTokens: 'o',
  cacheReadTokens: 'cr',
  cacheWriteTokens: 'cw',
  reasoningTokens: 'rs',
  costMicros: 'c',
};
const LONG = Object.fromEntries(Object.entries(SHORT).map(([long, short]) => [short, long])) as Record<string, keyof AnalyticsCounts>;
const LEVEL: Record<AnalyticsGranularity, string> = { minute: 'm', hour: 'h', day: 'd' };

export function bucketKey(tag: string, granularity: AnalyticsGranularity, start: number): string {
  return `${tag}:a:${LEVEL[granularity]}:${start}`;
}

export const dimsHashKey = (tag: string) => `${tag}:a:dims`;

function dimsId(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

/** KEYS and ARGV of RECORD_ANALYTICS for a batch of minute cells. */
export function recordArgs(tag: string, cells: readonly AnalyticsCell[], { now, retention, batchId }: AnalyticsWrite): { keys: string[]; args: string[] } {
  const keys = [dimsHashKey(tag), `${tag}:a:b:${batchId}`];
  const ttls: string[] = [];
  const index = new Map<string, number>();
  const cellArgs: string[] = [];
  let longest = 0;
  for (const cell of cells) {
    const indexes: number[] = [];
    for (const granularity of GRANULARITIES) {
      const start = bucketStart(granularity, cell.start);
      const ttl = start + GRANULARITY_MS[granularity] + retention[granularity] - now;
      if (ttl <= 0) continue; // past its retention already (a late batch): not kept
      longest = Math.max(longest, ttl);
      const key = bucketKey(tag, granularity, start);
      let i = index.get(key);
      if (i === undefined) {
        keys.push(key);
        ttls.push(String(ttl));
        index.set(key, (i = keys.length));
      }
      indexes.push(i);
    }
    if (indexes.length === 0) continue;
    let fields = '';
    for (const field of COUNT_FIELDS) if (cell.counts[field] !== 0) fields += `${SHORT[field]} ${cell.counts[field]} `;
    for (const b in cell.latency) fields += `l${b} ${cell.latency[b]} `;
    for (const b in cell.ttft) fields += `t${b} ${cell.ttft[b]} `;
    const key = dimsKey(cell.dims);
    cellArgs.push(indexes.join(' '), dimsId(key), key, fields);
  }
  return { keys, args: [String(BATCH_MARKER_MS), String(Math.max(longest, 1)), String(ttls.length), ...ttls, ...cellArgs] };
}

/** The bucket keys of a read, with their starts, in order. */
export function readKeys(tag: string, read: AnalyticsRead): Array<{ key: string; start: number }> {
  const size = GRANULARITY_MS[read.granularity];
  const oldest = read.now - size - read.retention[read.granularity];
  const out: Array<{ key: string; start: number }> = [];
  for (let start = Math.max(read.from, bucketStart(read.granularity, oldest)); start < read.to; start += size) {
    out.push({ key: bucketKey(tag, read.granularity, start), start });
  }
  return out;
}

/** The cells of READ_ANALYTICS's reply for buckets starting at `starts`. */
export function parseRead(reply: unknown[], starts: readonly number[]): AnalyticsCell[] {
  const ids = reply[reply.length - 2] as string[];
  const dimsJson = reply[reply.length - 1] as string[];
  const dimsById = new Map<string, string>();
  ids.forEach((id, i) => dimsById.set(id, dimsJson[i]!));
  const cells: AnalyticsCell[] = [];
  starts.forEach((start, k) => {
    const flat = reply[k] as string[];
    const byId = new Map<string, AnalyticsCell>();
    for (let j = 0; j < flat.length; j += 2) {
      const field = flat[j]!;
      const colon = field.indexOf(':');
      const id = field.slice(0, colon);
      const name = field.slice(colon + 1);
      const value = Number(flat[j + 1]);
      let cell = byId.get(id);
      if (!cell) {
        const json = dimsById.get(id);
        // Dimensions expired before the bucket (they cannot: same TTL or longer): skip rather than guess.
        if (!json) continue;
        byId.set(id, (cell = { start, dims: dimsFromKey(json), counts: emptyCounts(), latency: {}, ttft: {} }));
      }
      if (name[0] === 'l') cell.latency[Number(name.slice(1))] = value;
      else if (name[0] === 't') cell.ttft[Number(name.slice(1))] = value;
      else if (LONG[name]) cell.counts[LONG[name]] = value;
    }
    cells.push(...byId.values());
  });
  return cells;
}
