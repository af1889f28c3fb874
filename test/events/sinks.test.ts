// npm test: sinks on the mock provider, in process; milliseconds.
import { describe, expect, it } from 'vitest';
import { GatewayClosedError, createGateway, type Sink, type SinkErrorEvent, type UsageEvent } from '../../src/index.js';
import { ask } from '../helpers/mock-gateway.js';

const gatewayWith = (sinks: Sink[], events: Record<string, number> = {}) => {
  const gateway = createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }], sinks, events });
  const errors: SinkErrorEvent[] = [];
  gateway.on('sink.error', (e) => errors.push(e));
  return { gateway, errors };
};

const never = () => new Promise<void>(() => {});

describe('sinks', () => {
  it('function and object sinks receive every event, asynchronously, in order; flush waits for delivery', async () => {
    const fn: UsageEvent[] = [];
    const batches: number[] = [];
    const obj: UsageEvent[] = [];
    let flushed = 0;
    const { gateway } = gatewayWith(
      [
        (e) => {
          fn.push(e);
        },
        {
          name: 'warehouse',
          write: async (events) => {
            batches.push(events.length);
            obj.push(...events);
          },
          flush: () => {
            flushed++;
          },
        },
      ],
      { batchSize: 2 },
    );
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await gateway.chat(ask('@mock/m'))).gateway.requestId);
    await gateway.flush();
    expect(fn.map((e) => e.requestId)).toEqual(ids);
    expect(obj.map((e) => e.requestId)).toEqual(ids);
    expect(batches.every((n) => n <= 2)).toBe(true);
    expect(flushed).toBe(1);
    expect(gateway.stats()).toMatchObject({
      events: 5,
      sinks: [
        { name: 'sink-0', queued: 0, delivered: 5, dropped: 0, errors: 0 },
        { name: 'warehouse', queued: 0, delivered: 5, dropped: 0, errors: 0 },
      ],
    });
  });

  it('a sink is never called on the request path', async () => {
    let calls = 0;
    const { gateway } = gatewayWith([() => void calls++]);
    await gateway.chat(ask('@mock/m'));
    expect(calls).toBe(0);
    await gateway.flush();
    expect(calls).toBe(1);
  });

  it('a throwing sink (sync or async) fails no request; its events are counted as dropped and reported', async () => {
    const { gateway, errors } = gatewayWith([
      () => {
        throw new Error('sync boom');
      },
      { name: 'async', write: async () => Promise.reject(new Error('async boom')) },
    ]);
    await expect(gateway.chat(ask('@mock/m'))).resolves.toBeDefined();
    await expect(gateway.chat(ask('@mock/m'))).resolves.toBeDefined();
    await gateway.flush();
    expect(gateway.stats().sinks).toEqual([
      { name: 'sink-0', queued: 0, delivered: 0, notified: 0, dropped: 2, sampledOut: 0, capped: 0, errors: 2 },
      { name: 'async', queued: 0, delivered: 0, notified: 0, dropped: 2, sampledOut: 0, capped: 0, errors: expect.any(Number) },
    ]);
    expect(errors.filter((e) => e.sink === 'sink-0')).toMatchObject([
      { reason: 'error', dropped: 1, error: { message: 'sync boom' } },
      { reason: 'error', dropped: 1 },
    ]);
    expect(errors.some((e) => e.sink === 'async' && e.error.message === 'async boom')).toBe(true);
  });

  it('a hung sink is abandoned after sinkTimeoutMs; requests never wait for it', async () => {
    const { gateway, errors } = gatewayWith([{ name: 'hung', write: never }], { sinkTimeoutMs: 20 });
    for (let i = 0; i < 3; i++) await gateway.chat(ask('@mock/m'));
    // Requests completed while the sink was stuck: each call resolved before any write settled.
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 0 });
    await gateway.flush();
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 0, dropped: 3, queued: 0 });
    expect(errors[0]).toMatchObject({ sink: 'hung', reason: 'timeout' });
  });

  it('a slow sink overflows its bounded queue: extra events are dropped and counted, once reported', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: UsageEvent[] = [];
    const { gateway, errors } = gatewayWith(
      [
        {
          name: 'slow',
          write: async (events) => {
            await gate;
            got.push(...events);
          },
        },
      ],
      { queueSize: 3, batchSize: 1 },
    );
    const calls = await Promise.all(Array.from({ length: 10 }, () => gateway.chat(ask('@mock/m'))));
    expect(calls).toHaveLength(10);
    release();
    await gateway.flush();
    const stats = gateway.stats().sinks[0]!;
    expect(stats.delivered + stats.dropped).toBe(10);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(got).toHaveLength(stats.delivered);
    expect(errors.filter((e) => e.reason === 'overflow')).toHaveLength(1);
  });

  it('close() delivers what is queued, closes the sinks, and refuses new calls', async () => {
    const got: UsageEvent[] = [];
    let closed = 0;
    const { gateway } = gatewayWith([{ write: (e) => void got.push(...e), close: () => void closed++ }]);
    await gateway.chat(ask('@mock/m'));
    await gateway.close();
    expect(got).toHaveLength(1);
    expect(closed).toBe(1);
    await expect(gateway.chat(ask('@mock/m'))).rejects.toBeInstanceOf(GatewayClosedError);
    await gateway.close();
    expect(closed).toBe(1);
    // The refused call's event is not written to a closed sink, and is counted.
    expect(got).toHaveLength(1);
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 1, dropped: 1 });
  });

  it('rejects a sink that is neither a function nor has write()', () => {
    expect(() => createGateway({ integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all' }], sinks: [{} as never] })).toThrow(
      /sinks\[0\]/,
    );
  });
});
