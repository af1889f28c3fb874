// npm test: sink queues on the mock provider and an injected clock; hung sinks end by their timeout, not a sleep.
import { describe, expect, it } from 'vitest';
import { createGateway, type GatewayConfig, type Sink, type SinkErrorEvent, type SinkNotice, type SinkObject, type UsageEvent } from '../../src/index.js';

const T0 = Date.parse('2026-07-01T12:00:10.000Z');

function setup(sinks: Sink[], extra: Partial<GatewayConfig> = {}) {
  let now = T0;
  const gateway = createGateway({
    integrations: [
      {
        slug: 'llm',
        provider: 'mock',
        pricing: { m: { input: 1, output: 1 } },
        workspaces: { w: { budgets: [{ type: 'cost', limit: 1, alertThreshold: 0.000001 }], rateLimits: [{ type: 'requests', limit: 1_000, per: 'minute' }] } },
      },
      { slug: 'down', provider: 'mock', workspaces: 'all', mock: { failures: [{ status: 503, times: 1_000_000 }] } },
    ],
    keys: [{ id: 'tiny', workspace: 'w', integration: 'llm', rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] }],
    sinks,
    retry: { retries: 0 },
    clock: () => now,
    ...extra,
  });
  const usage: UsageEvent[] = [];
  const errors: SinkErrorEvent[] = [];
  gateway.on('usage', (e) => usage.push(e));
  gateway.on('sink.error', (e) => errors.push(e));
  return { gateway, usage, errors, advance: (ms: number) => (now += ms) };
}

const call = (gateway: ReturnType<typeof setup>['gateway'], model = '@llm/m') => gateway.chat({ workspace: 'w', model, messages: [{ role: 'user', content: 'Hello' }] });

/** A sink object that records what it receives. */
function recorder(options: Partial<SinkObject> = {}) {
  const events: UsageEvent[] = [];
  const notices: SinkNotice[] = [];
  const sink: SinkObject = {
    write: (batch) => {
      events.push(...batch);
    },
    notify: (notice) => {
      notices.push(notice);
    },
    ...options,
  };
  return { sink, events, notices };
}

describe('sink delivery', () => {
  it('sampling keeps the same share of calls in every sink (by request id) and every failure', async () => {
    const a = recorder({ name: 'a', sampling: { rate: 0.25 } });
    const b = recorder({ name: 'b', sampling: { rate: 0.25 } });
    const strict = recorder({ name: 'strict', sampling: { rate: 0.25, keepFailures: false } });
    const { gateway, usage } = setup([a.sink, b.sink, strict.sink]);
    for (let i = 0; i < 400; i++) await call(gateway, i % 20 === 0 ? '@down/m' : '@llm/m').catch(() => {});
    await gateway.flush();

    const kept = (e: UsageEvent) => Number.parseInt(e.requestId.slice(0, 8), 16) < 0.25 * 2 ** 32;
    const expected = usage.filter((e) => e.status !== 'success' || kept(e)).map((e) => e.requestId);
    expect(a.events.map((e) => e.requestId)).toEqual(expected);
    expect(b.events.map((e) => e.requestId)).toEqual(expected);
    expect(strict.events.map((e) => e.requestId)).toEqual(usage.filter(kept).map((e) => e.requestId));
    // About a quarter of the successes: the ids are random, the share is not exact.
    const successes = usage.filter((e) => e.status === 'success');
    expect(successes.filter(kept).length / successes.length).toBeGreaterThan(0.15);
    expect(successes.filter(kept).length / successes.length).toBeLessThan(0.35);
    const [sa] = gateway.stats().sinks;
    expect(sa).toMatchObject({ name: 'a', delivered: expected.length, sampledOut: usage.length - expected.length, dropped: 0 });
  });

  it('cap-and-drop: at most N events per period reach the sink; calls still pass; the drop is counted and reported once', async () => {
    const capped = recorder({ name: 'capped', cap: { events: 5, per: 'minute' } });
    const { gateway, errors, advance } = setup([capped.sink]);
    for (let i = 0; i < 8; i++) await expect(call(gateway)).resolves.toBeDefined();
    await gateway.flush();
    expect(capped.events).toHaveLength(5);
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 5, capped: 3, dropped: 0 });
    expect(errors).toMatchObject([{ sink: 'capped', reason: 'cap', dropped: 1 }]);
    expect(errors[0]!.error.message).toBe('cap of 5 events per minute reached: dropping events until 2026-07-01T12:01:00.000Z');

    // The next minute: a new allowance.
    advance(60_000);
    for (let i = 0; i < 6; i++) await call(gateway);
    await gateway.flush();
    expect(capped.events).toHaveLength(10);
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 10, capped: 4 });
    expect(errors).toHaveLength(2);
  });

  it('notices: alerts reach the sinks that asked, in their own queue', async () => {
    const alerts = recorder({ name: 'alerts' });
    const changes = recorder({ name: 'changes', notices: ['ratelimit.exceeded'] });
    const plain = recorder({ name: 'plain', notify: undefined });
    const onlyNotices = { name: 'only-notices', notify: alerts.sink.notify } as SinkObject;
    const { gateway } = setup([alerts.sink, changes.sink, plain.sink, onlyNotices]);
    // A $0.000001 alert threshold: crossed by the first call (a few tokens at $1 per 1M).
    await call(gateway);
    await gateway.chat({ key: 'tiny', model: 'm', messages: [{ role: 'user', content: 'x' }] });
    await gateway.chat({ key: 'tiny', model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch(() => {});
    await gateway.flush();
    // Twice each: the sink itself and the notice-only sink share the recording function (two queues, any interleaving).
    expect(alerts.notices.map((n) => n.type).sort()).toEqual(['budget.alert', 'budget.alert', 'ratelimit.exceeded', 'ratelimit.exceeded']);
    expect(alerts.notices.find((n) => n.type === 'budget.alert')).toMatchObject({ type: 'budget.alert', event: { scope: 'grant:llm/w', threshold: 0.000001, unit: 'USD' } });
    expect(changes.notices.map((n) => n.type)).toEqual(['ratelimit.exceeded']);
    expect(plain.notices).toEqual([]);
    expect(plain.events).toHaveLength(3);
    expect(gateway.stats().sinks.map((s) => [s.name, s.delivered, s.notified])).toEqual([
      ['alerts', 3, 2],
      ['changes', 3, 1],
      ['plain', 3, 0],
      ['only-notices', 0, 2],
    ]);
  });

  it('a write that outlives its timeout is abandoned: its signal aborts, its events are counted as dropped', async () => {
    let aborted: unknown = null;
    const hung: SinkObject = {
      name: 'hung',
      timeoutMs: 20,
      write: (_events, { signal }) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            resolve();
          });
        }),
    };
    const { gateway, errors } = setup([hung]);
    await call(gateway);
    await gateway.flush();
    expect(aborted).toBeInstanceOf(Error);
    expect((aborted as Error).message).toBe('did not settle within 20 ms');
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 0, dropped: 1, errors: 1 });
    expect(errors).toMatchObject([{ sink: 'hung', reason: 'timeout', dropped: 1 }]);
  });


  it('a sink whose flush or close never settles holds gateway.flush() and close() for its timeout only, and is reported', async () => {
    const signals: AbortSignal[] = [];
    const never = ({ signal }: { signal: AbortSignal }) => {
      signals.push(signal);
      return new Promise<void>(() => {});
    };
    const stuck: SinkObject = { name: 'stuck', timeoutMs: 20, write: () => {}, flush: never, close: never };
    const { sink: fine, events } = recorder();
    const { gateway, errors } = setup([stuck, fine]);
    await call(gateway);
    await gateway.flush();
    await gateway.close();
    // The other sink got its event; the stuck one was asked to flush twice (flush, then close's flush) and to close.
    expect(events).toHaveLength(1);
    expect(signals).toHaveLength(3);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(errors).toMatchObject([
      { sink: 'stuck', reason: 'timeout', dropped: 0 },
      { sink: 'stuck', reason: 'timeout', dropped: 0 },
      { sink: 'stuck', reason: 'timeout', dropped: 0 },
    ]);
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 1, dropped: 0, errors: 3 });
  });
  it('per-sink batch and queue sizes', async () => {
    const batches: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const small: SinkObject = {
      name: 'small',
      batchSize: 3,
      queueSize: 4,
      write: async (events) => {
        batches.push(events.length);
        await gate;
      },
    };
    const { gateway } = setup([small]);
    // The first batch is being written (held); the queue takes 4 more; 3 are dropped.
    for (let i = 0; i < 10; i++) await call(gateway);
    release();
    await gateway.flush();
    expect(batches.every((n) => n <= 3)).toBe(true);
    expect(gateway.stats().sinks[0]).toMatchObject({ delivered: 7, dropped: 3 });
  });

  it('sink options are validated with the path of the problem', () => {
    const make = (sink: unknown) => () => createGateway({ integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all' }], sinks: [sink as Sink] });
    expect(make({ write() {}, sampling: { rate: 2 } })).toThrow(/sinks\[0\]\.sampling\.rate/);
    expect(make({ write() {}, cap: { events: 0, per: 'minute' } })).toThrow(/sinks\[0\]\.cap\.events/);
    expect(make({ write() {}, cap: { events: 5, per: 'week' } })).toThrow(/sinks\[0\]\.cap\.per/);
    expect(make({ notify() {}, notices: ['usage'] })).toThrow(/sinks\[0\]\.notices\[0\]/);
    expect(make({ name: 'nothing' })).toThrow(/sinks\[0\]: a sink object needs a write\(events\) or a notify\(notice\) method/);
    expect(make({ write() {}, batchSize: 1.5 })).toThrow(/sinks\[0\]\.batchSize/);
    expect(make(42)).toThrow(/sinks\[0\]: must be a function or an object/);
  });
});

/**
 * "Never slows a request", checked by counting: the event-loop turns each call takes, with a
 * well-behaved sink and with a bad one. A sink on the request path would add turns (an await
 * on its promise) or block (a call would not resolve until the sink did).
 */
describe('a bad sink leaves requests unchanged', () => {
  async function turnsPerCall(sink: Sink | null): Promise<{ turns: number[]; resolved: number; sinkCalls: () => number }> {
    let calls = 0;
    const counted: Sink | null =
      sink === null
        ? null
        : typeof sink === 'function'
          ? (e: UsageEvent) => {
              calls++;
              return sink(e);
            }
          : // One event per write: the sink runs between calls, not only after the loop.
            { ...sink, batchSize: 1, write: (events, delivery) => (calls++, sink.write!(events, delivery)) };
    const { gateway } = setup(counted ? [counted] : [], { events: { sinkTimeoutMs: 600_000 } });
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const turns: number[] = [];
    let resolved = 0;
    for (let i = 0; i < 50; i++) {
      const before = ticks;
      await call(gateway);
      resolved++;
      turns.push(ticks - before);
    }
    ticking = false;
    return { turns, resolved, sinkCalls: () => calls };
  }

  const never = () => new Promise<void>(() => {});
  /** Resolves after `n` event-loop turns. */
  const afterTurns = (n: number) =>
    new Promise<void>((resolve) => {
      let seen = 0;
      const wait = () => (++seen >= n ? resolve() : setImmediate(wait));
      setImmediate(wait);
    });
  const bad: Array<[string, Sink]> = [
    [
      'throws',
      () => {
        throw new Error('boom');
      },
    ],
    ['rejects', { write: () => Promise.reject(new Error('boom')) }],
    ['hangs forever', { write: never }],
    ['is slow (answers after 1,000 turns)', { write: () => afterTurns(1_000) }],
  ];

  it.each(bad)('a sink that %s: every call resolves in as many event-loop turns as with no sink', async (_name, sink) => {
    const baseline = await turnsPerCall(null);
    const withBad = await turnsPerCall(sink);
    expect(withBad.resolved).toBe(50);
    expect(withBad.turns).toEqual(baseline.turns);
    // The sink did run (or was given its events): it is just never awaited by a call.
    expect(withBad.sinkCalls()).toBeGreaterThan(0);
  });
});
