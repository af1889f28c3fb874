// npm test: streams left to the garbage collector (forced with --expose-gc), fake timers for the idle timeout; under a second.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestAbortedError, createGateway, secret, type UsageEvent } from '../../src/index.js';
import { until } from '../helpers/until.js';

/**
 * A stream the caller stops reading without ending it — its signal aborted while nobody reads,
 * never read at all, or dropped — is closed upstream and settled with what was delivered, and
 * its usage event sent (`aborted`): it never holds its reservation until `reservationTtlMs`.
 */

const MESSAGES = [{ role: 'user' as const, content: 'Hello' }];

/** An OpenAI-compatible upstream whose streams never end by themselves; it sees them closed. */
function endlessUpstream() {
  const seen = { opened: 0, closed: 0, aborted: 0 };
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    seen.opened++;
    init?.signal?.addEventListener('abort', () => seen.aborted++);
    let n = 0;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: `w${n++} ` }, finish_reason: null }] };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
      },
      cancel() {
        seen.closed++;
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

function setup(extra: { streamIdleTimeoutMs?: number } = {}) {
  const up = endlessUpstream();
  const gateway = createGateway({
    integrations: [
      {
        slug: 'up',
        provider: 'openai-compatible',
        baseURL: 'http://upstream.test/v1',
        credentials: { apiKey: secret.value('sk-upstream-test-key') },
        customModels: [{ id: 'm', pricing: { input: 1, output: 1 } }],
        workspaces: { 'team-a': { budgets: [{ type: 'tokens', limit: 1_000_000 }] } },
      },
    ],
    fetch: up.fetch,
    limits: { defaultMaxOutputTokens: 1_000 },
    ...extra,
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  const reserved = async () => (await gateway.limits.status({ workspace: 'team-a', integration: 'up', kind: 'budget' }))[0]!.reserved;
  const open = (signal?: AbortSignal) => gateway.chat({ workspace: 'team-a', model: '@up/m', messages: MESSAGES, stream: true }, signal ? { signal } : {});
  return { gateway, events, reserved, open, seen: up.seen };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('abandoned streams', () => {
  it('aborting the signal of a stream nobody reads settles it at once and closes the upstream', async () => {
    const t = setup();
    const controller = new AbortController();
    const stream = await t.open(controller.signal);
    expect(await t.reserved()).toBeGreaterThan(0);
    controller.abort();
    expect(t.events).toMatchObject([{ status: 'aborted', stream: true }]);
    expect(await t.reserved()).toBe(0);
    await until(() => t.seen.closed + t.seen.aborted > 0);
    // Reading it afterwards says why it stopped.
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(RequestAbortedError);
  });

  it('aborting between two reads settles what was delivered', async () => {
    const t = setup();
    const controller = new AbortController();
    const stream = await t.open(controller.signal);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    controller.abort();
    expect(t.events).toMatchObject([{ status: 'aborted', usage: { estimated: true } }]);
    expect(t.events[0]!.usage.outputTokens).toBeGreaterThan(0);
    expect(await t.reserved()).toBe(0);
    await until(() => t.seen.closed + t.seen.aborted > 0);
  });

  it('a stream never read is settled after streamIdleTimeoutMs, with a warning saying so', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = setup({ streamIdleTimeoutMs: 60_000 });
    await t.open();
    vi.advanceTimersByTime(59_999);
    expect(t.events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(t.events).toMatchObject([{ status: 'aborted', warnings: ['stream abandoned: not read for 60000 ms'] }]);
    expect(await t.reserved()).toBe(0);
    await until(() => t.seen.closed + t.seen.aborted > 0);
  });

  it('a reader slower than nothing is not cut while it reads; the idle time counts between reads', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = setup({ streamIdleTimeoutMs: 60_000 });
    const iterator = (await t.open())[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(59_000);
      expect((await iterator.next()).done).toBe(false);
    }
    expect(t.events).toEqual([]);
    await iterator.return!();
    expect(t.events).toMatchObject([{ status: 'aborted' }]);
  });

  it('streamIdleTimeoutMs: 0 never abandons a stream', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = setup({ streamIdleTimeoutMs: 0 });
    await t.open();
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(t.events).toEqual([]);
  });

  it('a stream dropped unread is settled once the garbage collector takes it', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'tests run with --expose-gc (vitest.config.ts)').toBeTypeOf('function');
    const t = setup({ streamIdleTimeoutMs: 0 });
    await (async () => {
      await t.open();
    })();
    await until(() => {
      gc!();
      return t.events.length > 0;
    }, 2_000);
    expect(t.events).toMatchObject([{ status: 'aborted', warnings: ['stream dropped unread'] }]);
    expect(await t.reserved()).toBe(0);
  });

  it('a stream dropped while being read by a for-await loop is not abandoned: the loop holds its iterator', async () => {
    const gc = (globalThis as { gc?: () => void }).gc!;
    const t = setup({ streamIdleTimeoutMs: 0 });
    let n = 0;
    const iterator = (await t.open())[Symbol.asyncIterator]();
    // The stream object is gone; the iterator is all the caller keeps. A full collection every
    // tenth read, each followed by a turn of the event loop for finalizers to run: five are enough
    // (the test above sees a dropped stream settled after one or two), and fifty, each of the
    // whole heap of a worker that ran other files, took longer than the test's time on a busy machine.
    for (let i = 0; i < 50; i++) {
      if (i % 10 === 0) {
        gc();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (!(await iterator.next()).done) n++;
    }
    expect(n).toBe(50);
    expect(t.events).toEqual([]);
    await iterator.return!();
    expect(t.events).toMatchObject([{ status: 'aborted' }]);
  });
});
