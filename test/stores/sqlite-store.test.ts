import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { sqliteStore } from '../../src/sqlite.js';
import { describeStoreConformance } from './store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// A real file per store, as users run it (WAL mode needs one: it is not a :memory: database).
describeStoreConformance('sqlite', () => sqliteStore({ path: join(dir, `conformance-${++n}.db`) }));
