/**
 * Opens a new SQLite store each time the test says so, for the "many processes open one new file
 * at once" test: run with `node --import tsx`. Reads a file path a line on stdin, opens
 * `sqliteStore({ path })` on it, closes it, and answers `ok` or the error's name and message.
 */
import { createInterface } from 'node:readline';
import { sqliteStore } from '../../src/sqlite.js';

// Never outlive the test that started it.
setTimeout(() => process.exit(3), 120_000).unref();

for await (const path of createInterface({ input: process.stdin })) {
  try {
    const store = sqliteStore({ path });
    store.close();
    process.stdout.write('ok\n');
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ name: (error as Error).name, code: (error as { code?: string }).code, message: (error as Error).message })}\n`);
  }
}
