import { z } from 'zod';
import { toConfigIssues } from '../../errors/format-issues.js';
import { ConfigError, type ConfigIssue } from '../../errors/config-error.js';
import type { SinkCap, SinkSampling } from '../../events/sink.js';
import type { UsageEvent } from '../../events/usage-event.js';
import { isUsageEventField, type UsageEventField } from './usage-event-fields.js';

/**
 * Options of `jsonlSink(pathOrStream, options)`. The delivery options (`sampling`, `cap`,
 * `queueSize`, `batchSize`, `timeoutMs`) are the gateway's per-sink options, passed through.
 *
 * @example
 * jsonlSink('/var/log/tollgate/usage.jsonl', { omit: ['rawUsage'], fsync: 'batch' })
 * jsonlSink(process.stdout, { fields: ['requestId', 'workspace', 'model', 'cost', 'status'] })
 */
export interface JsonlSinkOptions {
  /**
   * Name in `gateway.stats().sinks` and `sink.error` events.
   * Default: `jsonl:<file name>` for a path, `jsonl` for a stream.
   * @example 'usage-log'
   */
  name?: string;
  /**
   * Write only these top-level fields of each event (an allowlist: fields added to the event
   * later stay out of the file until listed). `schemaVersion` is always written, so that a
   * reader knows the shape of every line. Not with `omit` or `serialize`. Default: every field.
   * @example ['requestId', 'startedAt', 'workspace', 'model', 'usage', 'cost', 'status']
   */
  fields?: readonly UsageEventField[];
  /**
   * Leave these top-level fields out (a denylist: fields added to the event later are written).
   * Not with `fields` or `serialize`. Default: none.
   * @example ['rawUsage', 'metadata']
   */
  omit?: readonly UsageEventField[];
  /**
   * Turns an event into its line, instead of `JSON.stringify`. Must return a non-empty string
   * without `\n` or `\r`; otherwise the whole batch is refused (nothing of it is written) and
   * reported as `sink.error`. Not with `fields` or `omit`. Default: `JSON.stringify(event)`.
   * @example (event) => JSON.stringify({ id: event.requestId, usd: event.cost })
   */
  serialize?: (event: UsageEvent) => string;
  /**
   * File only. When the file is synced to disk (`datasync`): `'flush'` on `gateway.flush()` and
   * `gateway.close()`; `'batch'` after every batch as well (durable per batch, slower).
   * Default: `'flush'`.
   * @example 'batch'
   */
  fsync?: 'batch' | 'flush';
  /**
   * File only. Permissions of the file when the sink creates it (the process umask applies; an
   * existing file keeps its own). Default: `0o600`, owner only: events carry no credentials but
   * are business data (workspaces, users, metadata, spend).
   * @example 0o640 // readable by a log shipper in the file's group
   */
  mode?: number;
  /**
   * Stream only. End the stream on `gateway.close()`. Default: `false` (the sink did not open the
   * stream, so it leaves it open: `process.stdout` must never be ended).
   * @example true
   */
  end?: boolean;
  /**
   * Deliver only a share of the usage events (failures kept unless `keepFailures: false`).
   * Default: every event.
   * @example { rate: 0.1 }
   */
  sampling?: SinkSampling;
  /**
   * At most this many usage events per UTC period; the rest are dropped and counted.
   * Default: no cap.
   * @example { events: 1_000_000, per: 'day' }
   */
  cap?: SinkCap;
  /**
   * Events this sink may have waiting. Default: the gateway's `events.queueSize`.
   * @example 50_000
   */
  queueSize?: number;
  /**
   * Events per write (one `write` call to the file or stream). Default: the gateway's `events.batchSize`.
   * @example 500
   */
  batchSize?: number;
  /**
   * A write that takes longer is abandoned (its events counted as dropped); also bounds how long
   * `flush` and `close` wait for a stream that does not drain. Default: the gateway's
   * `events.sinkTimeoutMs` for writes; 30,000 ms for a stream's flush and close.
   * @example 5_000
   */
  timeoutMs?: number;
}

const positiveInt = z.number().int().positive();
const fieldName = z.custom<UsageEventField>((v) => typeof v === 'string' && isUsageEventField(v), {
  error: (issue) => (typeof issue.input === 'string' ? `unknown usage event field '${issue.input}'` : 'must be the name of a usage event field'),
});
const fieldList = z.array(fieldName);

const optionsSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    fields: fieldList.min(1, 'must list at least one field').optional(),
    omit: fieldList.optional(),
    serialize: z.custom<(event: UsageEvent) => string>((v) => typeof v === 'function', 'must be a function (event) => string').optional(),
    fsync: z.enum(['batch', 'flush']).optional(),
    mode: z.number().int().min(0).max(0o777, 'must be a permission mode between 0 and 0o777').optional(),
    end: z.boolean().optional(),
    sampling: z.strictObject({ rate: z.number().min(0).max(1), keepFailures: z.boolean().optional() }).optional(),
    cap: z.strictObject({ events: positiveInt, per: z.enum(['minute', 'hour', 'day', 'month']) }).optional(),
    queueSize: positiveInt.optional(),
    batchSize: positiveInt.optional(),
    timeoutMs: positiveInt.optional(),
  })
  .superRefine((o, ctx) => {
    const exclusive = (['fields', 'omit', 'serialize'] as const).filter((key) => o[key] !== undefined);
    if (exclusive.length > 1) {
      ctx.addIssue({ code: 'custom', path: [exclusive[1]!], message: `cannot be combined with '${exclusive[0]}': choose the fields with one of fields, omit or serialize` });
    }
  });

export type ParsedJsonlOptions = z.output<typeof optionsSchema>;

/** A target the sink can write to: a path, or something with a stream's `write` and `on`. */
const isStreamLike = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && typeof (v as { write?: unknown }).write === 'function' && typeof (v as { on?: unknown }).on === 'function';

/**
 * Checks the target and the options together (some options apply to a file only, `end` to a
 * stream only) and throws one ConfigError listing every problem.
 */
export function parseJsonlOptions(target: unknown, options: unknown): ParsedJsonlOptions {
  const issues: ConfigIssue[] = [];
  const isPath = typeof target === 'string' && target !== '';
  if (!isPath && !isStreamLike(target)) issues.push({ path: 'pathOrStream', message: 'must be a file path (non-empty string) or a Writable stream' });
  const result = optionsSchema.safeParse(options ?? {});
  if (!result.success) issues.push(...toConfigIssues(result.error, ['options']));
  else if (issues.length === 0) {
    const o = result.data;
    if (isPath && o.end !== undefined) issues.push({ path: 'options.end', message: 'applies to a stream only: the sink opens and closes its file itself' });
    if (!isPath) {
      for (const key of ['fsync', 'mode'] as const) {
        if (o[key] !== undefined) issues.push({ path: `options.${key}`, message: 'applies to a file path only: a stream is synced and created by its owner' });
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid jsonlSink options');
  return result.data!;
}
