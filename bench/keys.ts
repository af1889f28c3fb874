/**
 * Runtime keys (`gateway.keys`): create, revoke and authenticate with N keys already made, and
 * how long a gateway on a store holding N keys takes to be ready (it replays the policy log), on
 * the memory store and on Redis; and how long a key made in one process takes to reach a gateway
 * in another process on the same Redis (the push).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createGateway, memoryStore, type Store } from '../src/index.js';
import { redisStore } from '../src/redis.js';
import { TestRedis } from '../test/helpers/redis-server.js';

export interface KeysFigures {
  keys: number;
  store: string;
  createMs: { p50: number; p99: number };
  revokeMs: { p50: number; p99: number };
  authenticateMicros: { p50: number };
  /** createGateway on a store that holds the keys, until `ready()` resolves. */
  readyMs: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const gatewayOn = (store: Store) => createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': {} } }], store });

/** Wall time in ms with sub-ms precision, comparable between processes of one machine. */
const wallMs = () => performance.timeOrigin + performance.now();

async function measure(keys: number, store: string, makeStore: () => Store): Promise<KeysFigures> {
  const gateway = gatewayOn(makeStore());
  await gateway.ready();
  const made: Array<{ id: string; token: string }> = [];
  // Made 500 at a time: what is measured is one change with `keys` keys in place.
  while (made.length < keys) made.push(...(await Promise.all(Array.from({ length: Math.min(500, keys - made.length) }, () => gateway.keys.create({ workspace: 'team-a' })))));
  const create: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    made.push(await gateway.keys.create({ workspace: 'team-a' }));
    create.push(performance.now() - t);
  }
  const revoke: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await gateway.keys.revoke(made.pop()!.id);
    revoke.push(performance.now() - t);
  }
  const auth: number[] = [];
  for (let i = 0; i < 5_000; i++) {
    const token = made[(i * 7919) % made.length]!.token;
    const t = performance.now();
    gateway.keys.authenticate(token);
    auth.push((performance.now() - t) * 1000);
  }
  const t = performance.now();
  const next = gatewayOn(makeStore());
  await next.ready();
  const readyMs = performance.now() - t;
  await Promise.all([gateway.close(), next.close()]);
  return {
    keys,
    store,
    createMs: { p50: percentile(create, 50), p99: percentile(create, 99) },
    revokeMs: { p50: percentile(revoke, 50), p99: percentile(revoke, 99) },
    authenticateMicros: { p50: percentile(auth, 50) },
    readyMs,
  };
}

/**
 * The other process of the propagation bench (this bundle run with TOLLGATE_BENCH_LISTENER):
 * a gateway on the Redis given, printing `ready`, then `<id> <wall ms>` for each key it applies.
 */
export async function listen(): Promise<void> {
  const client = new Redis({ port: Number(process.env.TOLLGATE_BENCH_LISTENER), host: '127.0.0.1' });
  const gateway = gatewayOn(redisStore({ client, prefix: 'propagation' }));
  gateway.on('key.created', (key) => process.stdout.write(`${key.id} ${wallMs()}\n`));
  await gateway.ready();
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.on('end', resolve).resume());
  await gateway.close();
  client.disconnect();
}

/** A key made here, until a gateway in another process has applied it. */
async function propagation(port: number, script: string): Promise<{ p50: number; p99: number }> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, TOLLGATE_BENCH_LISTENER: String(port) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const client = new Redis({ port, host: '127.0.0.1' });
  const gateway = gatewayOn(redisStore({ client, prefix: 'propagation' }));
  try {
    await gateway.ready();
    if ((await lines.next()).value !== 'ready') throw new Error('the listening process did not start');
    const delays: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = wallMs();
      const { id } = await gateway.keys.create({ workspace: 'team-a' });
      const [seen, at] = String((await lines.next()).value).split(' ');
      if (seen !== id) throw new Error(`the listening process applied ${seen}, not ${id}`);
      delays.push(Number(at) - t);
    }
    return { p50: percentile(delays, 50), p99: percentile(delays, 99) };
  } finally {
    child.stdin!.end();
    await gateway.close();
    client.disconnect();
  }
}

export async function benchKeys(sizes: readonly number[]): Promise<{ figures: KeysFigures[]; propagationMs: { p50: number; p99: number } }> {
  const figures: KeysFigures[] = [];
  for (const keys of sizes) {
    const store = memoryStore();
    figures.push(await measure(keys, 'memory', () => store));
  }
  const server = await new TestRedis().start();
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis({ port: server.port, host: '127.0.0.1' });
    clients.push(c);
    return c;
  };
  try {
    for (const keys of sizes) figures.push(await measure(keys, 'redis', () => redisStore({ client: client(), prefix: `keys-${keys}` })));
    return { figures, propagationMs: await propagation(server.port, process.argv[1]!) };
  } finally {
    for (const c of clients) c.disconnect();
    await server.stop();
  }
}
