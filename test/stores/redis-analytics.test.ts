// npm test: a redis-server of its own on a free port, an injected clock; a few round trips.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type AnalyticsCell, type Store, type StoreDegradedEvent, type UsageEvent } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { hashTag, useTestRedis } from '../helpers/redis-server.js';

const redis = useTestRedis({ beforeAll, afterAll });

const T0 = Date.parse('2026-06-01T09:59:30.000Z');
const RETENTION = { minute: 86_400_000, hour: 31 * 86_400_000, day: 400 * 86_400_000 };

function gatewayOn(store: Store, clock: () => number) {
  const gateway = createGateway({
    integrations: [
      { slug: 'llm', provider: 'mock', workspaces: 'all', pricing: { 'gpt-x': { input: 2, output: 8 } }, mock: { usage: { inputTokens: 100, outputTokens: 25 } } },
      { slug: 'down', provider: 'mock', workspaces: 'all', mock: { failures: [{ status: 503, times: 1_000 }] } },
    ],
    retry: { retries: 0 },
    store,
    clock,
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  return { gateway, events };
}

const cell = (start: number, workspace: string, requests: number): AnalyticsCell => ({
  start,
  dims: { workspace, integration: 'llm', provider: 'mock', model: 'gpt-x', key: null, user: null, errorCode: null },
  counts: { requests, errors: 0, rejected: 0, aborted: 0, unsettled: 0, unsettledCostMicros: 0, inputTokens: 10 * requests, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costMicros: 7 * requests },
  latency: { 40: requests },
  ttft: {},
});

describe.skipIf(!redis.available)('analytics in the redis store', () => {
  it('two gateways (two processes) sharing one Redis see each other’s calls; totals match the events exactly', async () => {
    const prefix = `an-${randomUUID()}`;
    let now = T0;
    const a = gatewayOn(redisStore({ client: redis.newClient(), prefix }), () => now);
    const b = gatewayOn(redisStore({ client: redis.newClient(), prefix }), () => now);
    for (let i = 0; i < 12; i++) {
      const g = i % 2 === 0 ? a : b;
      await g.gateway.chat({ workspace: i % 3 === 0 ? 'research' : 'support', model: '@llm/gpt-x', messages: [{ role: 'user', content: 'hi' }], user: `u-${i % 4}` });
      if (i % 5 === 0) await g.gateway.chat({ workspace: 'support', model: '@down/gpt-x', messages: [{ role: 'user', content: 'hi' }] }).catch(() => {});
      now += 20_000;
    }
    await a.gateway.flush();
    await b.gateway.flush();
    const events = [...a.events, ...b.events];

    for (const gateway of [a.gateway, b.gateway]) {
      const result = await gateway.analytics.query({ from: T0, groupBy: ['workspace', 'integration'] });
      const groups = new Map<string, UsageEvent[]>();
      for (const e of events) groups.set(`${e.workspace}/${e.integration}`, [...(groups.get(`${e.workspace}/${e.integration}`) ?? []), e]);
      expect(result.rows).toHaveLength(groups.size);
      for (const row of result.rows) {
        const group = groups.get(`${row.workspace}/${row.integration}`)!;
        expect(row).toMatchObject({
          requests: group.length,
          errors: group.filter((e) => e.status === 'error').length,
          inputTokens: group.reduce((n, e) => n + e.usage.inputTokens, 0),
          outputTokens: group.reduce((n, e) => n + e.usage.outputTokens, 0),
          costMicros: group.reduce((n, e) => n + (e.costMicros ?? 0), 0),
        });
        expect(row.latencyMs).not.toBeNull();
      }
    }
    // By minute and by hour: the calls cross 10:00.
    const hours = await a.gateway.analytics.query({ from: T0, interval: 'hour' });
    expect(hours.rows.map((r) => [r.start, r.requests])).toEqual([
      ['2026-06-01T09:00:00.000Z', events.filter((e) => e.startedAt < '2026-06-01T10:00').length],
      ['2026-06-01T10:00:00.000Z', events.filter((e) => e.startedAt >= '2026-06-01T10:00').length],
    ]);
    const minutes = await a.gateway.analytics.query({ from: T0, interval: 'minute', groupBy: ['user'], filter: { integration: 'llm' } });
    expect(minutes.rows.reduce((n, r) => n + r.requests, 0)).toBe(12);
  });

  it('a batch sent again (after a timeout that did apply) is counted once', async () => {
    const store = redisStore({ client: redis.client, prefix: `once-${randomUUID()}` });
    const write = { now: T0, retention: RETENTION, batchId: randomUUID() };
    await store.recordAnalytics!([cell(T0, 'w', 3)], write);
    await store.recordAnalytics!([cell(T0, 'w', 3)], write);
    await store.recordAnalytics!([cell(T0, 'w', 2)], { ...write, batchId: randomUUID() });
    const read = await store.readAnalytics!({ granularity: 'minute', from: T0 - 30_000, to: T0 + 30_000, now: T0, retention: RETENTION });
    expect(read).toHaveLength(1);
    expect(read[0]!.counts).toMatchObject({ requests: 5, inputTokens: 50, costMicros: 35 });
    expect(read[0]!.latency).toEqual({ 40: 5 });
  });

  it('keys expire with their retention, all in one hash slot', async () => {
    const prefix = `ttl-${randomUUID()}`;
    const store = redisStore({ client: redis.client, prefix });
    const now = Date.now();
    await store.recordAnalytics!([cell(now, 'w', 1)], { now, retention: RETENTION, batchId: 'b1' });
    const keys = await redis.client.keys(`{${prefix}}:a:*`);
    // minute, hour and day buckets, the dimensions, the batch marker.
    expect(keys).toHaveLength(5);
    const minuteKey = keys.find((k) => k.includes(':a:m:'))!;
    const minuteEnd = Math.floor(now / 60_000) * 60_000 + 60_000;
    const ttl = await redis.client.pttl(minuteKey);
    expect(ttl).toBeGreaterThan(minuteEnd + RETENTION.minute - now - 5_000);
    expect(ttl).toBeLessThanOrEqual(minuteEnd + RETENTION.minute - now);
    for (const key of keys) expect(await redis.client.pttl(key)).toBeGreaterThan(0);
    // One hash tag, so one slot: a batch's script touches a single Cluster node.
    expect(new Set(keys.map(hashTag))).toEqual(new Set([prefix]));
  });

  it('a store that fails: a batch waits and is sent again, counted once', async () => {
    const real = redisStore({ client: redis.client, prefix: `fail-${randomUUID()}` });
    let failing = true;
    let attempts = 0;
    const flaky: Store = {
      name: 'flaky-redis',
      admit: (i) => real.admit(i),
      settle: (i) => real.settle(i),
      read: (k, n) => real.read(k, n),
      registerBudgets: (o, n) => real.registerBudgets(o, n),
      recordAnalytics: async (cells, options) => {
        attempts++;
        // Applies, then fails to answer: the worst case for counting.
        await real.recordAnalytics!(cells, options);
        if (failing) throw new Error('connection lost');
      },
      readAnalytics: (r) => real.readAnalytics!(r),
    };
    const { gateway } = gatewayOn(flaky, () => T0);
    const degraded: StoreDegradedEvent[] = [];
    gateway.on('store.degraded', (e) => degraded.push(e));
    for (let i = 0; i < 3; i++) await gateway.chat({ workspace: 'w', model: '@llm/gpt-x', messages: [{ role: 'user', content: 'hi' }] });
    await gateway.flush();
    expect(degraded).toMatchObject([{ operation: 'analytics', decision: 'deferred', store: 'flaky-redis' }]);
    expect(gateway.stats().analytics).toEqual({ recorded: 0, pending: 3, dropped: 0 });
    failing = false;
    // The query flushes first: the batch goes again, and applies once.
    const result = await gateway.analytics.query({ from: T0 - 60_000 });
    expect(attempts).toBe(2);
    expect(result.rows[0]!.requests).toBe(3);
    expect(gateway.stats().analytics).toEqual({ recorded: 3, pending: 0, dropped: 0 });
  });

  it('a store that stays down: beyond maxPendingCells the oldest batch is dropped, announced and counted', async () => {
    const real = redisStore({ client: redis.client, prefix: `down-${randomUUID()}` });
    let now = T0;
    const gateway = createGateway({
      integrations: [{ slug: 'llm', provider: 'mock', workspaces: 'all' }],
      store: { ...bind(real), recordAnalytics: () => Promise.reject(new Error('READONLY You can\'t write against a read only replica.')) },
      analytics: { maxPendingCells: 1 },
      clock: () => now,
    });
    const degraded: StoreDegradedEvent[] = [];
    gateway.on('store.degraded', (e) => degraded.push(e));
    // Two minutes: two cells, one more than may wait.
    await gateway.chat({ workspace: 'w', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
    now += 60_000;
    await gateway.chat({ workspace: 'w', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
    await gateway.flush();
    // The second cell reached the bound, so the first batch was sent at once, and failed; the
    // second batch failed too: two cells wait, one more than may, and the oldest is dropped.
    expect(degraded.map((e) => [e.operation, e.decision])).toEqual([
      ['analytics', 'deferred'],
      ['analytics', 'deferred'],
      ['analytics', 'lost'],
    ]);
    expect(gateway.stats().analytics).toEqual({ recorded: 0, pending: 1, dropped: 1 });
  });
});

/** The store's methods, bound, to build a variant of it. */
function bind(store: Store): Store {
  return {
    name: store.name,
    admit: (i) => store.admit(i),
    settle: (i) => store.settle(i),
    read: (k, n) => store.read(k, n),
    registerBudgets: (o, n) => store.registerBudgets(o, n),
    recordAnalytics: (c, o) => store.recordAnalytics!(c, o),
    readAnalytics: (r) => store.readAnalytics!(r),
  };
}
