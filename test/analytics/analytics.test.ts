// npm test: the memory store on an injected clock; milliseconds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AnalyticsUnavailableError,
  RequestValidationError,
  createGateway,
  memoryStore,
  type AnalyticsRow,
  type GatewayConfig,
  type Store,
  type UsageEvent,
} from '../../src/index.js';
import { gatewayWithEvents } from '../helpers/mock-gateway.js';
import { AnalyticsTable } from '../../src/analytics/analytics-table.js';
import type { AnalyticsSlot } from '../../src/events/analytics-slot.js';

const T0 = Date.parse('2026-06-01T09:58:00.000Z');

/**
 * A memory store that notes the size of each analytics write, without its in-process path
 * (`addAnalyticsCall`): as a store across the network, which the gateway writes in batches.
 */
function recordingStore() {
  const store = Object.assign(memoryStore(), { addAnalyticsCall: undefined }) as Store & { recordAnalytics: NonNullable<Store['recordAnalytics']> };
  const writes: number[] = [];
  const record = store.recordAnalytics.bind(store);
  store.recordAnalytics = (cells, options) => {
    writes.push(cells.length);
    return record(cells, options);
  };
  return { store, writes };
}

function setup(extra: Partial<GatewayConfig> = {}) {
  let now = T0;
  const { gateway, events } = gatewayWithEvents({
    integrations: [
      {
        slug: 'llm',
        provider: 'mock',
        pricing: { 'gpt-x': { input: 2, output: 8, cachedInput: 0.5 }, 'gpt-y': { input: 0.15, output: 0.6 } },
        workspaces: 'all',
        mock: { usage: { inputTokens: 120, outputTokens: 30, cacheReadTokens: 20 } },
      },
      {
        slug: 'flaky',
        provider: 'mock',
        pricing: { 'gpt-x': { input: 2, output: 8 } },
        workspaces: 'all',
        mock: { failures: [{ status: 503, times: 1_000_000 }] },
      },
    ],
    keys: [{ id: 'app-1', workspace: 'research', integration: 'llm', rateLimits: [{ type: 'requests', limit: 3, per: 'hour' }] }],
    retry: { retries: 0 },
    clock: () => now,
    ...extra,
  });
  return { gateway, events, advance: (ms: number) => (now += ms), now: () => now };
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user' as const, content: 'Hello there' }], ...extra });

/** Sums of the events the way a row reports them. */
function totals(events: readonly UsageEvent[]) {
  return {
    requests: events.length,
    errors: events.filter((e) => e.status === 'error').length,
    rejected: events.filter((e) => e.status === 'rejected').length,
    aborted: events.filter((e) => e.status === 'aborted').length,
    inputTokens: events.reduce((n, e) => n + e.usage.inputTokens, 0),
    outputTokens: events.reduce((n, e) => n + e.usage.outputTokens, 0),
    cacheReadTokens: events.reduce((n, e) => n + e.usage.cacheReadTokens, 0),
    costMicros: events.reduce((n, e) => n + (e.costMicros ?? 0), 0),
  };
}

/** A varied workload: workspaces, models, a key, users, successes, provider failures, refusals, streams. */
async function workload(gateway: ReturnType<typeof setup>['gateway'], advance: (ms: number) => void) {
  for (let i = 0; i < 40; i++) {
    const workspace = ['research', 'support', 'sales'][i % 3]!;
    const model = i % 4 === 0 ? '@llm/gpt-y' : '@llm/gpt-x';
    await gateway.chat(chat(model, { workspace, user: `u-${i % 5}` }));
    if (i % 7 === 0) await gateway.chat(chat('@flaky/gpt-x', { workspace })).catch(() => {});
    if (i % 9 === 0) {
      const stream = (await gateway.chat(chat(model, { workspace, stream: true, metadata: { user: 'streamer' } }))) as unknown as AsyncIterable<unknown>;
      for await (const chunk of stream) void chunk;
    }
    if (i % 10 === 0) for (let k = 0; k < 2; k++) await gateway.chat(chat('gpt-x', { key: 'app-1' })).catch(() => {});
    advance(37_000);
  }
}

const pick = (row: AnalyticsRow) => ({
  requests: row.requests,
  errors: row.errors,
  rejected: row.rejected,
  aborted: row.aborted,
  inputTokens: row.inputTokens,
  outputTokens: row.outputTokens,
  cacheReadTokens: row.cacheReadTokens,
  costMicros: row.costMicros,
});

describe('gateway.analytics.query (memory store)', () => {
  it('totals match the sum of the usage events exactly, in every grouping', async () => {
    const { gateway, events, advance } = setup();
    await workload(gateway, advance);
    expect(events.some((e) => e.status === 'error')).toBe(true);
    expect(events.some((e) => e.status === 'rejected')).toBe(true);
    // Failures by their error code: the provider's and the limits' codes, and null for successes.
    const codes = (await gateway.analytics.query({ from: T0, groupBy: ['errorCode'] })).rows.map((r) => r.errorCode).sort();
    expect(codes).toEqual([...new Set(events.map((e) => e.errorCode))].sort());
    expect(codes.length).toBeGreaterThanOrEqual(3);

    const all = await gateway.analytics.query({ from: T0 });
    expect(all.rows).toHaveLength(1);
    expect(pick(all.rows[0]!)).toEqual(totals(events));
    expect(all.rows[0]!.cost).toBe(totals(events).costMicros / 1e6);
    expect(all.rows[0]!.totalTokens).toBe(all.rows[0]!.inputTokens + all.rows[0]!.outputTokens);

    for (const groupBy of [['workspace'], ['model'], ['workspace', 'model'], ['integration', 'key'], ['user'], ['provider'], ['errorCode'], ['workspace', 'errorCode']] as const) {
      const result = await gateway.analytics.query({ from: T0, groupBy: [...groupBy] });
      const expected = new Map<string, UsageEvent[]>();
      for (const e of events) {
        const id = JSON.stringify(groupBy.map((d) => e[d]));
        expected.set(id, [...(expected.get(id) ?? []), e]);
      }
      expect(result.rows).toHaveLength(expected.size);
      for (const row of result.rows) {
        const id = JSON.stringify(groupBy.map((d) => row[d]));
        expect(pick(row), `group ${id}`).toEqual(totals(expected.get(id)!));
      }
    }
  });

  it('by minute, hour and day: each bucket holds the calls that started in it', async () => {
    const { gateway, events, advance } = setup();
    await workload(gateway, advance);
    const started = (e: UsageEvent) => Date.parse(e.startedAt);
    for (const [interval, size] of [
      ['minute', 60_000],
      ['hour', 3_600_000],
      ['day', 86_400_000],
    ] as const) {
      const result = await gateway.analytics.query({ from: T0, interval });
      expect(result.granularity).toBe(interval);
      let sum = 0;
      for (const row of result.rows) {
        const start = Date.parse(row.start);
        expect(Date.parse(row.end) - start).toBe(size);
        const inside = events.filter((e) => started(e) >= start && started(e) < start + size);
        expect(pick(row), `${interval} ${row.start}`).toEqual(totals(inside));
        sum += row.requests;
      }
      expect(sum).toBe(events.length);
    }
    // The workload crosses 10:00 UTC: two hours.
    expect((await gateway.analytics.query({ from: T0, interval: 'hour' })).rows.map((r) => r.start)).toEqual([
      '2026-06-01T09:00:00.000Z',
      '2026-06-01T10:00:00.000Z',
    ]);
  });

  it('filters by one value, by several, and by null (calls without a key)', async () => {
    const { gateway, events, advance } = setup();
    await workload(gateway, advance);
    const research = await gateway.analytics.query({ from: T0, filter: { workspace: 'research' } });
    expect(pick(research.rows[0]!)).toEqual(totals(events.filter((e) => e.workspace === 'research')));
    const two = await gateway.analytics.query({ from: T0, filter: { workspace: ['research', 'sales'], model: 'gpt-x' }, groupBy: ['workspace'] });
    expect(two.rows.map((r) => r.workspace)).toEqual(['research', 'sales']);
    const noKey = await gateway.analytics.query({ from: T0, filter: { key: null } });
    expect(noKey.rows[0]!.requests).toBe(events.filter((e) => e.key === null).length);
    const none = await gateway.analytics.query({ from: T0, filter: { workspace: 'nobody' } });
    expect(none.rows).toEqual([]);
  });

  it('latency and TTFT percentiles are within 4.8 % of the exact nearest-rank values', async () => {
    const { gateway, events, advance } = setup();
    await workload(gateway, advance);
    const [row] = (await gateway.analytics.query({ from: T0 })).rows;
    const exact = (values: number[], q: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
    };
    const latencies = events.map((e) => e.latencyMs);
    for (const [q, got] of [
      [0.5, row!.latencyMs!.p50],
      [0.95, row!.latencyMs!.p95],
      [0.99, row!.latencyMs!.p99],
    ] as const) {
      const want = Math.max(exact(latencies, q), 0.01);
      expect(Math.abs(got - want) / want, `p${q * 100}: ${got} vs ${want}`).toBeLessThanOrEqual(0.048 + 1e-3);
    }
    const ttfts = events.filter((e) => e.ttftMs !== null).map((e) => e.ttftMs!);
    expect(ttfts.length).toBeGreaterThan(0);
    const want = Math.max(exact(ttfts, 0.5), 0.01);
    expect(Math.abs(row!.ttftMs!.p50 - want) / want).toBeLessThanOrEqual(0.049);
  });

  it('the percentile sketch: any values, any quantile, within the bound (property)', async () => {
    const { bucketIndex, quantile } = await import('../../src/analytics/latency-histogram.js');
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.02, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, q) => {
        const histogram: Record<number, number> = {};
        for (const v of values) histogram[bucketIndex(v)] = (histogram[bucketIndex(v)] ?? 0) + 1;
        const sorted = [...values].sort((a, b) => a - b);
        const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
        const got = quantile(histogram, q)!;
        // (γ - 1) / (γ + 1) = 4.762 % from the bucket, plus the rounding to 4 significant digits:
        // at most 0.05 % of the reported value, itself at most 1.048 times the exact one.
        return Math.abs(got - exact) <= exact * (0.04762 + 0.0005 * 1.048 + 1e-9);
      }),
    );
  });

  it('calls are recorded off the request path, in batches: no store write per call', async () => {
    const { store, writes } = recordingStore();
    const { gateway } = setup({ store, analytics: { flushIntervalMs: 60_000 } });
    for (let i = 0; i < 50; i++) await gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
    // 50 calls, no write yet: the batch waits for its interval (or a flush, or a query).
    expect(writes).toEqual([]);
    expect(gateway.stats().analytics).toEqual({ recorded: 0, pending: 50, dropped: 0 });
    const result = await gateway.analytics.query({ from: T0 });
    expect(result.rows[0]!.requests).toBe(50);
    // One write of one cell: same minute, same dimensions.
    expect(writes).toEqual([1]);
    expect(gateway.stats().analytics).toEqual({ recorded: 50, pending: 0, dropped: 0 });
  });

  it('many distinct users: a batch is written as soon as it holds maxPendingCells cells, so what waits stays bounded', async () => {
    const { store, writes } = recordingStore();
    const { gateway } = setup({ store, analytics: { flushIntervalMs: 60_000, maxPendingCells: 40 } });
    for (let i = 0; i < 500; i++) {
      await gateway.chat(chat('@llm/gpt-x', { workspace: 'research', user: `u-${i}` }));
      expect(gateway.stats().analytics!.pending).toBeLessThanOrEqual(80);
    }
    // No timer has fired: the bound wrote 12 batches of 40 cells (one per user, same minute).
    expect(writes).toEqual(Array.from({ length: 12 }, () => 40));
    const result = await gateway.analytics.query({ from: T0 });
    expect(result.rows[0]!.requests).toBe(500);
    expect(gateway.stats().analytics).toEqual({ recorded: 500, pending: 0, dropped: 0 });
  });

  it('byUser: false counts the calls of every user in one cell per bucket', async () => {
    const store = memoryStore();
    const { gateway } = setup({ store, analytics: { byUser: false } });
    for (let i = 0; i < 30; i++) await gateway.chat(chat('@llm/gpt-x', { workspace: 'research', user: `u-${i}` }));
    const result = await gateway.analytics.query({ from: T0, groupBy: ['user'] });
    expect(result.rows.map((r) => [r.user, r.requests])).toEqual([[null, 30]]);
    // One cell, not one per user: the minute's (its hour and day are made once the minute is over).
    expect(store.analyticsStats().cells).toBe(1);
  });

  it('the memory store takes each call as it comes: one minute cell per call, folded into its hour and day a minute after the minute ends', async () => {
    const store = memoryStore();
    const { gateway, events, advance } = setup({ store, analytics: { flushIntervalMs: 3_600_000 } });
    for (let i = 0; i < 5; i++) await gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
    // Recorded at once: no batch waits for the (hour-long) interval.
    expect(gateway.stats().analytics).toEqual({ recorded: 5, pending: 0, dropped: 0 });
    expect(store.analyticsStats().cells).toBe(1);
    // Hours and days are exact before the minute is folded into them...
    expect((await gateway.analytics.query({ from: T0, interval: 'hour' })).rows.map((r) => r.requests)).toEqual([5]);
    expect((await gateway.analytics.query({ from: T0, interval: 'day' })).rows.map((r) => r.requests)).toEqual([5]);
    advance(119_999);
    await gateway.analytics.query({ from: T0 });
    expect(store.analyticsStats().cells).toBe(1);
    // ...and after it.
    advance(1);
    expect((await gateway.analytics.query({ from: T0, interval: 'hour' })).rows.map((r) => r.requests)).toEqual([5]);
    expect(store.analyticsStats().cells).toBe(3);
    for (const interval of ['minute', 'hour', 'day'] as const) {
      expect(pick((await gateway.analytics.query({ from: T0, interval })).rows[0]!)).toEqual(totals(events));
    }
  });

  it('a call that settles after its minute was folded (a long stream) counts in its minute, hour and day', async () => {
    const store = memoryStore();
    const { gateway, events, advance } = setup({ store });
    await gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
    const stream = (await gateway.chat(chat('@llm/gpt-x', { workspace: 'research', stream: true }))) as unknown as AsyncIterable<unknown>;
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    // Ten minutes pass while it streams, with calls that fold its minute.
    for (let i = 0; i < 10; i++) {
      advance(60_000);
      await gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
    }
    expect(store.analyticsStats().cells).toBeGreaterThan(3);
    while (!(await chunks.next()).done);
    await gateway.flush();
    expect(events).toHaveLength(12);
    const first = events.filter((e) => Date.parse(e.startedAt) < T0 + 60_000);
    expect(first.map((e) => e.stream)).toEqual([false, true]);
    for (const interval of ['minute', 'hour', 'day'] as const) {
      const rows = (await gateway.analytics.query({ from: T0, interval })).rows;
      if (interval === 'minute') expect(pick(rows[0]!)).toEqual(totals(first));
      expect(rows.reduce((n, r) => n + r.requests, 0), interval).toBe(12);
    }
    expect(pick((await gateway.analytics.query({ from: T0, interval: 'day' })).rows[0]!)).toEqual(totals(events));
  });

  it('any calls at any times: every minute, hour and day reads the exact sums of the calls that started in it (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 * 60_000 }), fc.constantFrom('gpt-x', 'gpt-y'), fc.boolean()), { minLength: 1, maxLength: 30 }), async (steps) => {
        const { gateway, events, advance } = setup({ store: memoryStore({ analyticsMaxCells: 1_000_000 }) });
        for (const [gap, model, query] of steps) {
          advance(gap);
          await gateway.chat(chat(`@llm/${model}`, { workspace: 'research' }));
          if (query) await gateway.analytics.query({ from: T0, interval: 'hour' });
        }
        await gateway.flush();
        const started = (e: UsageEvent) => Date.parse(e.startedAt);
        for (const [interval, size] of [['minute', 60_000], ['hour', 3_600_000], ['day', 86_400_000]] as const) {
          const rows = (await gateway.analytics.query({ from: T0, interval, groupBy: ['model'] })).rows;
          for (const row of rows) {
            const start = Date.parse(row.start);
            expect(pick(row)).toEqual(totals(events.filter((e) => e.model === row.model && started(e) >= start && started(e) < start + size)));
          }
          expect(rows.reduce((n, r) => n + r.requests, 0)).toBe(events.length);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("a key's calls find their cell through the key (its slot): the same rows as a lookup, across minutes, models, users and buckets evicted and made again (property)", async () => {
    const keyed = { integration: 'llm', models: ['gpt-x', 'gpt-y'] };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 60_000 }), fc.constantFrom('app-1', 'app-2'), fc.constantFrom('gpt-x', 'gpt-y'), fc.constantFrom('u-1', 'u-2')), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 2, max: 40 }),
        async (steps, maxCells) => {
          const { gateway, events, advance } = setup({
            store: memoryStore({ analyticsMaxCells: 1_000_000 }),
            keys: [
              { id: 'app-1', workspace: 'research', ...keyed },
              { id: 'app-2', workspace: 'research', ...keyed },
            ],
          });
          for (const [gap, key, model, user] of steps) {
            advance(gap);
            await gateway.chat(chat(model, { key, user }));
          }
          await gateway.flush();
          // Through the gateway (which passes each call's key as its slot): every minute exact.
          const minutes = (await gateway.analytics.query({ from: T0, interval: 'minute', groupBy: ['key', 'model', 'user'] })).rows;
          for (const row of minutes) {
            const start = Date.parse(row.start);
            const inRow = (e: UsageEvent) => e.key === row.key && e.model === row.model && e.user === row.user && Date.parse(e.startedAt) >= start && Date.parse(e.startedAt) < start + 60_000;
            expect(pick(row)).toEqual(totals(events.filter(inRow)));
          }
          expect(minutes.reduce((n, r) => n + r.requests, 0)).toBe(events.length);
          // The same calls into two tables, one given the keys' slots and one not, bounded so
          // that the minute being written is evicted (folded first) while the keys still hold its
          // cells, and the next call of that minute makes its bucket again: the same rows.
          const retention = { minute: 86_400_000, hour: 2_678_400_000, day: 34_560_000_000 };
          const withSlots = new AnalyticsTable(maxCells);
          const withoutSlots = new AnalyticsTable(maxCells);
          const slots = new Map<string | null, AnalyticsSlot>();
          for (const event of events) {
            const startedAt = Date.parse(event.startedAt);
            const start = Math.floor(startedAt / 60_000) * 60_000;
            const write = { now: startedAt + event.latencyMs, retention };
            if (!slots.has(event.key)) slots.set(event.key, { analytics: null });
            withSlots.add(start, event, event.user, write, slots.get(event.key)!);
            withoutSlots.add(start, event, event.user, write);
          }
          expect([...slots.values()].every((slot) => slot.analytics !== null)).toBe(true);
          const now = Date.parse(events.at(-1)!.startedAt);
          for (const granularity of ['minute', 'hour', 'day'] as const) {
            const read = { granularity, from: 0, to: Number.MAX_SAFE_INTEGER, now, retention };
            expect(withSlots.read(read), granularity).toEqual(withoutSlots.read(read));
          }
          expect(withSlots.stats()).toEqual(withoutSlots.stats());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('two gateways on the same store see each other’s calls', async () => {
    const store = memoryStore();
    const a = setup({ store });
    const b = setup({ store });
    await a.gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
    await b.gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
    await a.gateway.flush();
    await b.gateway.flush();
    expect((await a.gateway.analytics.query({ from: T0 })).rows[0]!.requests).toBe(2);
  });

  it('buckets past their retention are gone; a range older than kept is said in warnings', async () => {
    const { gateway, advance } = setup({ analytics: { retention: { minute: 3_600_000, hour: 2 * 86_400_000, day: 30 * 86_400_000 } } });
    await gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
    await gateway.flush();
    advance(2 * 3_600_000);
    // Minute buckets are kept an hour: the call is only in the hour and day rollups now.
    const minutes = await gateway.analytics.query({ from: T0, interval: 'minute' });
    expect(minutes.rows).toEqual([]);
    expect(minutes.warnings).toEqual(['minute rollups are kept for 1 hours: the start of the range may be missing']);
    expect((await gateway.analytics.query({ from: T0, interval: 'hour' })).rows[0]!.requests).toBe(1);
    // Without an interval, the finest rollups still kept for the start of the range: hours.
    const whole = await gateway.analytics.query({ from: T0 });
    expect(whole.granularity).toBe('hour');
    expect(whole.rows[0]!.requests).toBe(1);
    advance(3 * 86_400_000);
    expect((await gateway.analytics.query({ from: T0, interval: 'hour' })).rows).toEqual([]);
    expect((await gateway.analytics.query({ from: T0, interval: 'day' })).rows[0]!.requests).toBe(1);
  });

  it('the memory store holds at most analyticsMaxCells cells, dropping the oldest minutes first', async () => {
    const store = memoryStore({ analyticsMaxCells: 10 }) as Store & { analyticsStats(): { cells: number; evictedCells: number } };
    const { gateway, advance } = setup({ store });
    for (let i = 0; i < 6; i++) {
      await gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
      advance(60_000);
    }
    await gateway.flush();
    // 6 minute cells (09:58 to 10:03) + 2 hours + 1 day = 9: within the cap. Four more minutes go over it.
    for (let i = 0; i < 4; i++) {
      await gateway.chat(chat('@llm/gpt-x', { workspace: 'research' }));
      advance(60_000);
    }
    await gateway.flush();
    expect(store.analyticsStats()).toEqual({ cells: 10, evictedCells: 3 });
    const minutes = await gateway.analytics.query({ from: T0, interval: 'minute' });
    expect(minutes.rows).toHaveLength(7);
    expect(minutes.rows[0]!.start).toBe(new Date(T0 + 3 * 60_000).toISOString());
    // The hour and day rollups still hold every call.
    expect((await gateway.analytics.query({ from: T0, interval: 'day' })).rows[0]!.requests).toBe(10);
  });

  it('bad queries are RequestValidationErrors naming the field', async () => {
    const { gateway } = setup();
    const issues = async (query: unknown) => ((await gateway.analytics.query(query as never).catch((e: unknown) => e)) as RequestValidationError).issues;
    expect(await issues({ from: 'yesterday' })).toEqual([{ path: 'from', message: expect.stringContaining('ISO 8601') }]);
    expect(await issues({ from: T0, groupBy: ['workspace', 'colour'] })).toEqual([{ path: 'groupBy[1]', message: expect.any(String) }]);
    expect(await issues({ from: T0, interval: 'week' })).toEqual([{ path: 'interval', message: expect.any(String) }]);
    expect(await issues({ from: T0, to: T0 - 1 })).toEqual([{ path: 'to', message: expect.stringContaining('after from') }]);
    expect(await issues({ from: 0, interval: 'minute' })).toEqual([{ path: 'interval', message: expect.stringContaining('coarser') }]);
    expect(await issues({ from: T0, filter: { colour: 'red' } })).toEqual([{ path: 'filter', message: expect.stringContaining('colour') }]);
    expect(await issues({ from: T0, limit: 3 })).toEqual([{ path: '', message: expect.stringContaining('limit') }]);
    await expect(gateway.analytics.query(undefined as never)).rejects.toBeInstanceOf(RequestValidationError);
  });

  it('analytics off, or a store without analytics: a clear AnalyticsUnavailableError', async () => {
    const off = createGateway({ integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all' }], analytics: false });
    await expect(off.analytics.query({ from: T0 })).rejects.toThrow(AnalyticsUnavailableError);
    await expect(off.analytics.query({ from: T0 })).rejects.toThrow('turned off');
    expect(off.stats().analytics).toBeNull();

    const memory = memoryStore();
    const plain: Store = { name: 'custom', admit: (i) => memory.admit(i), settle: (i) => memory.settle(i), read: (k, n) => memory.read(k, n), registerBudgets: (o, n) => memory.registerBudgets(o, n) };
    const custom = createGateway({ integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all' }], store: plain });
    const error = await custom.analytics.query({ from: T0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsUnavailableError);
    expect((error as Error).message).toContain('custom store keeps no analytics');
    expect(error).toMatchObject({ code: 'analytics_unavailable', status: 501 });
  });
});

describe('memory store analytics bound (default)', () => {
  it('holds 100,000 keys across a minute boundary without dropping a cell: this minute, the last, its hour and day', () => {
    const store = memoryStore() as Store & {
      recordAnalytics(cells: unknown[], write: { now: number; retention: Record<'minute' | 'hour' | 'day', number>; batchId: string }): void;
      analyticsStats(): { cells: number; evictedCells: number };
    };
    const retention = { minute: 86_400_000, hour: 31 * 86_400_000, day: 400 * 86_400_000 };
    const minuteOf = (start: number) =>
      Array.from({ length: 100_000 }, (_, i) => ({
        start,
        dims: { workspace: 'w', integration: 'llm', provider: 'mock', model: 'm', key: `key-${i}`, user: null, errorCode: null },
        counts: { requests: 1, errors: 0, rejected: 0, aborted: 0, unsettled: 0, unsettledCostMicros: 0, inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costMicros: 1 },
        latency: {},
        ttft: {},
      }));
    store.recordAnalytics(minuteOf(T0), { now: T0, retention, batchId: 'm0' });
    store.recordAnalytics(minuteOf(T0 + 60_000), { now: T0 + 60_000, retention, batchId: 'm1' });
    // A minute after the first minute ends, it is folded into its hour and day: 2 x 100,000 more cells.
    store.recordAnalytics([], { now: T0 + 120_000, retention, batchId: 'fold' });
    expect(store.analyticsStats()).toEqual({ cells: 400_000, evictedCells: 0 });
  });
});
