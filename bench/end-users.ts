/**
 * Limits for each end user (`npm run bench`): what one templated scope (a budget and a rate
 * limit for each user) and one concurrency limit add to a call under the full policy, and calls
 * per second while 1,000,000 distinct users make one call each, at the start and at the end of
 * the run: on the memory store (bounded by `maxCounters`) and on Redis (counters expire by TTL).
 */
import { Redis } from 'ioredis';
import { Bench, type Task } from 'tinybench';
import { memoryStore, type Store } from '../src/index.js';
import { redisStore } from '../src/redis.js';
import { TestRedis } from '../test/helpers/redis-server.js';
import { fullPolicyGateway, gatewayCall } from './full-policy.js';

export interface EndUserFigures {
  /** p50 of a call, full policy, memory store: without end-user limits, with them (one user), with them (a new user each call). */
  p50Micros: { base: number; sameUser: number; newUser: number };
  addedMicros: { sameUser: number; newUser: number };
  /** Calls/s over the first and the last 100,000 of 1,000,000 users (64 in flight), and their ratio. */
  millionUsers: Array<{ store: string; analyticsByUser: boolean; users: number; startCallsPerSecond: number; endCallsPerSecond: number; endOverStart: number; counters: number | null }>;
}

async function p50s(tasks: Record<string, () => unknown>, timeMs: number): Promise<Record<string, number>> {
  const bench = new Bench({ time: timeMs, warmupTime: 300, timestampProvider: 'hrtimeNow' });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks as Task[]) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
    out[task.name] = r.latency.p50! * 1000;
  }
  return out;
}

/** `users` calls, one per new user, 64 in flight; calls/s of the first and the last tenth. */
async function distinctUsers(store: Store, users: number, analyticsByUser = true) {
  // 64 calls at once wait on one Redis connection: a store timeout above the default 250 ms.
  const { gateway } = fullPolicyGateway({ store, endUsers: true, storeTimeoutMs: 5_000, analyticsByUser });
  let warm = 0;
  const warmUp = gatewayCall(gateway, () => `warm-up-${warm++}`);
  while (warm < 20_000) await Promise.all(Array.from({ length: 64 }, warmUp));
  let next = 0;
  const call = gatewayCall(gateway, () => `user-${next++}`);
  const tenth = Math.floor(users / 10);
  const marks: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < users) {
        if (next === tenth || next === users - tenth) marks.push(performance.now());
        await call();
      }
    }),
  );
  const end = performance.now();
  await gateway.close();
  return { startRate: tenth / ((marks[0]! - t0) / 1000), endRate: tenth / ((end - marks[1]!) / 1000) };
}

export async function benchEndUsers(timeMs: number, users = 1_000_000): Promise<EndUserFigures> {
  const base = fullPolicyGateway();
  const templated = fullPolicyGateway({ endUsers: true });
  let n = 0;
  const rounds: Array<Record<string, number>> = [];
  for (let i = 0; i < 3; i++) {
    rounds.push(
      await p50s(
        {
          base: gatewayCall(base.gateway),
          sameUser: gatewayCall(templated.gateway),
          newUser: gatewayCall(templated.gateway, () => `bench-user-${n++}`),
        },
        timeMs / 3,
      ),
    );
  }
  const median = (name: string) => rounds.map((r) => r[name]!).sort((a, b) => a - b)[1]!;
  const p50Micros = { base: median('base'), sameUser: median('sameUser'), newUser: median('newUser') };
  await base.gateway.close();
  await templated.gateway.close();

  const millionUsers: EndUserFigures['millionUsers'] = [];
  for (const byUser of [true, false]) {
    const memory = memoryStore();
    const m = await distinctUsers(memory, users, byUser);
    millionUsers.push({ store: 'memory', analyticsByUser: byUser, users, startCallsPerSecond: m.startRate, endCallsPerSecond: m.endRate, endOverStart: m.endRate / m.startRate, counters: memory.counterStats().counters });
  }
  if (process.env.BENCH_REDIS !== '0') {
    const server = await new TestRedis().start();
    const client = new Redis({ port: server.port, host: '127.0.0.1' });
    try {
      const r = await distinctUsers(redisStore({ client, prefix: 'bench-users' }), users);
      millionUsers.push({ store: 'redis', analyticsByUser: true, users, startCallsPerSecond: r.startRate, endCallsPerSecond: r.endRate, endOverStart: r.endRate / r.startRate, counters: null });
    } finally {
      client.disconnect();
      await server.stop();
    }
  }
  return { p50Micros, addedMicros: { sameUser: p50Micros.sameUser - p50Micros.base, newUser: p50Micros.newUser - p50Micros.base }, millionUsers };
}
