// npm test: gateway.readiness() on the memory store, a SQLite file and PostgreSQL; a fraction of a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGateway, memoryStore, type Store } from '../../src/index.js';
import { postgresStore } from '../../src/postgres.js';
import { sqliteStore } from '../../src/sqlite.js';
import { postgresAvailable, usePostgres } from '../helpers/postgres.js';
import { storeWith } from '../helpers/store-with.js';

/** What a readiness probe asks a gateway: can it serve now, and if not, why. */

const dir = mkdtempSync(join(tmpdir(), 'tollgate-readiness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pgAvailable = await postgresAvailable();
const pg = usePostgres();
afterAll(() => pg.cleanup(), 30_000);

const on = (store?: Store, extra: { storeTimeoutMs?: number } = {}) =>
  createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: { team: {} } }], ...(store ? { store } : {}), ...extra });

describe('gateway.readiness()', () => {
  it('ready in memory; not ready once closed', async () => {
    const gateway = on();
    expect(await gateway.readiness()).toEqual({ ready: true });
    await gateway.close();
    expect(await gateway.readiness()).toEqual({ ready: false, reason: 'the gateway is closed' });
  });

  it('a store whose ping never answers: not ready after storeTimeoutMs, never a hang', async () => {
    const shared = memoryStore();
    const silent = storeWith(shared, { ping: () => new Promise(() => {}) });
    const gateway = on(silent, { storeTimeoutMs: 20 });
    const answer = await gateway.readiness();
    expect(answer).toMatchObject({ ready: false, reason: expect.stringMatching(/^the memory store does not answer: .*ping/) });
    await gateway.close();
  });

  it('a SQLite file removed under the gateway: not ready, saying so', async () => {
    const path = join(dir, 'ready.db');
    const gateway = on(sqliteStore({ path }));
    await gateway.ready();
    expect(await gateway.readiness()).toEqual({ ready: true });
    rmSync(path);
    expect(await gateway.readiness()).toEqual({ ready: false, reason: expect.stringMatching(/^the sqlite store does not answer: .*was removed after it was opened/) });
    await gateway.close();
  });

  it.skipIf(!pgAvailable)('PostgreSQL: ready on a migrated schema; a server that cannot be reached is not ready, with the reason', async () => {
    const gateway = on(await pg.store());
    expect(await gateway.readiness()).toEqual({ ready: true });
    await gateway.close();
    const unreachable = on(postgresStore({ pool: pg.pool({ port: 1, connectionTimeoutMillis: 2_000 }), schema: pg.schema() }));
    const answer = await unreachable.readiness();
    expect(answer).toMatchObject({ ready: false, reason: expect.stringMatching(/^the policy log could not be replayed: .*ECONNREFUSED/) });
    await unreachable.close();
  });
});
