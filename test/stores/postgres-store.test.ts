import { afterAll, describe, it } from 'vitest';
import { postgresAvailable, usePostgres } from '../helpers/postgres.js';
import { describeStoreConformance } from './store-conformance.js';

const available = await postgresAvailable();
const pg = usePostgres();
afterAll(() => pg.cleanup(), 30_000);

// A real server, a fresh schema per store (dropped after the file).
if (available) {
  const pool = pg.pool();
  describeStoreConformance('postgres', () => pg.store(pool));
} else {
  describe.skip('store conformance: postgres (PostgreSQL unreachable: see the warning above)', () => {
    it('runs against a real server', () => {});
  });
}
