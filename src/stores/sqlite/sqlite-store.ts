import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { AnalyticsCell } from '../../analytics/analytics-cell.js';
import type { AnalyticsRead, AnalyticsWrite } from '../../analytics/analytics-storage.js';
import { cellsOf, keptFrom, readFrom, rowsOf } from '../sql/analytics-rows.js';
import { Batcher } from '../batcher.js';
import type { AdmitInput, AdmitResult, BudgetOrigin, BudgetRegistration, CounterSpec, CounterState, MaybePromise, PolicyChangeInput, PolicyChangeRecord, SettledCounter, SettleInput, UnsettledCall, CounterStore, PolicyLogStore, AnalyticsStore } from '../store.js';
import { sqliteColumnsAdded, sqliteSchema } from './sqlite-schema.js';
import { StoreUnavailableError } from '../../errors/runtime-errors.js';

export interface SqliteStoreOptions {
  /** Table names start with it (`tollgate_counters`...), so one database can hold several stores. Default `tollgate`. */
  prefix?: string;
  /**
   * How long a call waits for another process's write transaction before it fails (and the
   * gateway's `onStoreError` applies). better-sqlite3 is synchronous: the wait blocks this
   * process's event loop, so keep it short; transactions last microseconds. Default 250 ms.
   */
  busyTimeoutMs?: number;
  /**
   * `normal` (default): a committed call survives the process being killed (WAL); `full`: it
   * also survives a power loss, at the cost of an fsync per transaction.
   */
  synchronous?: 'normal' | 'full';
}

type Op = { kind: 0; input: AdmitInput } | { kind: 1; input: SettleInput };

/** Counters live in `{prefix}_counters`; a reservation in `{prefix}_reservations` (see the schema). */
interface CounterRow {
  used: number;
  reserved: number;
  unsettled: number;
  alerted: number;
  announced: number;
}

/** How long a reservation released on expiry can still be settled (its usage recorded once). */
const KEEP_EXPIRED_MS = 24 * 3_600_000;
/**
 * How often, at most (by the calls' clock), reservations past their expiry are released and
 * counters past theirs deleted, as the memory store does: a killed process's reservations are
 * released at most this long after they expire.
 */
const SWEEP_EVERY_MS = 1_000;
/** Expired reservations released by one call, at most. */
const PURGE_BATCH = 100;
/** Calls in one transaction, at most. */
const BATCH_SIZE = 256;

/**
 * How long opening a file keeps trying while other processes hold it: processes that start
 * together on a new file all switch it to WAL and create its tables at once, and SQLite answers
 * some of them SQLITE_BUSY at once (a journal mode change does not wait for the busy timeout).
 */
const OPEN_TIMEOUT_MS = 10_000;

/** Runs the opening steps (idempotent), again after a short pause while another process holds the file. */
function retryWhileBusy(steps: () => void): void {
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return steps();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const busy = code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY_'));
      if (!busy || Date.now() >= deadline) throw error;
      // Synchronous like the rest of the store's start: a few ms, jittered so the processes part ways.
      Atomics.wait(PAUSE, 0, 0, Math.min(50, 2 ** attempt) + Math.random() * 10);
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** The typed error of a store that cannot open: the file, and why (SQLite's code and message). */
function cannotOpen(path: string, error: unknown): StoreUnavailableError {
  const code = (error as { code?: unknown }).code;
  const why = `${typeof code === 'string' ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}`;
  return new StoreUnavailableError(`sqlite store cannot open ${JSON.stringify(path)}: ${why}`, error);
}

/** How long a batch id is remembered: a batch sent again within it is not applied twice. */
const BATCH_MARKER_MS = 24 * 3_600_000;

/**
 * A store in a SQLite file (better-sqlite3), for one machine: counters, reservations, budgets,
 * the policy log and analytics survive a restart, and several processes sharing the file hold
 * the limits together. WAL mode; each call is one short `BEGIN IMMEDIATE` transaction, so it is
 * atomic across processes (SQLite's write lock) and answers synchronously; admissions that arrive
 * while other calls are in flight share the next transaction (see Batcher).
 *
 * Reservations past their expiry are released by the next calls (a killed process holds budget
 * no longer than `reservationTtlMs`), and counters past their window or period are deleted.
 */
export class SqliteStore implements CounterStore, PolicyLogStore, AnalyticsStore {
  readonly name = 'sqlite';
  readonly db: Database.Database;
  readonly #owned: boolean;
  readonly #s: ReturnType<typeof statements>;
  readonly #batcher: Batcher<Op, AdmitResult | SettledCounter[]>;
  readonly #read: (keys: readonly string[], now: number) => CounterState[];
  readonly #take: (now: number, limit: number) => UnsettledCall[];
  readonly #register: (origins: readonly BudgetOrigin[], now: number) => BudgetRegistration[];
  readonly #append: (input: PolicyChangeInput) => number;
  readonly #record: (cells: readonly AnalyticsCell[], options: AnalyticsWrite) => void;
  #nextSweep = 0;
  /** Calls this store admitted with a reservation and has not settled yet (a hint for batching). */
  #open = 0;
  /** The file as it was opened (null: in memory): a file removed or replaced since fails every call. */
  readonly #file: { path: string; dev: number; ino: number } | null = null;

  constructor(source: { path: string } | { database: Database.Database }, options: SqliteStoreOptions = {}) {
    const prefix = options.prefix ?? 'tollgate';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(prefix)) throw new TypeError(`sqliteStore: prefix must be letters, digits and _ (got ${JSON.stringify(prefix)})`);
    const busy = options.busyTimeoutMs ?? 250;
    if (!Number.isInteger(busy) || busy < 0) throw new TypeError(`sqliteStore: busyTimeoutMs must be a non-negative integer (got ${String(busy)})`);
    if ('database' in source) {
      this.db = source.database;
      this.#owned = false;
    } else {
      if (typeof source?.path !== 'string' || source.path === '') throw new TypeError('sqliteStore: give { path } (a file) or { database } (a better-sqlite3 Database)');
      try {
        this.db = new Database(source.path);
      } catch (error) {
        throw cannotOpen(source.path, error);
      }
      this.#owned = true;
    }
    const db = this.db;
    try {
      retryWhileBusy(() => {
        db.pragma(`busy_timeout = ${busy}`);
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
        db.exec(sqliteSchema(prefix));
        for (const { table, column, definition } of sqliteColumnsAdded(prefix)) {
          const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
          if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
        }
      });
    } catch (error) {
      if (this.#owned) db.close();
      throw cannotOpen(db.name, error);
    }
    if (!db.memory && db.name !== '') {
      const opened = statSync(db.name);
      this.#file = { path: db.name, dev: opened.dev, ino: opened.ino };
    }
    const s = (this.#s = statements(this.db, prefix));
    const tx = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const t = this.db.transaction(fn);
      return (...args: A): R => {
        // Once per transaction: an op of a batch runs nested in one that checked already.
        if (!this.db.inTransaction) this.#checkFile();
        return t.immediate(...args);
      };
    };

    // Reads every counter, then reserves on all of them if each has room: a refusal writes
    // nothing but its one announcement, so an admission needs neither a savepoint in a shared
    // transaction nor a second transaction to work out why it was refused. (Each counter is
    // checked against what it held before this call, as the memory store does.) Runs inside
    // `batch`'s transaction.
    const admitOp = (input: AdmitInput): AdmitResult => {
      const { counters, amounts, now, guards } = input;
      this.#purge(now);
      if (guards && guards.length > 0) {
        const revoked = guards.length <= 2 ? this.#firstRevoked(guards) : (s.firstRevoked.get(JSON.stringify(guards)) as string | undefined);
        if (revoked !== undefined) return { admitted: false, revoked };
      }
      if (counters.length === 0) return { admitted: true };
      const rows: Array<[used: number, reserved: number, announced: number] | undefined> = [];
      for (let i = 0; i < counters.length; i++) {
        const spec = counters[i]!;
        const row = s.room.get(spec.key) as [number, number, number] | undefined;
        const used = row?.[0] ?? 0;
        const reserved = row?.[1] ?? 0;
        if (used + reserved + amounts[i]! > spec.limit) {
          const full = spec.announceAtLimit === true ? used >= (spec.exhaustedAt ?? spec.limit) : used + reserved >= spec.limit;
          const first = full && !row?.[2];
          if (first) s.announce.run(spec.key, spec.expiresAt);
          return { admitted: false, index: i, state: { used, reserved }, first };
        }
        rows.push(row);
      }
      const record: number[] = [];
      const totals: number[] = [];
      for (let i = 0; i < counters.length; i++) {
        const spec = counters[i]!;
        const amount = amounts[i]!;
        const row = rows[i];
        if (row) s.addReserved.run(amount, spec.key);
        else s.insertReserved.run(spec.key, amount, spec.expiresAt);
        totals.push((row?.[0] ?? 0) + (row?.[1] ?? 0) + amount);
        // A slot given back on expiry is kept negative: the sign tells the purge not to charge it.
        record.push(spec.releaseOnExpiry ? -amount : amount);
      }
      s.insertReservation.run(input.reservationId, now + input.ttlMs, JSON.stringify(counters.map((c) => c.key)), record.join(','), input.note ? input.note() : null);
      return { admitted: true, totals };
    };

    // Runs inside `batch`'s transaction.
    const settleOp = (input: SettleInput): SettledCounter[] => {
      this.#purge(input.now);
      let release: number[] | null = null;
      if (input.reserved) {
        const reservation = s.reservation.get(input.reservationId) as { state: number; keys: string; amounts: string } | undefined;
        if (reservation) s.deleteReservation.run(input.reservationId);
        // Settled already (a retry after a timeout that did apply): nothing changes.
        if (!reservation) return this.#states(input.counters).map((c) => ({ ...c, alerted: false, exhausted: false, applied: false }));
        const keys = JSON.parse(reservation.keys) as string[];
        const amounts = reservation.amounts.split(',').map(Number);
        if (reservation.state === 0) {
          // The counters of the admission, in its order: released with the usage, one statement each.
          const held = amounts.map(Math.abs);
          if (keys.length === input.counters.length && keys.every((k, i) => k === input.counters[i]!.key)) release = held;
          else keys.forEach((key, i) => s.release.run(held[i]!, key));
        } else {
          // Charged on expiry (state 1): the charge gives way to the usage recorded below.
          keys.forEach((key, i) => {
            if (amounts[i]! > 0) s.uncharge.run(amounts[i]!, amounts[i]!, key);
          });
        }
      }
      return input.counters.map((spec, i) => this.#use(spec, input.actual[i]!, release?.[i] ?? 0));
    };

    // One call, or several in one transaction, one after another. An op that fails (the
    // database refuses it) rolls the whole transaction back, and the batcher runs each op alone.
    const batch = tx((ops: Op[]) => ops.map((op) => (op.kind === 0 ? admitOp(op.input) : settleOp(op.input))));
    this.#batcher = new Batcher<Op, AdmitResult | SettledCounter[]>({
      engine: 'sync',
      maxSize: BATCH_SIZE,
      run: (ops) => {
        const results = batch(ops);
        // Counted once committed: a batch rolled back is run again op by op.
        for (let i = 0; i < ops.length; i++) {
          const op = ops[i]!;
          if (op.kind === 1) {
            if (op.input.reserved && this.#open > 0) this.#open--;
          } else if ((results[i] as AdmitResult).admitted && op.input.counters.length > 0) this.#open++;
        }
        return results;
      },
      // An admission waits while other calls are in flight: the next settlement takes it along.
      // A settlement waits, for the rest of this turn of the event loop at most, while other
      // calls are in flight: the settlements of calls answered together (and the admissions
      // waiting) share one commit. Its call still returns only once it is committed; alone, it
      // commits at once.
      mayWait: (op) => this.#open > (op.kind === 1 && op.input.reserved ? 1 : 0),
    });

    this.#read = tx((keys: readonly string[], now: number) => {
      this.#purge(now);
      return keys.map((key) => {
        const row = s.counter.get(key) as CounterRow | undefined;
        return { used: row?.used ?? 0, reserved: row?.reserved ?? 0, unsettled: row?.unsettled ?? 0 };
      });
    });

    this.#take = tx((now: number, limit: number): UnsettledCall[] => {
      this.#purge(now);
      const rows = s.unsettledNotes.all(limit) as Array<{ id: string; note: string; expires_at: number }>;
      for (const row of rows) s.forgetNote.run(row.id);
      return rows.map((row) => ({ reservationId: row.id, note: row.note, expiredAt: row.expires_at }));
    });

    this.#register = tx((origins: readonly BudgetOrigin[], now: number) =>
      origins.map(({ origin, ids }) => {
        const rows = s.budgetsOf.all(origin) as Array<{ id: string; set_at: number }>;
        const known = new Map(rows.map((r) => [r.id, r.set_at]));
        const setAt: Record<string, number> = {};
        const added: string[] = [];
        for (const id of new Set(ids)) {
          const at = known.get(id);
          if (at === undefined) {
            added.push(id);
            s.insertBudget.run(origin, id, now);
          }
          setAt[id] = at ?? now;
        }
        const removed = [...known.keys()].filter((id) => !(id in setAt));
        for (const id of removed) s.deleteBudget.run(origin, id);
        return { origin, setAt, added, removed, known: rows.length > 0 };
      }),
    );

    this.#append = tx((input: PolicyChangeInput): number => {
      if (input.deadline !== undefined && Date.now() > input.deadline) throw new Error('policy change refused: it arrived after its deadline');
      for (const scope of input.revoke ?? []) s.revoke.run(scope);
      for (const scope of input.restore ?? []) s.restore.run(scope);
      // One writer at a time (the transaction is IMMEDIATE): versions follow with no gap.
      const version = (s.lastVersion.get() as { v: number }).v + 1;
      s.appendChange.run(version, input.change);
      return version;
    });

    this.#record = tx((cells: readonly AnalyticsCell[], options: AnalyticsWrite) => {
      const { now, retention, batchId } = options;
      s.forgetBatches.run(now - BATCH_MARKER_MS);
      if (s.markBatch.run(batchId, now).changes === 0) return; // applied already
      const kept = keptFrom(now, retention);
      for (const level of ['minute', 'hour', 'day'] as const) s.expireAnalytics.run(level, kept[level]);
      for (const row of rowsOf(cells, options)) s.addAnalytics.run(row);
    });
  }

  /** Synchronous, but for the admissions that arrive in a turn of the event loop after another op: they join the next transaction. */
  admit(input: AdmitInput): MaybePromise<AdmitResult> {
    return this.#batcher.submit({ kind: 0, input }) as MaybePromise<AdmitResult>;
  }

  /**
   * Committed before it answers, with the calls waiting for a transaction; synchronous when no
   * other call is in flight, else at the end of this turn of the event loop (see the batcher).
   */
  settle(input: SettleInput): MaybePromise<SettledCounter[]> {
    return this.#batcher.submit({ kind: 1, input }) as MaybePromise<SettledCounter[]>;
  }

  read(keys: readonly string[], now: number): CounterState[] {
    return this.#read(keys, now);
  }

  nearest(index: string, n: number, now: number): string[] {
    this.#checkFile();
    return this.#s.nearest.all(index, now, n) as string[];
  }

  takeUnsettled(now: number, limit: number): UnsettledCall[] {
    return this.#take(now, limit);
  }

  registerBudgets(origins: readonly BudgetOrigin[], now: number): BudgetRegistration[] {
    return this.#register(origins, now);
  }

  appendPolicyChange(input: PolicyChangeInput): number {
    return this.#append(input);
  }

  readPolicyChanges(after: number, limit: number): PolicyChangeRecord[] {
    this.#checkFile();
    return this.#s.readChanges.all(Math.max(0, after), limit) as PolicyChangeRecord[];
  }

  recordAnalytics(cells: readonly AnalyticsCell[], options: AnalyticsWrite): void {
    this.#record(cells, options);
  }

  readAnalytics(read: AnalyticsRead): AnalyticsCell[] {
    this.#checkFile();
    return cellsOf(this.#s.readAnalytics.all(read.granularity, readFrom(read), read.to) as Array<{ start: number; dims: string; field: string; value: number }>);
  }

  /** The file is still the one opened, and the database answers. */
  ping(): void {
    this.#checkFile();
    this.db.pragma('schema_version');
  }

  close(): void {
    // The calls waiting for a transaction (settlements among them) are committed first.
    if (this.db.open) this.#batcher.drain();
    if (this.#owned && this.db.open) this.db.close();
  }

  /**
   * Fails when the file at the store's path is no longer the one it opened (removed, or another
   * put in its place): the open file would take every count and lose it. One stat per
   * transaction: about 10 µs in the development VM (2026-12-07), 8 % of a sequential call.
   */
  #checkFile(): void {
    const file = this.#file;
    if (!file) return;
    const now = statSync(file.path, { throwIfNoEntry: false });
    if (now && now.ino === file.ino && now.dev === file.dev) return;
    throw new StoreUnavailableError(
      `sqlite store: ${JSON.stringify(file.path)} was ${now ? 'replaced by another file' : 'removed'} after it was opened; nothing is counted into the old file (restart the process, or make a new store, to open the one there now)`,
    );
  }

  /** Adds a call's usage to a counter, releasing `release` of its reservation, and tells which announcements it crossed. */
  #use(spec: CounterSpec, actual: number, release: number): SettledCounter {
    const s = this.#s;
    if (s.addUsed.run(actual, release, spec.key).changes === 0) s.insertUsed.run(spec.key, actual, spec.expiresAt);
    const row = s.counter.get(spec.key) as CounterRow;
    const alerted = spec.alertAt !== undefined && !row.alerted && row.used >= spec.alertAt;
    const exhausted = spec.announceAtLimit === true && !row.announced && row.used >= spec.limit;
    if (alerted || exhausted) s.flags.run(alerted ? 1 : 0, exhausted ? 1 : 0, spec.key);
    if (spec.rank) s.rank.run(spec.rank.index, spec.rank.member, spec.limit > 0 ? row.used / spec.limit : 0, spec.expiresAt);
    return { used: row.used, reserved: row.reserved, alerted, exhausted };
  }

  /** The first of one or two guards that is revoked (the common case, without JSON). */
  #firstRevoked(guards: readonly string[]): string | undefined {
    if (guards.length === 1) return this.#s.revokedOf1.get(guards[0]) === undefined ? undefined : guards[0];
    const found = this.#s.revokedOf2.all(guards[0], guards[1]) as string[];
    return found.length === 0 ? undefined : guards.find((g) => found.includes(g));
  }

  #states(specs: readonly CounterSpec[]): CounterState[] {
    return specs.map((spec) => {
      const row = this.#s.counter.get(spec.key) as CounterRow | undefined;
      return { used: row?.used ?? 0, reserved: row?.reserved ?? 0 };
    });
  }

  /**
   * Charges reservations past their expiry (a bounded batch per call; a concurrency slot is given
   * back) and, once a second, drops dead counters.
   */
  #purge(now: number): void {
    const s = this.#s;
    // Once per SWEEP_EVERY_MS; a clock stepped back (NTP, another process's) sweeps at once
    // instead of holding expired reservations until it catches up.
    if (now < this.#nextSweep && this.#nextSweep - now <= SWEEP_EVERY_MS) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const r of s.expired.all(now, PURGE_BATCH) as Array<{ id: string; keys: string; amounts: string }>) {
      const amounts = r.amounts.split(',').map(Number);
      (JSON.parse(r.keys) as string[]).forEach((key, i) => {
        const amount = amounts[i]!;
        if (amount < 0) s.release.run(-amount, key);
        else s.charge.run(amount, amount, amount, key);
      });
      s.markExpired.run(r.id);
    }
    s.forgetExpired.run(now - KEEP_EXPIRED_MS);
    s.dropCounters.run(now);
    s.dropRanks.run(now);
  }
}

function statements(db: Database.Database, p: string) {
  const q = (sql: string) => db.prepare(sql);
  return {
    counter: q(`SELECT used, reserved, unsettled, alerted, announced FROM ${p}_counters WHERE key = ?`),
    announce: q(`INSERT INTO ${p}_counters (key, expires_at, announced) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET announced = 1`),
    // Positional parameters (binding by name costs more) and `excluded` for the value given once.
    // An admission reads, then writes: a statement with RETURNING (an upsert that tells the new
    // totals) cost more, as SQLite gathers its rows in a temporary table (measured 2026-12-07,
    // 9 counters: 15.9 µs with RETURNING, 13.3 without).
    room: q(`SELECT used, reserved, announced FROM ${p}_counters WHERE key = ?`).raw(),
    addReserved: q(`UPDATE ${p}_counters SET reserved = reserved + ? WHERE key = ?`),
    // An upsert only for a key that has no row (the same key twice in one call finds the row made by the first).
    insertReserved: q(`INSERT INTO ${p}_counters (key, reserved, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET reserved = reserved + excluded.reserved`),
    release: q(`UPDATE ${p}_counters SET reserved = MAX(0, reserved - ?) WHERE key = ?`),
    charge: q(`UPDATE ${p}_counters SET reserved = MAX(0, reserved - ?), used = used + ?, unsettled = unsettled + ? WHERE key = ?`),
    uncharge: q(`UPDATE ${p}_counters SET used = used - ?, unsettled = unsettled - ? WHERE key = ?`),
    addUsed: q(`UPDATE ${p}_counters SET used = used + ?, reserved = MAX(0, reserved - ?) WHERE key = ?`),
    insertUsed: q(`INSERT INTO ${p}_counters (key, used, expires_at) VALUES (?, ?, ?)`),
    flags: q(`UPDATE ${p}_counters SET alerted = MAX(alerted, ?), announced = MAX(announced, ?) WHERE key = ?`),
    insertReservation: q(`INSERT INTO ${p}_reservations (id, expires_at, keys, amounts, state, note) VALUES (?, ?, ?, ?, 0, ?)`),
    unsettledNotes: q(`SELECT id, note, expires_at FROM ${p}_reservations WHERE state = 1 AND note IS NOT NULL ORDER BY expires_at LIMIT ?`),
    forgetNote: q(`UPDATE ${p}_reservations SET note = NULL WHERE id = ?`),
    reservation: q(`SELECT state, keys, amounts FROM ${p}_reservations WHERE id = ?`),
    deleteReservation: q(`DELETE FROM ${p}_reservations WHERE id = ?`),
    expired: q(`SELECT id, keys, amounts FROM ${p}_reservations WHERE state = 0 AND expires_at <= ? LIMIT ?`),
    markExpired: q(`UPDATE ${p}_reservations SET state = 1 WHERE id = ?`),
    forgetExpired: q(`DELETE FROM ${p}_reservations WHERE state = 1 AND expires_at <= ?`),
    dropCounters: q(`DELETE FROM ${p}_counters WHERE expires_at IS NOT NULL AND expires_at <= ? AND reserved = 0`),
    budgetsOf: q(`SELECT id, set_at FROM ${p}_budgets WHERE origin = ? ORDER BY set_at, id`),
    insertBudget: q(`INSERT INTO ${p}_budgets (origin, id, set_at) VALUES (?, ?, ?)`),
    deleteBudget: q(`DELETE FROM ${p}_budgets WHERE origin = ? AND id = ?`),
    revokedOf1: q(`SELECT 1 FROM ${p}_revoked WHERE scope = ?`).pluck(),
    revokedOf2: q(`SELECT scope FROM ${p}_revoked WHERE scope IN (?, ?)`).pluck(),
    firstRevoked: q(`SELECT g.value FROM json_each(?) AS g WHERE g.value IN (SELECT scope FROM ${p}_revoked) ORDER BY g.key LIMIT 1`).pluck(),
    revoke: q(`INSERT OR IGNORE INTO ${p}_revoked (scope) VALUES (?)`),
    restore: q(`DELETE FROM ${p}_revoked WHERE scope = ?`),
    lastVersion: q(`SELECT COALESCE(MAX(version), 0) AS v FROM ${p}_policy_log`),
    appendChange: q(`INSERT INTO ${p}_policy_log (version, change) VALUES (?, ?)`),
    readChanges: q(`SELECT version, change FROM ${p}_policy_log WHERE version > ? ORDER BY version LIMIT ?`),
    forgetBatches: q(`DELETE FROM ${p}_analytics_batches WHERE at <= ?`),
    markBatch: q(`INSERT OR IGNORE INTO ${p}_analytics_batches (id, at) VALUES (?, ?)`),
    expireAnalytics: q(`DELETE FROM ${p}_analytics WHERE level = ? AND start < ?`),
    addAnalytics: q(`INSERT INTO ${p}_analytics (level, start, dims, field, value) VALUES (@level, @start, @dims, @field, @value) ON CONFLICT (level, start, dims, field) DO UPDATE SET value = value + @value`),
    readAnalytics: q(`SELECT start, dims, field, value FROM ${p}_analytics WHERE level = ? AND start >= ? AND start < ?`),
    rank: q(`INSERT INTO ${p}_ranks (idx, member, share, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (idx, member) DO UPDATE SET share = excluded.share, expires_at = excluded.expires_at`),
    nearest: q(`SELECT member FROM ${p}_ranks WHERE idx = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY share DESC, member LIMIT ?`).pluck(),
    dropRanks: q(`DELETE FROM ${p}_ranks WHERE expires_at IS NOT NULL AND expires_at <= ?`),
  };
}

/**
 * A store in a SQLite file: limits, spend, runtime policy and analytics survive restarts, and
 * the processes of one machine sharing the file hold the limits together.
 * @example const store = sqliteStore({ path: './tollgate.db' });
 */
export function sqliteStore(source: { path: string } | { database: Database.Database }, options?: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(source, options);
}
