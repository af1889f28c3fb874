// npm test: two gateways on one SQLite file and on one PostgreSQL schema; a fraction of a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type Store } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { postgresAvailable, usePostgres } from '../helpers/postgres.js';

/** Runtime keys shared by two gateways (two connections) on the SQL stores. */

const available = await postgresAvailable();
const pg = usePostgres();
const dir = mkdtempSync(join(tmpdir(), 'tollgate-sql-policy-'));
afterAll(async () => {
  await pg.cleanup();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const gatewayOn = (store: Store, policyPollMs: number) =>
  createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': {} } }], store, policyPollMs });

async function shareKeys(a: Gateway, b: Gateway): Promise<void> {
  await Promise.all([a.ready(), b.ready()]);
  const { id, token } = await a.keys.create({ workspace: 'team-a' });
  // B hears of it by its next read of the log (SQLite) or by a notification (PostgreSQL).
  await expect.poll(() => b.keys.authenticate(token), { timeout: 15_000, interval: 5 }).toMatchObject({ id });
  await b.chat({ key: id, model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  await a.keys.revoke(id);
  // B has not heard of it yet, or has: either way its very next call is refused.
  await expect(b.chat({ key: id, model: 'm', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ code: 'key_revoked' });
  await Promise.all([a.close(), b.close()]);
}

describe('runtime keys on the SQL stores', () => {
  it('sqlite: a key made by one gateway reaches another on the file by its next read (every policyPollMs); revoked, refused at once', async () => {
    const path = join(dir, 'keys.db');
    await shareKeys(gatewayOn(sqliteStore({ path }), 200), gatewayOn(sqliteStore({ path }), 200));
  });

  it.skipIf(!available)('postgres: pushed with LISTEN/NOTIFY (the poll is an hour here); revoked, refused at once', async () => {
    const schema = pg.schema();
    const a = await pg.store(pg.pool(), schema);
    const b = await pg.store(pg.pool(), schema);
    await shareKeys(gatewayOn(a, 3_600_000), gatewayOn(b, 3_600_000));
  });
});
