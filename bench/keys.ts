/**
 * Runtime keys (`gateway.keys`): create, revoke and authenticate with N keys already made, on the
 * memory store and on Redis, and how long a key made in one gateway takes to authenticate in
 * another on the same Redis (the push).
 */
import { Redis } from 'ioredis';
import { createGateway, type Gateway, type Store } from '../src/index.js';
import { redisStore } from '../src/redis.js';
import { TestRedis } from '../test/helpers/redis-server.js';

export interface KeysFigures {
  keys: number;
  store: string;
  createMs: { p50: number; p99: number };
  revokeMs: { p50: number };
  authenticateMicros: { p50: number };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const gatewayOn = (store?: Store) => createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': {} } }], ...(store ? { store } : {}) });

async function measure(gateway: Gateway, keys: number, store: string): Promise<KeysFigures> {
  const made: Array<{ id: string; token: string }> = [];
  // Made 100 at a time: what is measured is one change with `keys` keys in place.
  while (made.length < keys) made.push(...(await Promise.all(Array.from({ length: Math.min(100, keys - made.length) }, () => gateway.keys.create({ workspace: 'team-a' })))));
  const create: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    made.push(await gateway.keys.create({ workspace: 'team-a' }));
    create.push(performance.now() - t);
  }
  const revoke: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await gateway.keys.revoke(made.pop()!.id);
    revoke.push(performance.now() - t);
  }
  const auth: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t = performance.now();
    gateway.keys.authenticate(made[i % made.length]!.token);
    auth.push((performance.now() - t) * 1000);
  }
  return { keys, store, createMs: { p50: percentile(create, 50), p99: percentile(create, 99) }, revokeMs: { p50: percentile(revoke, 50) }, authenticateMicros: { p50: percentile(auth, 50) } };
}

export async function benchKeys(sizes: readonly number[]): Promise<{ figures: KeysFigures[]; propagationMs: { p50: number; p99: number } }> {
  const figures: KeysFigures[] = [];
  for (const keys of sizes) {
    const gateway = gatewayOn();
    figures.push(await measure(gateway, keys, 'memory'));
    await gateway.close();
  }
  const server = await new TestRedis().start();
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis({ port: server.port, host: '127.0.0.1' });
    clients.push(c);
    return c;
  };
  try {
    for (const keys of sizes) {
      const gateway = gatewayOn(redisStore({ client: client(), prefix: `keys-${keys}` }));
      figures.push(await measure(gateway, keys, 'redis'));
      await gateway.close();
    }
    // Propagation: made in A, until B authenticates it (B hears of it by the push).
    const a = gatewayOn(redisStore({ client: client(), prefix: 'propagation' }));
    const b = gatewayOn(redisStore({ client: client(), prefix: 'propagation' }));
    await Promise.all([a.ready(), b.ready()]);
    const delays: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const { token } = await a.keys.create({ workspace: 'team-a' });
      while (b.keys.authenticate(token) === null) await new Promise<void>((resolve) => setImmediate(resolve));
      delays.push(performance.now() - t);
    }
    await Promise.all([a.close(), b.close()]);
    return { figures, propagationMs: { p50: percentile(delays, 50), p99: percentile(delays, 99) } };
  } finally {
    for (const c of clients) c.disconnect();
    await server.stop();
  }
}
