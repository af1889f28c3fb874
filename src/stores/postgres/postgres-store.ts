import type { Pool, PoolClient } from 'pg';
import type { AnalyticsCell } from '../../analytics/analytics-cell.js';
import type { AnalyticsRead, AnalyticsWrite } from '../../analytics/analytics-storage.js';
import { cellsOf, keptFrom, readFrom, rowsOf } from '../sql/analytics-rows.js';
import { Batcher } from '../batcher.js';
import type { AdmitInput, AdmitResult, BudgetOrigin, BudgetRegistration, CounterState, PolicyChangeInput, PolicyChangeRecord, SettledCounter, SettleInput, UnsettledCall, CounterStore, PolicyLogStore, AnalyticsStore, LedgerStore, CapacityNoticeStore } from '../store.js';
import { decodeBatch, encodeBatch, type BatchOp } from './postgres-batch.js';
import { postgresSchema } from './postgres-schema.js';

export interface PostgresStoreOptions {
  /** The schema holding the store's tables and functions (one per namespace). Default `tollgate`. */
  schema?: string;
}

/** What the store needs of a node-postgres `Pool`. */
export type PostgresPool = Pick<Pool, 'query' | 'connect'> & { on?: Pool['on'] };

/** Pools whose 'error' events a store listens to: once per pool, however many stores share it. */
const listened = new WeakSet<object>();

/** How long a batch id is remembered: a batch sent again within it is not applied twice. */
const BATCH_MARKER_MS = 24 * 3_600_000;
/** How often, at most, rows no call needs any more are deleted (off any call's path). */
const CLEANUP_EVERY_MS = 10_000;
/** How often, at most (by the calls' clock), reservations past their expiry are released. */
const SWEEP_EVERY_MS = 1_000;
/** Expired reservations released by one sweep, at most. */
const SWEEP_BATCH = 1_000;
/** Batches on their way at once: a second one is sent while the first commits (it waits for the first's row locks, but not for a round trip). */
const BATCHES_IN_FLIGHT = 2;
/** Admissions and settlements in one batch, at most. */
const BATCH_SIZE = 256;

type Op = BatchOp;

const int = (value: unknown): number => Number(value);

/**
 * A store in PostgreSQL (node-postgres), for fleets and finance: every counter, reservation,
 * budget, policy change and settled call is a row. Admissions and settlements issued together go
 * in one batch: one statement calling `apply` (one round trip, one transaction), which locks in a
 * stable order so that concurrent batches never deadlock. `migrate()` creates the schema
 * (idempotent); the SQL is in `postgresSchema(name)`. Policy changes are pushed with LISTEN/NOTIFY.
 *
 * A batch of admissions only commits asynchronously: a database crash may forget an admission,
 * whose settlement then records the usage anyway (there is no reservation to release). Losing a
 * reservation lets other calls in while the call runs; losing a settled call would lose spend, so
 * any batch with a settlement commits durably.
 */
export class PostgresStore implements CounterStore, PolicyLogStore, AnalyticsStore, LedgerStore, CapacityNoticeStore {
  readonly name = 'postgres';
  readonly ledger = true;
  readonly schema: string;
  readonly #pool: PostgresPool;
  readonly #s: string;
  #nextCleanup = 0;
  #nextSweep = 0;
  /** The connection notifications arrive on, shared by every channel (see #listen). */
  #listener: PostgresListener | null = null;
  readonly #batcher = new Batcher<Op, AdmitResult | SettledCounter[]>({
    run: (ops) => this.#run(ops),
    engine: 'remote',
    maxInFlight: BATCHES_IN_FLIGHT,
    maxSize: BATCH_SIZE,
  });

  constructor(options: { pool: PostgresPool } & PostgresStoreOptions) {
    if (!options?.pool || typeof options.pool.query !== 'function') throw new TypeError('postgresStore: give { pool } (a node-postgres Pool)');
    const schema = options.schema ?? 'tollgate';
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema)) throw new TypeError(`postgresStore: schema must be lowercase letters, digits and _ (got ${JSON.stringify(schema)})`);
    this.schema = schema;
    this.#pool = options.pool;
    this.#s = `"${schema}"`;
    // A pool emits 'error' when an idle connection fails (the server restarted, or ended it): an
    // event nobody listens to would end the process. The pool has already dropped that
    // connection and opens another for the next query; a query that fails meanwhile fails as a
    // store error, which the gateway's onStoreError handles and announces.
    if (!listened.has(options.pool)) {
      listened.add(options.pool);
      options.pool.on?.('error', () => {});
    }
  }

  /** Creates the schema, its tables and functions if missing, and updates the functions. Run once per deploy. */
  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      // One migration at a time across processes (CREATE OR REPLACE FUNCTION races otherwise).
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`${this.schema}.migrate`]);
      await client.query(postgresSchema(this.schema));
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`${this.schema}.migrate`]).catch(() => {});
      client.release();
    }
  }

  admit(input: AdmitInput): Promise<AdmitResult> {
    return this.#batcher.submit({ kind: 0, input }) as Promise<AdmitResult>;
  }

  settle(input: SettleInput): Promise<SettledCounter[]> {
    return this.#batcher.submit({ kind: 1, input }) as Promise<SettledCounter[]>;
  }

  async read(keys: readonly string[], now: number): Promise<CounterState[]> {
    await this.#sweepIfDue(now);
    const { rows } = await this.#pool.query({ name: `${this.schema}.read`, text: `SELECT ${this.#s}.read($1) AS r`, values: [keys] });
    const flat = (rows[0].r as string[]).map(int);
    return keys.map((_, i) => ({ used: flat[3 * i]!, reserved: flat[3 * i + 1]!, unsettled: flat[3 * i + 2]! }));
  }

  async nearest(index: string, n: number, now: number): Promise<string[]> {
    const { rows } = await this.#pool.query({ name: `${this.schema}.nearest`, text: `SELECT m FROM ${this.#s}.nearest($1, $2, $3) AS m`, values: [index, n, now] });
    return (rows as Array<{ m: string }>).map((r) => r.m);
  }

  async takeUnsettled(now: number, limit: number): Promise<UnsettledCall[]> {
    await this.#sweepIfDue(now);
    const { rows } = await this.#pool.query({ name: `${this.schema}.take_unsettled`, text: `SELECT id, note, expired_at FROM ${this.#s}.take_unsettled($1)`, values: [limit] });
    return (rows as Array<{ id: string; note: string; expired_at: string }>).map((r) => ({ reservationId: r.id, note: r.note, expiredAt: int(r.expired_at) }));
  }

  async registerBudgets(origins: readonly BudgetOrigin[], now: number): Promise<BudgetRegistration[]> {
    const { rows } = await this.#pool.query(`SELECT ${this.#s}.register_budgets($1, $2) AS r`, [JSON.stringify(origins), now]);
    return (rows[0].r as Array<BudgetRegistration & { setAt: Record<string, number | string> }>).map((r) => ({
      ...r,
      setAt: Object.fromEntries(Object.entries(r.setAt).map(([id, at]) => [id, int(at)])),
    }));
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async appendPolicyChange(input: PolicyChangeInput): Promise<number> {
    const { rows } = await this.#pool.query(`SELECT ${this.#s}.append_policy($1, $2, $3, $4) AS v`, [input.change, input.deadline ?? 0, input.revoke ?? [], input.restore ?? []]);
    const version = int(rows[0].v);
    if (version < 0) throw new Error('policy change refused: it reached PostgreSQL after its deadline');
    return version;
  }

  async readPolicyChanges(after: number, limit: number): Promise<PolicyChangeRecord[]> {
    const { rows } = await this.#pool.query(`SELECT version, change FROM ${this.#s}.policy_log WHERE version > $1 ORDER BY version LIMIT $2`, [Math.max(0, after), limit]);
    return rows.map((r: { version: string; change: string }) => ({ version: int(r.version), change: r.change }));
  }

  /** LISTEN on a connection of its own: a lost connection only delays changes to the next poll. */
  watchPolicyChanges(onAppend: () => void): { ready: Promise<void>; stop(): void } {
    return this.#listen(`${this.schema}_policy`, () => onAppend());
  }

  /** One NOTIFY on `<schema>_capacity`: the origin, then a notice per line. */
  async announceCapacity(notices: readonly string[], origin: string): Promise<void> {
    await this.#pool.query('SELECT pg_notify($1, $2)', [`${this.schema}_capacity`, [origin, ...notices].join('\n')]);
  }

  watchCapacity(onNotice: (notice: string, origin: string) => void): { ready: Promise<void>; stop(): void } {
    return this.#listen(`${this.schema}_capacity`, (payload) => {
      const [origin, ...notices] = payload.split('\n');
      for (const notice of notices) onNotice(notice, origin!);
    });
  }

  /**
   * LISTENs on a channel, on one connection of the pool shared by every channel of this store,
   * taken by the first listener and destroyed with the last (a pooled connection must not keep
   * listening for someone else).
   */
  #listen(channel: string, onPayload: (payload: string) => void): { ready: Promise<void>; stop(): void } {
    if (!this.#listener) {
      const channels = new Map<string, Set<(payload: string) => void>>();
      const listener: PostgresListener = { client: null, stopped: false, channels, connected: null as unknown as Promise<PoolClient | null> };
      listener.connected = this.#pool.connect().then(
        (client) => {
          if (listener.stopped) {
            client.release(true);
            return null;
          }
          listener.client = client;
          client.on('notification', (message) => {
            for (const handler of channels.get(message.channel) ?? []) handler(message.payload ?? '');
          });
          client.on('error', () => {});
          return client;
        },
        () => null,
      );
      this.#listener = listener;
    }
    const listener = this.#listener;
    let handlers = listener.channels.get(channel);
    const first = !handlers;
    if (!handlers) listener.channels.set(channel, (handlers = new Set()));
    handlers.add(onPayload);
    const ready = first
      ? listener.connected.then(async (client) => {
          if (client === null) throw new Error(`postgres store: no connection to LISTEN on ${channel}`);
          await client.query(`LISTEN "${channel}"`);
        })
      : listener.connected.then(() => {});
    ready.catch(() => {});
    return {
      ready,
      stop: () => {
        handlers.delete(onPayload);
        if ([...listener.channels.values()].every((set) => set.size === 0) && this.#listener === listener) {
          this.#listener = null;
          listener.stopped = true;
          listener.client?.release(true);
          listener.client = null;
        }
      },
    };
  }

  async recordAnalytics(cells: readonly AnalyticsCell[], options: AnalyticsWrite): Promise<void> {
    const { now, retention, batchId } = options;
    await this.#pool.query(`SELECT ${this.#s}.record_analytics($1, $2, $3, $4, $5)`, [
      batchId,
      now,
      BATCH_MARKER_MS,
      JSON.stringify(keptFrom(now, retention)),
      JSON.stringify(rowsOf(cells, options)),
    ]);
  }

  async readAnalytics(read: AnalyticsRead): Promise<AnalyticsCell[]> {
    const { rows } = await this.#pool.query(`SELECT start, dims, field, value FROM ${this.#s}.analytics WHERE level = $1 AND start >= $2 AND start < $3`, [
      read.granularity,
      readFrom(read),
      read.to,
    ]);
    return cellsOf(rows as Array<{ start: string; dims: string; field: string; value: string }>);
  }

  /** One batch of admissions and settlements: one statement, one transaction (`apply` in the schema). */
  async #run(ops: Op[]): Promise<Array<AdmitResult | SettledCounter[]>> {
    const now = Math.max(...ops.map((op) => op.input.now));
    this.#cleanupSoon(now);
    await this.#sweepIfDue(now);
    const { rows } = await this.#pool.query({
      name: `${this.schema}.apply`,
      text: `SELECT ${this.#s}.apply($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) AS r`,
      values: encodeBatch(ops, now),
    });
    return decodeBatch(ops, rows[0].r as string[]);
  }

  /**
   * Releases reservations past their expiry, at most once a second by the calls' clock (a
   * killed process holds budget no longer than `reservationTtlMs` and this). It runs before the
   * batch, in its own transaction: it locks in the order `apply` does.
   */
  async #sweepIfDue(now: number): Promise<void> {
    // Once per SWEEP_EVERY_MS; a clock stepped back (NTP, another process's) sweeps at once
    // instead of holding expired reservations until it catches up.
    if (now < this.#nextSweep && this.#nextSweep - now <= SWEEP_EVERY_MS) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    await this.#pool.query({ name: `${this.schema}.release_expired`, text: `SELECT ${this.#s}.release_expired($1, $2)`, values: [now, SWEEP_BATCH] });
  }

  /** Deletes what no call needs any more, at most every 10 seconds, in the background. */
  #cleanupSoon(now: number): void {
    if (now < this.#nextCleanup) return;
    this.#nextCleanup = now + CLEANUP_EVERY_MS;
    this.#pool.query(`SELECT ${this.#s}.cleanup($1)`, [now]).catch(() => {});
  }
}

/**
 * A store in PostgreSQL. Run `await store.migrate()` once (it is idempotent) before use.
 * @example const store = postgresStore({ pool: new pg.Pool({ connectionString }) }); await store.migrate();
 */
export function postgresStore(options: { pool: PostgresPool } & PostgresStoreOptions): PostgresStore {
  return new PostgresStore(options);
}

export { postgresSchema };

/** The LISTEN connection of a store and the handlers of each channel. */
interface PostgresListener {
  client: PoolClient | null;
  stopped: boolean;
  channels: Map<string, Set<(payload: string) => void>>;
  connected: Promise<PoolClient | null>;
}
