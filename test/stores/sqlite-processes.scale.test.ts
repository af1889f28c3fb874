// npm run test:scale: four gateway processes on one SQLite file, one killed mid-call (about four seconds).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, it } from 'vitest';
import { sqliteStore } from '../../src/sqlite.js';
import { lockedStoreTest, sqlProcessTests } from './sql-processes.js';

/** Gateways in several processes on one SQLite file, a process killed mid-call, a locked database. */

const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite store across processes', () => {
  sqlProcessTests({
    fresh: async (name) => {
      const path = join(dir, `${name}.db`);
      return { env: { STORE: 'sqlite', DB_PATH: path }, store: () => sqliteStore({ path }) };
    },
  });

  it('a database locked past the busy timeout: the call fails as the failure policy says, announced, and works once the lock is gone', async () => {
    const path = join(dir, 'locked.db');
    await lockedStoreTest(sqliteStore({ path }, { busyTimeoutMs: 50 }), async () => {
      const other = new Database(path);
      other.prepare('BEGIN IMMEDIATE').run();
      return async () => {
        other.prepare('COMMIT').run();
        other.close();
      };
    });
  });
});
