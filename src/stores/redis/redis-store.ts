import { createHash } from 'node:crypto';
import type { AnalyticsRead, AnalyticsWrite } from '../../analytics/analytics-storage.js';
import type { AdmitInput, AdmitResult, BudgetOrigin, BudgetRegistration, CounterSpec, CounterState, PolicyChangeInput, PolicyChangeRecord, SettledCounter, SettleInput, Store, UnsettledCall, CounterStore, PolicyLogStore, AnalyticsStore, CapacityNoticeStore } from '../store.js';
import type { AnalyticsCell } from '../../analytics/analytics-cell.js';
import { READ_ANALYTICS, RECORD_ANALYTICS } from './analytics-scripts.js';
import { ADMIT, APPEND_POLICY, BATCH, NEAREST, READ, READ_POLICY, REGISTER, SETTLE, TAKE_UNSETTLED } from './lua-scripts.js';
import { Batcher } from '../batcher.js';
import { dimsHashKey, parseRead, READ_CHUNK, readKeys, recordArgs } from './redis-analytics.js';

/**
 * What the store needs of a Redis client: scripts by hash, and by source when Redis does not know
 * the hash. An ioredis `Redis` or `Cluster` client fits; so does any client with these methods.
 */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  /** ioredis's connection state; `ready` when commands can be sent. */
  readonly status?: string;
  once?(event: 'ready' | 'end', listener: () => void): unknown;
  off?(event: 'ready' | 'end', listener: () => void): unknown;
  /** A second connection like this one (ioredis `duplicate()`): policy changes are pushed on it. */
  duplicate?(): RedisSubscriber;
}

/** What the store needs of a subscriber connection (an ioredis client in subscriber mode). */
export interface RedisSubscriber {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

/**
 * ioredis states in which the client will be ready soon: a command is held until then (the
 * gateway's `storeTimeoutMs` bounds the wait) rather than refused by a client whose offline queue
 * is off (`enableOfflineQueue: false`, as rate-limiter-flexible recommends).
 */
const COMING_UP = new Set(['connecting', 'connect', 'reconnecting']);

export interface RedisStoreOptions {
  /** An ioredis client (`new Redis(url)` or `new Cluster(nodes)`), connected or connecting. */
  client: RedisScriptClient;
  /**
   * Namespace of every key, used as the Redis Cluster hash tag: all of tollgate's keys share one
   * slot, so one request's counters are always in the same slot (no CROSSSLOT), and every script
   * is atomic on one node. Default `tollgate`.
   */
  prefix?: string;
}

interface Script {
  source: string;
  sha: string;
}

/** An admission, a settlement or a read of counters, as the batch script takes it. */
interface Operation {
  kind: 'a' | 's' | 'r';
  counters: readonly string[];
  args: ReadonlyArray<string | number>;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SCRIPTS = {
  admit: script(ADMIT),
  settle: script(SETTLE),
  batch: script(BATCH),
  read: script(READ),
  register: script(REGISTER),
  recordAnalytics: script(RECORD_ANALYTICS),
  readAnalytics: script(READ_ANALYTICS),
  appendPolicy: script(APPEND_POLICY),
  readPolicy: script(READ_POLICY),
  takeUnsettled: script(TAKE_UNSETTLED),
  nearest: script(NEAREST),
};

const OPERATION_SCRIPTS = { a: 'admit', s: 'settle', r: 'read' } as const;

/** Script hashes, pinned by a test: a changed script is a deliberate change. */
export const REDIS_SCRIPT_SHAS = Object.freeze(Object.fromEntries(Object.entries(SCRIPTS).map(([name, s]) => [name, s.sha])));

/**
 * A store shared by every process that uses the same Redis: budgets and rate limits hold for all
 * of them together. Each store call is one Lua script (EVALSHA, EVAL when Redis does not have it
 * yet, e.g. after a restart), so admission is one round trip and settlement is one more.
 *
 * Time: the gateway's clock (`now` of each call) decides windows, periods and reservation
 * expiry, so processes must agree on the time; see docs/stores.md on clock skew.
 */
export class RedisStore implements CounterStore, PolicyLogStore, AnalyticsStore, CapacityNoticeStore {
  readonly name = 'redis';
  readonly #client: RedisScriptClient;
  readonly #tag: string;
  /** The connection pushed messages arrive on, shared by every channel (see #listen). */
  #subscriber: { connection: RedisSubscriber; channels: Map<string, { listeners: Set<(message: string) => void>; ready: Promise<void> }> } | null = null;
  readonly #reservationKeys: readonly string[];
  readonly #digests = new WeakMap<CounterSpec, string>();
  /**
   * Admissions, settlements and reads issued in the same turn of the event loop go to Redis as one
   * command (the BATCH script), applied in the order they were issued. At 64 calls in flight a
   * command per operation made writing to the socket the largest cost of a call. Several smaller
   * commands are on their way at once, so that Redis runs one while this process handles the
   * replies of another.
   */
  readonly #batcher = new Batcher<Operation, unknown>({ engine: 'remote', maxSize: 16, maxInFlight: 16, retryAlone: false, run: (ops) => this.#runBatch(ops) });

  constructor(options: RedisStoreOptions) {
    if (!options || typeof options.client?.evalsha !== 'function' || typeof options.client.eval !== 'function') {
      throw new TypeError('redisStore({ client }): client must be an ioredis client (or have evalsha and eval)');
    }
    const prefix = options.prefix ?? 'tollgate';
    if (!/^[^{}]+$/.test(prefix)) throw new TypeError(`redisStore: prefix must be a non-empty string without braces (got '${prefix}')`);
    this.#client = options.client;
    this.#tag = `{${prefix}}`;
    this.#reservationKeys = [`${this.#tag}:res`, `${this.#tag}:exp`, `${this.#tag}:amt`, `${this.#tag}:not`, `${this.#tag}:uns`];
  }

  /**
   * A counter's Redis key: a digest of the gateway's key (22 characters of SHA-256). The gateway's
   * keys run to a hundred bytes, nine per call; sent twice per call and stored in every
   * reservation, they made serializing commands the largest cost of a call. Specs are reused for
   * a whole window, so the digest is computed once per counter and window.
   */
  #counterKey(spec: CounterSpec): string {
    let key = this.#digests.get(spec);
    if (key === undefined) {
      key = `${this.#tag}:c:${createHash('sha256').update(spec.key).digest('base64url').slice(0, 22)}`;
      this.#digests.set(spec, key);
    }
    return key;
  }

  /** Resolves when the client is ready, or has ended (then the command fails as it would). */
  #ready: Promise<void> | null = null;

  #whenReady(): Promise<void> {
    const client = this.#client;
    return (this.#ready ??= new Promise<void>((resolve) => {
      const done = () => {
        client.off?.('ready', done);
        client.off?.('end', done);
        this.#ready = null;
        resolve();
      };
      client.once!('ready', done);
      client.once!('end', done);
    }));
  }

  async #run(s: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const status = this.#client.status;
    if (status !== undefined && status !== 'ready' && COMING_UP.has(status) && this.#client.once) await this.#whenReady();
    try {
      return await this.#client.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // A Redis that restarted (or never saw the script) answers NOSCRIPT: send the source once.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.#client.eval(s.source, keys.length, ...keys, ...args);
    }
  }

  #enqueue(kind: Operation['kind'], specs: readonly CounterSpec[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return Promise.resolve(this.#batcher.submit({ kind, counters: specs.map((spec) => this.#counterKey(spec)), args }));
  }

  /** One operation as its own script; several as the batch script: one reply per operation. */
  async #runBatch(ops: Operation[]): Promise<unknown[]> {
    if (ops.length === 1) {
      const op = ops[0]!;
      return [await this.#run(SCRIPTS[OPERATION_SCRIPTS[op.kind]], [...this.#reservationKeys, ...op.counters], op.args)];
    }
    const keys = this.#reservationKeys.slice();
    const args: Array<string | number> = [];
    for (const op of ops) {
      keys.push(...op.counters);
      args.push(op.kind, op.counters.length, op.args.length, ...op.args);
    }
    return (await this.#run(SCRIPTS.batch, keys, args)) as unknown[];
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    let packed = '';
    input.counters.forEach(
      (c, i) => (packed += `${c.limit},${input.amounts[i]},${c.expiresAt ?? -1},${c.announceAtLimit ? (c.exhaustedAt ?? c.limit) : -1},${c.releaseOnExpiry ? 1 : 0};`),
    );
    const args: Array<string | number> = [input.now, input.ttlMs, input.reservationId, packed, input.counters.length > 0 && input.note ? input.note() : ''];
    if (input.guards) args.push(...input.guards);
    const reply = (await this.#enqueue('a', input.counters, args)) as number[];
    if (reply[0] === 1) return reply.length > 1 ? { admitted: true, totals: reply.slice(1) } : { admitted: true };
    if (reply[0] === 2) return { admitted: false, revoked: input.guards![reply[1]!]! };
    return { admitted: false, index: reply[1]!, state: { used: reply[2]!, reserved: reply[3]! }, first: reply[4] === 1 };
  }

  async settle(input: SettleInput): Promise<SettledCounter[]> {
    let packed = '';
    input.counters.forEach((c, i) => {
      const actual = input.actual[i]!;
      packed += `${actual - (input.amounts?.[i] ?? 0)},${actual},${c.limit},${c.alertAt ?? -1},${c.announceAtLimit ? 1 : 0},${c.expiresAt ?? -1},${c.releaseOnExpiry ? 1 : 0};`;
    });
    const args: Array<string | number> = [input.now, input.reservationId, input.reserved ? 'r' : 'u', packed];
    input.counters.forEach((c, i) => {
      if (c.rank) args.push(i + 1, this.#rankKey(c.rank.index), c.rank.member);
    });
    const reply = (await this.#enqueue('s', input.counters, args)) as number[];
    const settled: SettledCounter[] = [];
    for (let i = 0; i < reply.length; i += 4) {
      const alerted = reply[i + 2];
      settled.push({ used: reply[i]!, reserved: reply[i + 1]!, alerted: alerted === 1, exhausted: reply[i + 3] === 1, ...(alerted === -1 ? { applied: false } : {}) });
    }
    return settled;
  }

  async read(keys: readonly string[], now: number): Promise<CounterState[]> {
    if (keys.length === 0) return [];
    // Through the batcher like admissions and settlements: a read issued after a settlement is
    // applied after it (read your writes), even while that settlement waits for its command.
    const specs = keys.map((key) => ({ key, limit: 0, expiresAt: null }));
    const reply = (await this.#enqueue('r', specs, [now])) as number[][];
    return reply.map(([used, reserved, unsettled]) => ({ used: used!, reserved: reserved!, unsettled: unsettled ?? 0 }));
  }

  async nearest(index: string, n: number): Promise<string[]> {
    return (await this.#run(SCRIPTS.nearest, [this.#rankKey(index)], [n])) as string[];
  }

  /** An index's sorted set: a digest of its name, under the namespace's hash tag (kept: a period's indexes come back call after call). */
  #rankKey(index: string): string {
    let key = this.#rankKeys.get(index);
    if (key === undefined) {
      if (this.#rankKeys.size >= 10_000) this.#rankKeys.clear();
      key = `${this.#tag}:rk:${createHash('sha256').update(index).digest('base64url').slice(0, 22)}`;
      this.#rankKeys.set(index, key);
    }
    return key;
  }

  readonly #rankKeys = new Map<string, string>();

  async takeUnsettled(now: number, limit: number): Promise<UnsettledCall[]> {
    const reply = (await this.#run(SCRIPTS.takeUnsettled, this.#reservationKeys, [now, limit])) as string[];
    const taken: UnsettledCall[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) taken.push({ reservationId: reply[i]!, note: reply[i + 1]!, expiredAt: Number(reply[i + 2]) });
    return taken;
  }

  /** One script: the log entry and its revocations are applied together, and numbered by Redis. */
  /** The smallest command every client kind takes (a Cluster too: no key, any node). */
  async ping(): Promise<void> {
    await this.#client.eval('return 1', 0);
  }

  async appendPolicyChange(input: PolicyChangeInput): Promise<number> {
    const revoke = input.revoke ?? [];
    const args = [input.change, input.deadline ?? 0, revoke.length, ...revoke, ...(input.restore ?? [])];
    const version = Number(await this.#run(SCRIPTS.appendPolicy, [`${this.#tag}:pol`, `${this.#tag}:rev`], args));
    if (version < 0) throw new Error('policy change refused: it reached Redis after its deadline');
    return version;
  }

  /** Pushed by the append script (PUBLISH on the log's key), on a connection of its own. */
  /** One PUBLISH on `{prefix}:cap`: the origin, then a notice per line. */
  async announceCapacity(notices: readonly string[], origin: string): Promise<void> {
    await this.#client.eval("return redis.call('PUBLISH', KEYS[1], ARGV[1])", 1, `${this.#tag}:cap`, [origin, ...notices].join('\n'));
  }

  watchCapacity(onNotice: (notice: string, origin: string) => void): { ready: Promise<void>; stop(): void } {
    return this.#listen(`${this.#tag}:cap`, (message) => {
      const [origin, ...notices] = message.split('\n');
      for (const notice of notices) onNotice(notice, origin!);
    });
  }

  watchPolicyChanges(onAppend: () => void): { ready: Promise<void>; stop(): void } {
    return this.#listen(`${this.#tag}:pol`, () => onAppend());
  }

  /**
   * Listens on a channel, on one subscriber connection shared by every channel of this store
   * (ioredis `duplicate()`), made by the first listener and closed with the last. A lost
   * connection only delays what it carries: the policy log is read every `policyPollMs` anyway,
   * and a capacity notice lost leaves each gateway to what its own calls tell it.
   */
  #listen(channel: string, onMessage: (message: string) => void): { ready: Promise<void>; stop(): void } {
    if (typeof this.#client.duplicate !== 'function') return { ready: Promise.resolve(), stop: () => {} };
    if (!this.#subscriber) {
      const connection = this.#client.duplicate();
      const channels = new Map<string, { listeners: Set<(message: string) => void>; ready: Promise<void> }>();
      connection.on('error', () => {});
      connection.on('message', (from, message) => {
        for (const listener of channels.get(from)?.listeners ?? []) listener(message);
      });
      this.#subscriber = { connection, channels };
    }
    const subscriber = this.#subscriber;
    let entry = subscriber.channels.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), ready: subscriber.connection.subscribe(channel).then(() => {}) };
      subscriber.channels.set(channel, entry);
    }
    entry.listeners.add(onMessage);
    const listeners = entry.listeners;
    return {
      ready: entry.ready,
      stop: () => {
        listeners.delete(onMessage);
        if ([...subscriber.channels.values()].every((e) => e.listeners.size === 0) && this.#subscriber === subscriber) {
          this.#subscriber = null;
          subscriber.connection.disconnect();
        }
      },
    };
  }

  async readPolicyChanges(after: number, limit: number): Promise<PolicyChangeRecord[]> {
    const from = Math.max(0, after);
    const reply = (await this.#run(SCRIPTS.readPolicy, [`${this.#tag}:pol`], [from, limit])) as string[];
    return reply.map((change, i) => ({ version: from + i + 1, change }));
  }

  /** One script per batch (the gateway batches per second): never on a call's path. */
  async recordAnalytics(cells: readonly AnalyticsCell[], options: AnalyticsWrite): Promise<void> {
    if (cells.length === 0) return;
    const { keys, args } = recordArgs(this.#tag, cells, options);
    await this.#run(SCRIPTS.recordAnalytics, keys, args);
  }

  async readAnalytics(read: AnalyticsRead): Promise<AnalyticsCell[]> {
    const buckets = readKeys(this.#tag, read);
    const cells: AnalyticsCell[] = [];
    for (let i = 0; i < buckets.length; i += READ_CHUNK) {
      const chunk = buckets.slice(i, i + READ_CHUNK);
      const reply = (await this.#run(SCRIPTS.readAnalytics, [dimsHashKey(this.#tag), ...chunk.map((b) => b.key)], [])) as unknown[];
      cells.push(...parseRead(reply, chunk.map((b) => b.start)));
    }
    return cells;
  }

  async registerBudgets(origins: readonly BudgetOrigin[], now: number): Promise<BudgetRegistration[]> {
    if (origins.length === 0) return [];
    const keys = origins.map((o) => `${this.#tag}:b:${o.origin}`);
    const args: Array<string | number> = [now];
    for (const o of origins) args.push(o.ids.length, ...o.ids);
    const reply = (await this.#run(SCRIPTS.register, keys, args)) as Array<[number, string[], string[], string[]]>;
    return origins.map((o, i) => {
      const [known, added, removed, setAts] = reply[i]!;
      const setAt: Record<string, number> = {};
      o.ids.forEach((id, j) => (setAt[id] = Number(setAts[j])));
      return { origin: o.origin, setAt, added, removed, known: known === 1 };
    });
  }
}

/**
 * Limits shared by every process that uses the same Redis.
 * @example
 * import { Redis } from 'ioredis';
 * import { redisStore } from 'tollgate/redis';
 * createGateway({ ..., store: redisStore({ client: new Redis(process.env.REDIS_URL) }) });
 */
export function redisStore(options: RedisStoreOptions): Store {
  return new RedisStore(options);
}
