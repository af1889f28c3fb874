/**
 * The Redis part of `npm run bench`: the full policy with the Redis store on loopback, against a
 * redis-server the bench starts itself.
 */
import { Redis } from 'ioredis';
import { redisStore } from '../src/redis.js';
import { TestRedis } from '../test/helpers/redis-server.js';
import { fullPolicyGateway, gatewayCall } from './full-policy.js';
import { callsPerSecond as rate } from './throughput.js';

export interface RedisFigures {
  server: string;
  latencyMicros: { p50: number; p99: number; mean: number };
  /** One gateway call minus one bare PING round trip on the same connection, p50: the gateway's work besides its 2 round trips. */
  roundTripMicros: { p50: number };
  throughput: { sequential: number; concurrent64: number; concurrent64AutoPipelining: number };
  /** Settlements that passed the store timeout (250 ms) and were deferred, over the whole Redis run. */
  deferred: number;
  /**
   * Redis's own time in the scripts per gateway call at 64 in flight (INFO commandstats): what
   * one shard spends on a call of this policy (9 counters), so 1 s / this caps calls/s per shard.
   */
  scriptMicrosPerCall: number;
}

/** Microseconds Redis spent in EVALSHA and EVAL so far (INFO commandstats). */
async function scriptMicros(client: Redis): Promise<number> {
  const stats = await client.info('commandstats');
  let total = 0;
  for (const match of stats.matchAll(/cmdstat_eval(?:sha)?:calls=\d+,usec=(\d+)/g)) total += Number(match[1]);
  return total;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function latencies(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1_000);
  }
  return out.sort((a, b) => a - b);
}

export async function benchRedis(timeMs: number): Promise<RedisFigures> {
  const server = await new TestRedis().start();
  const plain = new Redis({ port: server.port, host: '127.0.0.1' });
  const piped = new Redis({ port: server.port, host: '127.0.0.1', enableAutoPipelining: true });
  try {
    const { gateway } = fullPolicyGateway({ store: redisStore({ client: plain, prefix: 'bench' }), storeTimeoutMs: 5_000 });
    const call = gatewayCall(gateway);
    const { gateway: pipedGateway } = fullPolicyGateway({ store: redisStore({ client: piped, prefix: 'bench-piped' }), storeTimeoutMs: 5_000 });
    const pipedCall = gatewayCall(pipedGateway);
    await rate(call, 8, 1_000); // warm-up: scripts loaded, JIT warm
    await rate(pipedCall, 8, 500);

    const n = Math.max(2_000, Math.round(timeMs * 2));
    const calls = await latencies(n, call);
    const pings = await latencies(n, () => plain.ping());
    const sequential = await rate(call, 1, timeMs / 2);
    const before = await scriptMicros(plain);
    const concurrent64 = await rate(call, 64, timeMs / 2);
    const spent = (await scriptMicros(plain)) - before;
    const figures: RedisFigures = {
      server: (await plain.info('server')).match(/redis_version:(\S+)/)?.[1] ?? 'unknown',
      latencyMicros: { p50: percentile(calls, 50), p99: percentile(calls, 99), mean: calls.reduce((a, b) => a + b, 0) / calls.length },
      roundTripMicros: { p50: percentile(pings, 50) },
      throughput: {
        sequential,
        concurrent64,
        concurrent64AutoPipelining: await rate(pipedCall, 64, timeMs / 2),
      },
      deferred: 0,
      scriptMicrosPerCall: spent / (concurrent64 * (timeMs / 2 / 1000)),
    };
    await gateway.flush();
    figures.deferred = gateway.stats().store.degraded.deferred;
    await gateway.close();
    await pipedGateway.close();
    return figures;
  } finally {
    plain.disconnect();
    piped.disconnect();
    await server.stop();
  }
}
