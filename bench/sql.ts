/**
 * The SQL stores in `npm run bench`: the full policy on a SQLite file (WAL, in a temporary
 * directory) and on the machine's PostgreSQL (a fresh schema, dropped after), with the gateway's
 * overhead over the mock adapter, throughput, and the PostgreSQL round trips per call, counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgresStore } from '../src/postgres.js';
import { sqliteStore } from '../src/sqlite.js';
import type { Store } from '../src/index.js';
import { freshSchema, PG_CONFIG } from '../test/helpers/postgres.js';
import { fullPolicyGateway, gatewayCall } from './full-policy.js';
import { callsPerSecond as rate } from './throughput.js';

export interface SqlFigures {
  store: string;
  latencyMicros: { p50: number; p99: number };
  throughput: { sequential: number; concurrent64: number };
  /** Store round trips per gateway call (PostgreSQL: queries sent), counted over the latency run. */
  roundTripsPerCall?: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(name: string, store: Store, timeMs: number, queries?: () => number): Promise<SqlFigures> {
  // 64 calls at once on the same 9 counter rows queue on their row locks in PostgreSQL: the
  // default 250 ms store timeout would turn the queue into failures, not a figure.
  const { gateway } = fullPolicyGateway({ store, storeTimeoutMs: 10_000 });
  const call = gatewayCall(gateway);
  await rate(call, 8, 1_000); // warm-up
  await gateway.flush();
  const n = Math.max(1_000, Math.round(timeMs));
  const before = queries?.() ?? 0;
  const calls: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await call();
    calls.push(Number(process.hrtime.bigint() - t) / 1_000);
  }
  await gateway.flush();
  const roundTrips = queries ? (queries() - before) / n : undefined;
  calls.sort((a, b) => a - b);
  const figures: SqlFigures = {
    store: name,
    latencyMicros: { p50: percentile(calls, 50), p99: percentile(calls, 99) },
    throughput: { sequential: await rate(call, 1, timeMs / 2), concurrent64: await rate(call, 64, timeMs / 2) },
    ...(roundTrips !== undefined ? { roundTripsPerCall: roundTrips } : {}),
  };
  await gateway.close();
  return figures;
}

export async function benchSql(timeMs: number): Promise<SqlFigures[]> {
  const out: SqlFigures[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  try {
    const store = sqliteStore({ path: join(dir, 'bench.db') });
    out.push(await measure('sqlite', store, timeMs));
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pool = new pg.Pool({ ...PG_CONFIG, max: 16 });
  const schema = freshSchema();
  let queries = 0;
  // Every store call goes through pool.query: counting them counts the round trips.
  const counted = { query: ((...args: Parameters<pg.Pool['query']>) => (queries++, (pool.query as (...a: unknown[]) => unknown)(...args))) as pg.Pool['query'], connect: pool.connect.bind(pool) };
  try {
    const store = postgresStore({ pool: counted, schema });
    await store.migrate();
    out.push(await measure('postgres', store, timeMs, () => queries));
  } catch (error) {
    console.warn(`PostgreSQL bench skipped: ${(error as Error).message}`);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pool.end();
  }
  return out;
}
