import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { postgresStore, type PostgresStore } from '../../src/postgres.js';

/** The machine's PostgreSQL (127.0.0.1:5432, trust auth, database `test`), or PG* variables. */
export const PG_CONFIG = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  database: process.env.PGDATABASE ?? 'test',
};

/** Whether PostgreSQL answers; under CI=true an unreachable server is a failure, never a skip. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ ...PG_CONFIG, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const message = `PostgreSQL not reachable at ${PG_CONFIG.host}:${PG_CONFIG.port} (${(error as Error).message}): the PostgreSQL store tests are SKIPPED`;
    if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires them`);
    console.warn(`\n\n!!! ${message} !!!\n\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name for one test run: dropped by `dropSchemas`. */
export const freshSchema = (): string => `tg_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** Pools and schemas of a test file, ended and dropped after it. */
export function usePostgres() {
  const pools: pg.Pool[] = [];
  const schemas: string[] = [];
  return {
    pool(options: pg.PoolConfig = {}): pg.Pool {
      const pool = new pg.Pool({ ...PG_CONFIG, ...options });
      pool.on('error', () => {});
      pools.push(pool);
      return pool;
    },
    /** A migrated store in a new schema (on `pool`, or a new pool). */
    async store(pool?: pg.Pool, schema = freshSchema()): Promise<PostgresStore> {
      if (!schemas.includes(schema)) schemas.push(schema);
      const store = postgresStore({ pool: pool ?? this.pool(), schema });
      await store.migrate();
      return store;
    },
    schema(): string {
      const schema = freshSchema();
      schemas.push(schema);
      return schema;
    },
    async cleanup(): Promise<void> {
      await Promise.all(pools.map((p) => p.end().catch(() => {})));
      const admin = new pg.Client(PG_CONFIG);
      await admin.connect();
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}
