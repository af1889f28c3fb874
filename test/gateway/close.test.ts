// npm test: close() and its timeout on the mock provider, in process; milliseconds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayClosedError, RequestAbortedError, createGateway, type SinkErrorEvent } from '../../src/index.js';
import { jsonlSink } from '../../src/sinks/jsonl.js';
import { ask } from '../helpers/mock-gateway.js';
import { until } from '../helpers/until.js';

/** `close()` on a SIGTERM: every call charged has its usage event delivered, or counted as dropped and said. */

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-close-')), 'usage.jsonl');
const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);

function setup(latencyMs: number) {
  const file = tmpFile();
  const errors: SinkErrorEvent[] = [];
  const gateway = createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all', mock: { latencyMs }, customModels: [{ id: 'm', pricing: { input: 1, output: 1 } }], budgets: [{ type: 'tokens', limit: 1_000_000 }] }],
    sinks: [jsonlSink(file)],
  });
  gateway.on('sink.error', (e) => errors.push(e));
  return { gateway, file, errors };
}

describe('gateway.close()', () => {
  it('waits for the calls in flight: 20 running calls, 20 lines in the JSONL file, nothing dropped', async () => {
    const { gateway, file } = setup(20);
    const calls = Array.from({ length: 20 }, () => gateway.chat(ask('@mock/m')));
    await gateway.close();
    expect(lines(file)).toHaveLength(20);
    expect(lines(file).map((l) => JSON.parse(l).status)).toEqual(Array(20).fill('success'));
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 20, dropped: 0 });
    // Every call completed for its caller too.
    expect((await Promise.all(calls)).every((r) => r.object === 'chat.completion')).toBe(true);
  });

  it('refuses calls made after it started', async () => {
    const { gateway } = setup(20);
    const inFlight = gateway.chat(ask('@mock/m'));
    const closing = gateway.close();
    await expect(gateway.chat(ask('@mock/m'))).rejects.toBeInstanceOf(GatewayClosedError);
    await closing;
    await expect(inFlight).resolves.toMatchObject({ object: 'chat.completion' });
  });

  it('waits for a stream in flight until it is read to its end', async () => {
    const { gateway, file } = setup(0);
    const stream = await gateway.chat(ask('@mock/m', { stream: true }));
    let closed = false;
    const closing = gateway.close().then(() => (closed = true));
    for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    for await (const _ of stream) void _;
    await closing;
    expect(lines(file).map((l) => JSON.parse(l).stream)).toEqual([true]);
  });

  it('past its timeout, a call that ends later is settled but its event is counted as dropped, with a sink.error', async () => {
    const { gateway, file, errors } = setup(600_000);
    const controller = new AbortController();
    const hung = gateway.chat(ask('@mock/m'), { signal: controller.signal });
    await gateway.close({ timeoutMs: 0 });
    controller.abort();
    await expect(hung).rejects.toBeInstanceOf(RequestAbortedError);
    await until(() => errors.length > 0);
    expect(errors).toMatchObject([{ reason: 'closed', dropped: 1 }]);
    expect(gateway.stats().sinks[0]).toMatchObject({ dropped: 1, delivered: 0 });
    expect(fs.existsSync(file) ? lines(file) : []).toEqual([]);
  });

  it('a second close waits for the first; a bad timeout is a TypeError', async () => {
    const { gateway, file } = setup(20);
    void gateway.chat(ask('@mock/m'));
    const first = gateway.close();
    expect(gateway.close()).toBe(first);
    await first;
    expect(lines(file)).toHaveLength(1);
    await expect(setup(0).gateway.close({ timeoutMs: -1 })).rejects.toThrow(TypeError);
    await expect(setup(0).gateway.close({ timeoutMs: Number.NaN })).rejects.toThrow(/timeoutMs/);
  });
});
