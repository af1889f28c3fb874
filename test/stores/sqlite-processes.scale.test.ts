// npm run test:scale: gateway processes on one SQLite file, killed mid-call, eight opening it at once (about ten seconds).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '../../src/sqlite.js';
import { lockedStoreTest, servedCallsCountedTest, sqlProcessTests } from './sql-processes.js';

/** Gateways in several processes on one SQLite file, a process killed mid-call, a locked database. */

const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite store across processes', () => {
  const fresh = async (name: string) => {
    const path = join(dir, `${name}.db`);
    return { env: { STORE: 'sqlite', DB_PATH: path }, store: () => sqliteStore({ path }) };
  };
  sqlProcessTests({ fresh });
  servedCallsCountedTest({ fresh });

  it('8 processes open one new file at the same moment, 20 times: every open succeeds', async () => {
    const worker = new URL('./sqlite-open-worker.ts', import.meta.url).pathname;
    const processes = Array.from({ length: 8 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker], { stdio: ['pipe', 'pipe', 'inherit'] });
      return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
    });
    try {
      const answers: string[] = [];
      for (let round = 0; round < 20; round++) {
        const path = join(dir, `opened-${round}.db`);
        // Written to all eight at once: they open the new file together.
        for (const p of processes) p.child.stdin.write(`${path}\n`);
        answers.push(...(await Promise.all(processes.map(async (p) => String((await p.lines.next()).value)))));
      }
      expect(answers.filter((a) => a !== 'ok')).toEqual([]);
      expect(answers).toHaveLength(160);
    } finally {
      for (const p of processes) p.child.kill();
    }
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
