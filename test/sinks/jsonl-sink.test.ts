// npm test: JSONL files in a temporary directory of its own; a fraction of a second.
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, GatewayClosedError, createGateway, type Sink, type SinkErrorEvent, type UsageEvent } from '../../src/index.js';
import { jsonlSink } from '../../src/sinks/jsonl.js';
import { ask } from '../helpers/mock-gateway.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-jsonl-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** A mock gateway with these sinks, recording its usage events and sink errors. */
function gatewayWith(sinks: Sink[], events: Record<string, number> = {}) {
  const gateway = createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }], sinks, events });
  const usage: UsageEvent[] = [];
  const errors: SinkErrorEvent[] = [];
  gateway.on('usage', (e) => usage.push(e));
  gateway.on('sink.error', (e) => errors.push(e));
  return { gateway, usage, errors };
}

const readLines = async (path: string) => (await readFile(path, 'utf8')).split('\n');
/** The file's records: every line but the empty one after the last newline, parsed. */
const readRecords = async (path: string) => {
  const lines = await readLines(path);
  expect(lines.at(-1)).toBe('');
  return lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
};
/** The events as they read back from JSON. */
const asJson = (events: UsageEvent[]) => JSON.parse(JSON.stringify(events)) as unknown[];

describe('jsonlSink to a file', () => {
  it('writes one JSON line per usage event, equal to the events the gateway published, in order', async () => {
    const path = join(dir, 'usage.jsonl');
    const { gateway, usage } = gatewayWith([jsonlSink(path)], { batchSize: 3 });
    for (let i = 0; i < 4; i++) await gateway.chat(ask('@mock/m', { metadata: { i: String(i) } }));
    await expect(gateway.chat(ask('@nowhere/m'))).rejects.toThrow(); // a rejected call has its line too
    await gateway.flush();
    const records = await readRecords(path);
    expect(records).toHaveLength(5);
    expect(records).toEqual(asJson(usage));
    expect(records.map((r) => r.status)).toEqual(['success', 'success', 'success', 'success', 'rejected']);
    expect(gateway.stats().sinks[0]).toMatchObject({ name: 'jsonl:usage.jsonl', delivered: 5, dropped: 0, errors: 0 });
    await gateway.close(); // closes the file (Node 26 throws on a file handle left to the garbage collector)
  });

  it('creates the file owner-only (0o600) by default, or with the given mode', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const { gateway } = gatewayWith([jsonlSink(a), jsonlSink(b, { mode: 0o640 })]);
    await gateway.chat(ask('@mock/m'));
    await gateway.close();
    expect((await stat(a)).mode & 0o777).toBe(0o600);
    // The umask may take bits away, never add them.
    expect((await stat(b)).mode & 0o777 & ~0o640).toBe(0);
    expect((await stat(b)).mode & 0o600).toBe(0o600);
  });

  it('does not create the file before the first event', async () => {
    const path = join(dir, 'lazy.jsonl');
    const { gateway } = gatewayWith([jsonlSink(path)]);
    await gateway.flush();
    await gateway.close();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('appends to an existing file and never truncates it, across gateways', async () => {
    const path = join(dir, 'usage.jsonl');
    await writeFile(path, '{"earlier":true}\n', { mode: 0o644 });
    const first = gatewayWith([jsonlSink(path)]);
    await first.gateway.chat(ask('@mock/m'));
    await first.gateway.close();
    const second = gatewayWith([jsonlSink(path)]);
    await second.gateway.chat(ask('@mock/m'));
    await second.gateway.close();
    const records = await readRecords(path);
    expect(records).toEqual([{ earlier: true }, ...asJson(first.usage), ...asJson(second.usage)]);
    // An existing file keeps its permissions.
    expect((await stat(path)).mode & 0o777).toBe(0o644);
  });

  it('two gateways appending to the same file at once produce only whole lines', async () => {
    const path = join(dir, 'shared.jsonl');
    // Long lines (~64 KiB each) in batches of 8: writes of half a megabyte, far above PIPE_BUF,
    // issued concurrently from the thread pool through two file handles.
    const pad = 'x'.repeat(64 * 1024);
    const a = gatewayWith([jsonlSink(path, { batchSize: 8 })]);
    const b = gatewayWith([jsonlSink(path, { batchSize: 8 })]);
    await Promise.all(
      [a, b].flatMap(({ gateway }, g) => Array.from({ length: 40 }, (_, i) => gateway.chat(ask('@mock/m', { metadata: { pad, who: `${g}-${i}` } })))),
    );
    await Promise.all([a.gateway.close(), b.gateway.close()]);
    const records = await readRecords(path); // every line parses: no line was cut by another
    expect(records).toHaveLength(80);
    const ids = (events: UsageEvent[]) => events.map((e) => e.requestId).sort();
    expect(records.map((r) => r.requestId as string).sort()).toEqual([...ids(a.usage), ...ids(b.usage)].sort());
    expect(records.every((r) => (r.metadata as Record<string, string>).pad === pad)).toBe(true);
  });

  it('gateway.close() leaves everything on disk; the closed sink refuses writes and never reopens the file', async () => {
    const path = join(dir, 'usage.jsonl');
    const sink = jsonlSink(path);
    const { gateway, usage } = gatewayWith([sink], { batchSize: 1000 });
    await Promise.all(Array.from({ length: 25 }, () => gateway.chat(ask('@mock/m'))));
    await gateway.close();
    expect(await readRecords(path)).toEqual(asJson(usage));
    await expect(gateway.chat(ask('@mock/m'))).rejects.toBeInstanceOf(GatewayClosedError);

    await rm(path);
    await expect(sink.write!([usage[0]!], { signal: new AbortController().signal })).rejects.toThrow(/closed/);
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("syncs the file to disk on flush by default, after every batch with fsync: 'batch'", async () => {
    // Durability cannot be observed without pulling the plug: observe the datasync calls instead.
    const probe = await open(join(dir, 'probe'), 'w');
    const datasync = vi.spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, 'datasync');
    await probe.close();

    const onFlush = gatewayWith([jsonlSink(join(dir, 'flush.jsonl'))], { batchSize: 1 });
    for (let i = 0; i < 3; i++) await onFlush.gateway.chat(ask('@mock/m'));
    await vi.waitFor(() => expect(onFlush.gateway.stats().sinks[0]!.delivered).toBe(3));
    expect(datasync).not.toHaveBeenCalled();
    await onFlush.gateway.flush();
    expect(datasync).toHaveBeenCalledTimes(1);
    await onFlush.gateway.close(); // nothing written since the flush: no second sync
    expect(datasync).toHaveBeenCalledTimes(1);

    datasync.mockClear();
    const perBatch = gatewayWith([jsonlSink(join(dir, 'batch.jsonl'), { fsync: 'batch' })], { batchSize: 1 });
    for (let i = 0; i < 3; i++) await perBatch.gateway.chat(ask('@mock/m'));
    await perBatch.gateway.close();
    expect(datasync).toHaveBeenCalledTimes(3);
  });

  it('a missing directory is reported as sink.error, the request succeeds, and the sink opens the file once the directory exists', async () => {
    const path = join(dir, 'not-yet', 'usage.jsonl');
    const { gateway, usage, errors } = gatewayWith([jsonlSink(path)]);
    const res = await gateway.chat(ask('@mock/m'));
    expect(res.choices[0]!.message.content).toContain('Mock reply');
    await gateway.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ sink: 'jsonl:usage.jsonl', reason: 'error', dropped: 1 });
    expect(errors[0]!.error.message).toContain(`directory ${join(dir, 'not-yet')} does not exist`);
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 0, dropped: 1, errors: 1 });

    await mkdir(join(dir, 'not-yet'));
    await gateway.chat(ask('@mock/m'));
    await gateway.close();
    expect(await readRecords(path)).toEqual(asJson(usage.slice(1)));
  });

  it('fields keeps only the listed fields (and schemaVersion); omit leaves fields out', async () => {
    const kept = join(dir, 'kept.jsonl');
    const trimmed = join(dir, 'trimmed.jsonl');
    const { gateway, usage } = gatewayWith([
      jsonlSink(kept, { fields: ['requestId', 'workspace', 'cost', 'status'] }),
      jsonlSink(trimmed, { omit: ['rawUsage', 'limits', 'metadata'] }),
    ]);
    await gateway.chat(ask('@mock/m', { metadata: { model: 'a label named like a field' } }));
    await gateway.close();
    const e = usage[0]!;
    expect(await readRecords(kept)).toEqual([{ schemaVersion: 2, requestId: e.requestId, workspace: 'team-a', cost: e.cost, status: 'success' }]);
    const [line] = await readRecords(trimmed);
    const { rawUsage: _r, limits: _l, metadata: _m, ...rest } = asJson([e])[0] as Record<string, unknown>;
    expect(line).toEqual(rest);
  });

  it('serialize writes custom lines; a line with a line break refuses its whole batch, reported and counted', async () => {
    const path = join(dir, 'custom.jsonl');
    const serialize = (e: UsageEvent) => (e.metadata.bad ? `${e.requestId}\n${e.model}` : `${e.requestId} ${e.status}`);
    const { gateway, usage, errors } = gatewayWith([jsonlSink(path, { serialize, batchSize: 2 })]);
    await gateway.chat(ask('@mock/m'));
    await gateway.flush();
    await Promise.all([gateway.chat(ask('@mock/m')), gateway.chat(ask('@mock/m', { metadata: { bad: 'yes' } }))]);
    await gateway.close();
    expect(await readLines(path)).toEqual([`${usage[0]!.requestId} success`, '']);
    expect(errors).toMatchObject([{ reason: 'error', dropped: 2, error: { message: expect.stringContaining('serialize must return a single line') } }]);
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 1, dropped: 2 });
  });
});

/** A Writable that takes `delay` turns of the event loop per chunk, with a one-byte buffer. */
function slowStream(onChunk: (text: string) => void, delay: (done: () => void) => void = (done) => setImmediate(done)) {
  return new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      onChunk(chunk.toString('utf8'));
      delay(() => callback());
    },
  });
}

describe('jsonlSink to a stream', () => {
  it('respects backpressure and delivers every event in order; close leaves a stream it does not own open', async () => {
    const chunks: string[] = [];
    let writesBeforeDrain = 0;
    const stream = slowStream((text) => chunks.push(text));
    // More than one write pending would mean the sink ignored a `false` from write().
    stream.on('drain', () => (writesBeforeDrain = 0));
    const write = stream.write.bind(stream);
    stream.write = ((...args: Parameters<typeof write>) => {
      writesBeforeDrain++;
      expect(writesBeforeDrain).toBe(1);
      return write(...args);
    }) as typeof stream.write;

    const { gateway, usage } = gatewayWith([jsonlSink(stream, { batchSize: 3 })]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => gateway.chat(ask('@mock/m', { metadata: { i: String(i) } }))));
    await gateway.close();
    const text = chunks.join('');
    expect(text.split('\n').slice(0, -1).map((l) => JSON.parse(l))).toEqual(asJson(usage));
    // One write per batch (at most batchSize lines), always of whole lines.
    expect(chunks.every((c) => c.endsWith('\n') && c.split('\n').length - 1 <= 3)).toBe(true);
    expect(stream.writableEnded).toBe(false);
    expect(gateway.stats().sinks[0]).toMatchObject({ name: 'jsonl', delivered: 20, dropped: 0 });
  });

  it('flush waits until the data is handed on (the write callback); end: true ends the stream on close', async () => {
    const written: string[] = [];
    let release!: () => void;
    const stream = slowStream(
      (text) => written.push(text),
      (done) => (release = done),
    );
    const { gateway } = gatewayWith([jsonlSink(stream, { end: true })]);
    await gateway.chat(ask('@mock/m'));
    let flushed = false;
    const flushing = gateway.flush().then(() => (flushed = true));
    await vi.waitFor(() => expect(written).toHaveLength(1));
    expect(flushed).toBe(false);
    release();
    await flushing;
    expect(flushed).toBe(true);
    const closing = gateway.close();
    await closing;
    expect(stream.writableFinished).toBe(true);
  });

  it('a stream that never drains: batches time out, are dropped and counted; requests are unaffected', async () => {
    const stream = new Writable({ highWaterMark: 1, write() {} }); // never calls back
    const sink = jsonlSink(stream, { batchSize: 1, timeoutMs: 20 });
    const { gateway, errors } = gatewayWith([sink]);
    const results = await Promise.all([gateway.chat(ask('@mock/m')), gateway.chat(ask('@mock/m')), gateway.chat(ask('@mock/m'))]);
    expect(results.every((r) => r.choices[0]!.message.content!.includes('Mock reply'))).toBe(true);
    await gateway.flush(); // bounded: the gateway gives up on the sink's flush after timeoutMs
    // The first batch was handed to the stream; the others waited for a drain that never came.
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 1, dropped: 2, queued: 0 });
    // Two batches and the flush, each abandoned after 20 ms.
    expect(errors.map((e) => [e.reason, e.dropped])).toEqual([
      ['timeout', 1],
      ['timeout', 1],
      ['timeout', 0],
    ]);
    // Called directly, without the gateway's bound, the sink's flush has its own.
    await expect(sink.flush!({ signal: new AbortController().signal })).rejects.toThrow('did not answer within 20 ms');
  });

  it('a stream that fails is reported as sink.error instead of crashing the process', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('EPIPE: the reader went away'));
      },
    });
    const { gateway, errors } = gatewayWith([jsonlSink(stream, { batchSize: 1 })]);
    await gateway.chat(ask('@mock/m'));
    await gateway.flush();
    await gateway.chat(ask('@mock/m'));
    await gateway.close();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.error.message.includes('EPIPE'))).toBe(true);
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 1, dropped: 1 });
  });
});

describe('jsonlSink options', () => {
  const issuesOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
      return (error as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  };

  it('rejects invalid options with errors naming each field', () => {
    expect(issuesOf(() => jsonlSink('x.jsonl', { fields: ['requestId', 'modle' as 'model'] }))).toEqual([
      { path: 'options.fields[1]', message: "unknown usage event field 'modle'" },
    ]);
    expect(issuesOf(() => jsonlSink('x.jsonl', { fields: ['cost'], omit: ['rawUsage'] }))).toEqual([
      { path: 'options.omit', message: expect.stringContaining("cannot be combined with 'fields'") },
    ]);
    expect(issuesOf(() => jsonlSink('x.jsonl', { omit: ['rawUsage'], serialize: JSON.stringify }))).toEqual([
      { path: 'options.serialize', message: expect.stringContaining("cannot be combined with 'omit'") },
    ]);
    expect(issuesOf(() => jsonlSink('x.jsonl', { fsync: 'always' as 'batch', mode: 0o1777, end: true }))).toEqual([
      { path: 'options.fsync', message: expect.any(String) },
      { path: 'options.mode', message: expect.stringContaining('0o777') },
    ]);
    expect(issuesOf(() => jsonlSink('x.jsonl', { end: true }))).toEqual([{ path: 'options.end', message: expect.stringContaining('stream only') }]);
    expect(issuesOf(() => jsonlSink(process.stdout, { fsync: 'batch', mode: 0o600 }))).toEqual([
      { path: 'options.fsync', message: expect.stringContaining('file path only') },
      { path: 'options.mode', message: expect.stringContaining('file path only') },
    ]);
    expect(issuesOf(() => jsonlSink('', {}))).toEqual([{ path: 'pathOrStream', message: expect.stringContaining('file path') }]);
    expect(issuesOf(() => jsonlSink({} as never, { serialize: 'json' as never, timeoutMs: -1, batchSize: 0, typo: 1 } as never))).toEqual([
      { path: 'pathOrStream', message: expect.any(String) },
      { path: 'options.serialize', message: 'must be a function (event) => string' },
      { path: 'options.batchSize', message: expect.any(String) },
      { path: 'options.timeoutMs', message: expect.any(String) },
      { path: 'options', message: expect.stringContaining('typo') },
    ]);
  });

  it('passes the delivery options through to the gateway', async () => {
    const path = join(dir, 'sampled.jsonl');
    const sink = jsonlSink(path, { name: 'audit', sampling: { rate: 0 }, cap: { events: 5, per: 'day' }, queueSize: 7, batchSize: 2, timeoutMs: 900 });
    expect(sink).toMatchObject({ name: 'audit', sampling: { rate: 0 }, cap: { events: 5, per: 'day' }, queueSize: 7, batchSize: 2, timeoutMs: 900 });
    const { gateway } = gatewayWith([sink]);
    await gateway.chat(ask('@mock/m'));
    await gateway.close();
    expect(gateway.stats().sinks[0]).toMatchObject({ name: 'audit', sampledOut: 1, delivered: 0 });
  });
});
