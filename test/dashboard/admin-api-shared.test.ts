// npm test: the admin API of one gateway driving another on one redis-server of its own and on one PostgreSQL schema; about a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardHandler, type AdminIdentity } from '../../src/dashboard.js';
import { createFetchHandler } from '../../src/http.js';
import { createGateway, type Gateway, type Store } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { postgresAvailable, usePostgres } from '../helpers/postgres.js';
import { useTestRedis } from '../helpers/redis-server.js';

/**
 * Two gateways on one store, A serving the admin API and B serving calls: what an admin does
 * through A holds on B, keys, rotations, revocations and integrations alike, and no token is
 * left in any answer or in the store.
 */

const redis = useTestRedis({ beforeAll, afterAll });
const pgAvailable = await postgresAvailable();
const pg = usePostgres();
afterAll(() => pg.cleanup(), 30_000);

const ADMIN: AdminIdentity = { actor: 'ada@example.com', role: 'admin' };
const ORIGIN = 'http://admin.test';

/** Everything a store holds, as text: where no token may be. */
type StoreDump = () => Promise<string>;

async function adminThroughA(on: () => Promise<Gateway>, now: { ms: number }, dump: StoreDump): Promise<void> {
  const [a, b] = await Promise.all([on(), on()]);
  await Promise.all([a.ready(), b.ready()]);
  const admin = createDashboardHandler(a, { authorize: () => ADMIN });
  const answers: string[] = [];
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await admin(
      new Request(`${ORIGIN}/dashboard/api${path}`, { method, headers: { 'content-type': 'application/json', origin: ORIGIN }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    );
    const text = await response.text();
    answers.push(text);
    expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return JSON.parse(text) as Record<string, any>;
  };
  const endpoint = createFetchHandler(b);
  /** A call to B's OpenAI-compatible endpoint with a bearer token: its status. */
  const callB = async (token: string, model = 'm') => {
    const response = await endpoint(
      new Request('http://gateway.test/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) }),
    );
    answers.push(await response.text());
    return response.status;
  };
  const poll = { timeout: 15_000, interval: 10 };

  // A key created through A's API works on B (pushed to B by the store).
  const { key, token } = await api('POST', '/keys', { workspace: 'team-a', integration: 'llm', name: 'app' });
  await expect.poll(() => callB(token), poll).toBe(200);

  // Rotated with a grace: both tokens work on B until it ends, then only the new one.
  const rotated = await api('POST', `/keys/${key.id}/rotate?reason=yearly`, { graceSeconds: 60 });
  await expect.poll(() => callB(rotated.token), poll).toBe(200);
  expect(await callB(token)).toBe(200);
  now.ms += 59_000;
  expect(await callB(token)).toBe(200);
  now.ms += 1_000;
  expect(await callB(token)).toBe(401);
  expect(await callB(rotated.token)).toBe(200);

  // Revoked: refused on B's very next call, whether B has heard of it yet or not.
  await api('DELETE', `/keys/${key.id}?reason=${encodeURIComponent('app retired')}`);
  expect(await callB(rotated.token)).toBe(401);

  // An integration created in A is callable in B; disabled, refused at once.
  await api('POST', '/integrations', { slug: 'extra', provider: 'mock', mock: { reply: 'from extra' }, workspaces: { 'team-a': {} } });
  const extra = await api('POST', '/keys', { workspace: 'team-a', integration: 'extra' });
  await expect.poll(() => callB(extra.token), poll).toBe(200);
  await api('POST', '/integrations/extra/disable?reason=incident');
  expect(await callB(extra.token)).toBe(403);

  // The audit, as A and B read it: every step, by its actor, and no token anywhere.
  const audit = await api('GET', '/audit');
  expect(audit.map((e: { action: string; actor: string; reason: string | null }) => [e.action, e.actor, e.reason])).toEqual([
    ['integration.disable', ADMIN.actor, 'incident'],
    ['key.create', ADMIN.actor, null],
    ['integration.create', ADMIN.actor, null],
    ['key.revoke', ADMIN.actor, 'app retired'],
    ['key.rotate', ADMIN.actor, 'yearly'],
    ['key.create', ADMIN.actor, null],
  ]);
  expect(await b.audit.list()).toEqual(audit);
  const everything = [...answers, await dump()].join('\n');
  const tokens = [token, rotated.token, extra.token];
  // Each token once, in the answer that made it.
  for (const t of tokens) expect(everything.split(t).length - 1, 'a token seen outside the answer that made it').toBe(1);
  const stored = await dump();
  for (const t of tokens) {
    for (const form of [t, t.toUpperCase(), t.slice(3), Buffer.from(t).toString('base64'), Buffer.from(t).toString('hex')]) expect(stored.includes(form)).toBe(false);
  }
  await Promise.all([a.close(), b.close()]);
  // Kept by the store: a gateway started afterwards lists the same audit.
  const later = await on();
  expect(await later.audit.list()).toEqual(audit);
  await later.close();
}

const config = (store: Store, now: { ms: number }) =>
  createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: { 'team-a': {} } }], store, clock: () => now.ms, policyPollMs: 3_600_000 });

describe('the admin API across gateways on one store', () => {
  it.skipIf(!redis.available)('redis: keys, rotation, revocation and integrations made through A hold on B; no token in any answer or in Redis; the audit kept after a restart', async () => {
    const now = { ms: Date.parse('2026-12-06T12:00:00Z') };
    const prefix = `admin-${Date.now()}`;
    const on = async () => config(redisStore({ client: redis.newClient(), prefix }) as Store, now);
    const dump: StoreDump = async () => {
      const client = redis.client;
      const out: string[] = [];
      for (const key of await client.keys('*')) {
        const type = await client.type(key);
        const value =
          type === 'string' ? await client.get(key)
          : type === 'hash' ? await client.hgetall(key)
          : type === 'zset' ? await client.zrange(key, 0, -1, 'WITHSCORES')
          : type === 'set' ? await client.smembers(key)
          : type === 'list' ? await client.lrange(key, 0, -1)
          : type === 'stream' ? await client.xrange(key, '-', '+')
          : type;
        out.push(key, JSON.stringify(value));
      }
      expect(out.length).toBeGreaterThan(0);
      return out.join('\n');
    };
    await adminThroughA(on, now, dump);
  });

  it.skipIf(!pgAvailable)('postgres: the same, pushed with LISTEN/NOTIFY; no token in any table', async () => {
    const now = { ms: Date.parse('2026-12-06T12:00:00Z') };
    const schema = pg.schema();
    const reader = pg.pool();
    const dump: StoreDump = async () => {
      const { rows: tables } = await reader.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
      expect(tables.length).toBeGreaterThan(0);
      const out: string[] = [];
      for (const { table_name } of tables) {
        const { rows } = await reader.query(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${table_name}" t`);
        out.push(table_name, ...rows.map((r: { row: string }) => r.row));
      }
      return out.join('\n');
    };
    await adminThroughA(async () => config(await pg.store(pg.pool(), schema), now), now, dump);
  });
});
