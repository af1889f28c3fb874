import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

/** Whether this machine can run the Redis tests; under CI=true a missing server is a failure. */
export function redisAvailable(): boolean {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found) {
    const message = 'redis-server not found: the Redis store tests are SKIPPED (install redis-server to run them)';
    if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires them`);
    console.warn(`\n\n!!! ${message} !!!\n\n`);
  }
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, on a free loopback port, keeping nothing on disk. */
export class TestRedis {
  port = 0;
  #process: ChildProcess | null = null;

  /** Extra `redis-server` arguments (e.g. cluster mode). */
  constructor(readonly args: readonly string[] = []) {}

  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.args], {
      stdio: 'ignore',
    });
    this.#process = child;
    // Ready when it answers PING.
    const probe = new Redis({ port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {}); // refused until the server listens: expected
    for (let i = 0; i < 200; i++) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return this;
      } catch {
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Stops the server; `start()` brings it back on the same port (with no data). */
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    this.#process = null;
  }

  /**
   * A client that gives up fast when the server is down, as the failure-policy tests want. Some
   * tests stop the server on purpose: the connection errors that follow reach this listener (what
   * the tests assert is how commands and the gateway fail), not the output as unhandled events.
   */
  client(options: RedisOptions = {}): Redis {
    const client = new Redis({ port: this.port, host: '127.0.0.1', maxRetriesPerRequest: 1, ...options });
    client.on('error', () => {});
    return client;
  }
}

/**
 * A redis-server for the tests of one file: started before them, stopped after, with a client
 * that is disconnected at the end. `available` is false when no redis-server exists (see redisAvailable).
 */
export function useTestRedis(hooks: { beforeAll: (fn: () => Promise<void>) => void; afterAll: (fn: () => Promise<void>) => void }) {
  const available = redisAvailable();
  const server = new TestRedis();
  const clients: Redis[] = [];
  let shared: Redis | undefined;
  hooks.beforeAll(async () => {
    if (available) await server.start();
  });
  hooks.afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });
  return {
    available,
    server,
    /** The shared client of the file. */
    get client(): Redis {
      if (!shared) clients.push((shared = server.client()));
      return shared;
    },
    /** A new client, disconnected after the file's tests. */
    newClient(options: RedisOptions = {}): Redis {
      const c = server.client(options);
      clients.push(c);
      return c;
    },
  };
}

/**
 * The Redis Cluster hash tag of a key: what its slot is computed from (the part between the
 * first `{` and the next `}`, when not empty), or the whole key.
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
