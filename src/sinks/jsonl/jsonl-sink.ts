import { basename, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { SinkObject } from '../../events/sink.js';
import { FileAppender } from './file-appender.js';
import { parseJsonlOptions, type JsonlSinkOptions } from './jsonl-options.js';
import type { LineWriter } from './line-writer.js';
import { lineSerializer, toLines } from './serialize-lines.js';
import { StreamAppender } from './stream-appender.js';

/** The gateway's default `events.sinkTimeoutMs`: what a stream's flush waits at most unless `timeoutMs` says otherwise. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A sink that writes each usage event as one JSON line, to a file (appended, never truncated)
 * or to a stream. Each batch is one write of whole lines.
 *
 * With a path, the file is opened on the first batch in append mode, created with `mode`
 * (default `0o600`); its directory must exist. `gateway.flush()` and `gateway.close()` sync it
 * to disk (`fsync: 'batch'` syncs every batch too); `close()` closes it for good.
 *
 * With a stream, the sink respects its backpressure, `flush()` waits until the data is handed to
 * the OS, and `close()` ends the stream only with `end: true`.
 *
 * @throws ConfigError when the target or an option is invalid (every problem, with its path)
 * @example
 * const gateway = createGateway({ integrations, sinks: [jsonlSink('./usage.jsonl')] });
 * @example
 * jsonlSink(process.stdout, { omit: ['rawUsage', 'limits'] })
 */
export function jsonlSink(pathOrStream: string | Writable, options: JsonlSinkOptions = {}): SinkObject {
  const o = parseJsonlOptions(pathOrStream, options);
  const serialize = lineSerializer(o);
  let writer: LineWriter;
  let name: string;
  if (typeof pathOrStream === 'string') {
    // Resolved now: a later process.chdir() must not move the file.
    const path = resolve(pathOrStream);
    writer = new FileAppender(path, { syncEachWrite: o.fsync === 'batch', mode: o.mode ?? 0o600 });
    name = `jsonl:${basename(path)}`;
  } else {
    writer = new StreamAppender(pathOrStream, { end: o.end ?? false, timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    name = 'jsonl';
  }
  const sink: SinkObject = {
    name: o.name ?? name,
    // Serialized before anything is written: a batch with a bad line is refused whole.
    write: (events, { signal }) => writer.write(toLines(events, serialize), signal),
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
  if (o.sampling) sink.sampling = o.sampling;
  if (o.cap) sink.cap = o.cap;
  if (o.queueSize !== undefined) sink.queueSize = o.queueSize;
  if (o.batchSize !== undefined) sink.batchSize = o.batchSize;
  if (o.timeoutMs !== undefined) sink.timeoutMs = o.timeoutMs;
  return sink;
}
