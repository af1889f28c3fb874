// npm test: the store conformance suite on a redis-server of its own; a fraction of a second.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisStore, REDIS_SCRIPT_SHAS } from '../../src/redis.js';
import { hashTag, useTestRedis } from '../helpers/redis-server.js';
import { describeStoreConformance } from './store-conformance.js';

const redis = useTestRedis({ beforeAll, afterAll });

describe.skipIf(!redis.available)('redis store', () => {

  // A fresh namespace per store: the suite's stores share one server.
  describeStoreConformance('redis', () => redisStore({ client: redis.client, prefix: `t-${randomUUID()}` }));

  it('pins its script hashes: a changed script is a deliberate change', () => {
    expect(REDIS_SCRIPT_SHAS).toMatchInlineSnapshot(`
      {
        "admit": "34ba577fb464d2b1efc1834b1c9a4520142fce31",
        "appendPolicy": "179a8cf0d09b2e391ec5925b329fe04774dfd280",
        "batch": "8bc64fd6f5000c7b0374660c5d5bb6bb747fe6cb",
        "nearest": "fb9a7f72ad10663a73ea145c29a21926cb94bde9",
        "read": "0ee17d078eed0e7eb35a2d33ea48bbfafcbe7e4e",
        "readAnalytics": "b7575f8395a6a0c45fd37b7898e9fe8d9c5abe94",
        "readPolicy": "5f6451afa510748f40eba10bbb5f8cd2e23b4b2f",
        "recordAnalytics": "2204a4cfb8b9c0646f49fe3b9c436169cc260917",
        "register": "53baafd62a0bd66721b75d338f880ef6a052949b",
        "settle": "6e53303e58328244cf6bd50a990b0f32b7670b7e",
        "takeUnsettled": "4740c46fc40f397c445276188fc59e42fa6c3f96",
      }
    `);
  });

  it('keeps every key of a call in one hash slot (no CROSSSLOT in a cluster)', async () => {
    const prefix = `slot-${randomUUID()}`;
    const store = redisStore({ client: redis.client, prefix });
    const counters = [
      { key: 'b|integration:a|cost:5:none:-|0|integration:a|0', limit: 100, expiresAt: null },
      { key: 'r|grant:a/team-a|requests:10:minute|0', limit: 10, expiresAt: Date.now() + 60_000 },
      { key: 'r|workspace:team-b|tokens:10:hour|0', limit: 10, expiresAt: Date.now() + 60_000 },
    ];
    await store.admit({ reservationId: 'x', counters, amounts: [1, 1, 1], now: Date.now(), ttlMs: 60_000 });
    const keys = await redis.client.keys(`{${prefix}}*`);
    // 3 counters + the namespace's reservations (res, amt).
    expect(keys).toHaveLength(5);
    expect(keys.filter((k) => k.startsWith(`{${prefix}}:c:`))).toHaveLength(3);
    // Every key hashes on the {prefix} tag: one slot (this server has no cluster mode to ask).
    expect(new Set(keys.map(hashTag))).toEqual(new Set([prefix]));
  });

  it('shares its policy log and revocations with every store on the same prefix (another client, another process), under one hash tag', async () => {
    const prefix = `pol-${randomUUID()}`;
    const a = redisStore({ client: redis.client, prefix });
    const b = redisStore({ client: redis.newClient(), prefix });
    const other = redisStore({ client: redis.client, prefix: `${prefix}-other` });
    expect(await a.appendPolicyChange!({ change: '{"from":"a"}', revoke: ['key:leaked'] })).toBe(1);
    expect(await b.appendPolicyChange!({ change: '{"from":"b"}' })).toBe(2);
    expect(await b.readPolicyChanges!(0, 10)).toEqual([
      { version: 1, change: '{"from":"a"}' },
      { version: 2, change: '{"from":"b"}' },
    ]);
    const counters = [{ key: 'r|key:leaked|requests:10:minute|0', limit: 10, expiresAt: Date.now() + 60_000 }];
    const admit = (store: typeof a) => store.admit({ reservationId: randomUUID(), counters, amounts: [1], now: Date.now(), ttlMs: 60_000, guards: ['key:leaked'] });
    expect(await admit(b)).toEqual({ admitted: false, revoked: 'key:leaked' });
    expect(await admit(other)).toMatchObject({ admitted: true });
    expect(await other.readPolicyChanges!(0, 10)).toEqual([]);
    const keys = await redis.client.keys(`{${prefix}}:*`);
    expect(new Set(keys.map(hashTag))).toEqual(new Set([prefix]));
    expect(keys.sort()).toEqual([`{${prefix}}:pol`, `{${prefix}}:rev`]);
  });

  it('recovers scripts after Redis forgot them (SCRIPT FLUSH, a restart)', async () => {
    const store = redisStore({ client: redis.client, prefix: `flush-${randomUUID()}` });
    const c = { key: 'c', limit: 10, expiresAt: null };
    await store.admit({ reservationId: 'a', counters: [c], amounts: [1], now: 1, ttlMs: 1_000 });
    await redis.client.script('FLUSH');
    const result = await store.admit({ reservationId: 'b', counters: [c], amounts: [1], now: 1, ttlMs: 1_000 });
    expect(result.admitted).toBe(true);
    expect(await store.read(['c'], 1)).toEqual([{ used: 0, reserved: 2, unsettled: 0 }]);
  });

  describe('operations issued together go as one command', () => {
    /** The test server's client, counting the scripts sent to it and how many operations each carried. */
    const counting = (failWith?: Error) => {
      const sent: Array<{ sha: string; keys: number }> = [];
      const client = {
        status: 'ready',
        evalsha: (sha: string, numKeys: number, ...rest: Array<string | number>) => {
          sent.push({ sha, keys: numKeys });
          return failWith ? Promise.reject(failWith) : redis.client.evalsha(sha, numKeys, ...rest);
        },
        eval: (source: string, numKeys: number, ...rest: Array<string | number>) => redis.client.eval(source, numKeys, ...rest),
      };
      return { client, sent };
    };

    it('50 admissions at once on a limit of 10: exactly 10 admitted, in the order issued, in a few commands; settled together, the counter is exact', async () => {
      const { client, sent } = counting();
      const store = redisStore({ client, prefix: `batch-${randomUUID()}` });
      const spec = { key: 'r|key:k|requests:10:minute|0', limit: 10, expiresAt: Date.now() + 60_000 };
      const now = Date.now();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.admit({ reservationId: `r-${i}`, counters: [spec], amounts: [1], now, ttlMs: 60_000 })));
      expect(results.map((r) => r.admitted)).toEqual(Array.from({ length: 50 }, (_, i) => i < 10));
      expect(results[10]).toMatchObject({ admitted: false, index: 0, state: { used: 0, reserved: 10 } });
      // One command per 16 operations at most, not one per operation.
      expect(sent.length).toBeLessThanOrEqual(4);
      expect(sent.every((s) => s.sha === REDIS_SCRIPT_SHAS.batch)).toBe(true);
      // Settlements of the admitted and a new wave of admissions, issued together, apply in order.
      const settled = Promise.all(Array.from({ length: 10 }, (_, i) => store.settle({ reservationId: `r-${i}`, counters: [spec], amounts: [1], actual: [1], now, reserved: true })));
      const again = Promise.all(Array.from({ length: 5 }, (_, i) => store.admit({ reservationId: `s-${i}`, counters: [spec], amounts: [1], now, ttlMs: 60_000 })));
      expect((await settled).at(-1)).toEqual([{ used: 10, reserved: 0, alerted: false, exhausted: false }]);
      // The counter is full of used requests: the wave issued after the settlements is refused.
      expect((await again).map((r) => r.admitted)).toEqual([false, false, false, false, false]);
      expect(await store.read([spec.key], now)).toEqual([{ used: 10, reserved: 0, unsettled: 0 }]);
    });

    it('a failed command fails each of its operations once, without trying them one by one (a script may have applied part of it)', async () => {
      const { client, sent } = counting(new Error('connection reset'));
      const store = redisStore({ client, prefix: `batch-fail-${randomUUID()}` });
      const spec = { key: 'c', limit: 10, expiresAt: null };
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.admit({ reservationId: `r-${i}`, counters: [spec], amounts: [1], now: 1, ttlMs: 1_000 })));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
      expect(results[0]).toMatchObject({ reason: { message: 'connection reset' } });
      expect(sent).toHaveLength(1);
    });

    it('the batch script is recovered after SCRIPT FLUSH too', async () => {
      const store = redisStore({ client: redis.client, prefix: `batch-flush-${randomUUID()}` });
      const spec = { key: 'c', limit: 10, expiresAt: null };
      const admitTwo = (tag: string) => Promise.all([0, 1].map((i) => store.admit({ reservationId: `${tag}-${i}`, counters: [spec], amounts: [1], now: 1, ttlMs: 1_000 })));
      await admitTwo('a');
      await redis.client.script('FLUSH');
      expect((await admitTwo('b')).every((r) => r.admitted)).toBe(true);
      expect(await store.read(['c'], 1)).toEqual([{ used: 0, reserved: 4, unsettled: 0 }]);
    });
  });

  it('expires its keys after their window (plus margin), so memory stays bounded', async () => {
    const prefix = `ttl-${randomUUID()}`;
    const store = redisStore({ client: redis.client, prefix });
    const expiresAt = Date.now() + 120_000;
    await store.admit({ reservationId: 'r', counters: [{ key: 'w', limit: 5, expiresAt }], amounts: [1], now: Date.now(), ttlMs: 60_000 });
    const [counterKey] = await redis.client.keys(`{${prefix}}:c:*`);
    const ttl = await redis.client.pttl(counterKey!);
    expect(ttl).toBeGreaterThan(100_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    // Reservation entries live until settled or expired: the namespace's keys hold only calls in flight.
    expect(await redis.client.zcard(`{${prefix}}:res`)).toBe(1);
    await store.settle({ reservationId: 'r', reserved: true, counters: [{ key: 'w', limit: 5, expiresAt }], amounts: [1], actual: [1], now: Date.now() });
    expect(await redis.client.zcard(`{${prefix}}:res`)).toBe(0);
    expect(await redis.client.hlen(`{${prefix}}:amt`)).toBe(0);
  });

  it('rejects a client without scripts, and a prefix with braces', () => {
    expect(() => redisStore({ client: {} as never })).toThrow(TypeError);
    expect(() => redisStore({ client: redis.client, prefix: 'a{b}' })).toThrow(/braces/);
  });
});
