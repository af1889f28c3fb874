// npm test: runtime keys on the memory store and on a redis-server of its own; a few round trips.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, KeyExpiredError, KeyRevokedError, createGateway, memoryStore, type GatewayConfig, type KeyChangeEvent, type Store } from '../../src/index.js';
import { until } from '../helpers/until.js';
import { createFetchHandler } from '../../src/http.js';
import { redisStore } from '../../src/redis.js';
import { useTestRedis } from '../helpers/redis-server.js';

/** Keys made, changed and revoked while gateways run, shared through the store's policy log. */

const HELLO = [{ role: 'user' as const, content: 'Hello' }];

function config(extra: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    integrations: [
      {
        slug: 'mock',
        provider: 'mock',
        models: ['m', 'm2'],
        workspaces: { 'team-a': {}, 'team-b': { models: ['m'] } },
      },
      { slug: 'other', provider: 'mock', workspaces: { 'team-b': {} } },
    ],
    ...extra,
  };
}

const viaKey = (gateway: ReturnType<typeof createGateway>, key: string) => gateway.chat({ key, model: 'm', messages: HELLO });

describe('gateway.keys at runtime (one process)', () => {
  it('create returns a token once; the key authenticates, is governed, and is listed without token or hash', async () => {
    const gateway = createGateway(config());
    const created: KeyChangeEvent[] = [];
    gateway.on('key.created', (e) => created.push(e));
    const { id, token } = await gateway.keys.create({ workspace: 'team-a', name: 'bot', rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }], metadata: { owner: 'ana' } });
    expect(token).toMatch(/^tg_/);
    expect(gateway.keys.authenticate(token)).toEqual({ id, workspace: 'team-a', integration: 'mock' });
    await expect(viaKey(gateway, id)).resolves.toMatchObject({ object: 'chat.completion' });
    await expect(viaKey(gateway, id)).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    const info = await gateway.keys.get(id);
    expect(info).toMatchObject({ id, workspace: 'team-a', integration: 'mock', name: 'bot', metadata: { owner: 'ana' }, source: 'runtime', hasToken: true, expiresAt: null });
    expect((await gateway.keys.list({ workspace: 'team-a' })).map((k) => k.id)).toEqual([id]);
    expect(await gateway.keys.list({ workspace: 'team-b' })).toEqual([]);
    const shown = JSON.stringify([info, await gateway.keys.list(), created]);
    expect(shown).not.toContain(token);
    expect(shown).not.toMatch(/[0-9a-f]{64}/);
    expect(created).toMatchObject([{ id, workspace: 'team-a', integration: 'mock', version: 1, origin: expect.any(String) }]);
  });

  it('update changes limits (a changed budget starts at zero) and metadata', async () => {
    const gateway = createGateway(config());
    const { id } = await gateway.keys.create({ workspace: 'team-a', budgets: [{ type: 'tokens', limit: 100 }] });
    await viaKey(gateway, id);
    const used = (await gateway.limits.status({ key: id, kind: 'budget' })).at(-1)!.used;
    expect(used).toBeGreaterThan(0);
    const info = await gateway.keys.update(id, { budgets: [{ type: 'tokens', limit: 200 }], metadata: { team: 'x' } });
    expect(info).toMatchObject({ budgets: [{ type: 'tokens', limit: 200 }], metadata: { team: 'x' } });
    expect((await gateway.limits.status({ key: id, kind: 'budget' })).at(-1)).toMatchObject({ limit: 200, used: 0 });
  });

  it('revoke refuses the key at once, in the library and over HTTP', async () => {
    const gateway = createGateway(config());
    const { id, token } = await gateway.keys.create({ workspace: 'team-a' });
    const handler = createFetchHandler(gateway);
    const post = () =>
      handler(
        new Request('http://gw.test/v1/chat/completions', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: HELLO }),
        }),
      );
    expect((await post()).status).toBe(200);
    await gateway.keys.revoke(id);
    await expect(viaKey(gateway, id)).rejects.toBeInstanceOf(KeyRevokedError);
    expect(gateway.keys.authenticate(token)).toBeNull();
    expect(await gateway.keys.get(id)).toBeNull();
    expect((await post()).status).toBe(401);
    // A revoked id is not reused, and cannot be revoked twice.
    await expect(gateway.keys.create({ workspace: 'team-a', id })).rejects.toBeInstanceOf(ConfigError);
    await expect(gateway.keys.revoke(id)).rejects.toBeInstanceOf(KeyRevokedError);
  });

  it('two gateways on one memory store share their keys, pushed in-process (no timer)', async () => {
    const store = memoryStore();
    const a = createGateway(config({ store }));
    const b = createGateway(config({ store }));
    const { id, token } = await a.keys.create({ workspace: 'team-a' });
    await until(() => b.keys.authenticate(token) !== null);
    await expect(viaKey(b, id)).resolves.toMatchObject({ object: 'chat.completion' });
    await a.keys.revoke(id);
    await expect(viaKey(b, id)).rejects.toBeInstanceOf(KeyRevokedError);
  });

  it('a configured key can be revoked too', async () => {
    const gateway = createGateway(config({ keys: [{ id: 'static', workspace: 'team-a', integration: 'mock' }] }));
    expect(await gateway.keys.get('static')).toMatchObject({ source: 'config', hasToken: false });
    await viaKey(gateway, 'static');
    await gateway.keys.revoke('static');
    await expect(viaKey(gateway, 'static')).rejects.toBeInstanceOf(KeyRevokedError);
  });

  it('an expired key is refused with KeyExpiredError and no longer authenticates', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const gateway = createGateway(config({ clock: () => now }));
    const { id, token } = await gateway.keys.create({ workspace: 'team-a', expiresAt: new Date('2026-12-02T00:00:00Z') });
    await viaKey(gateway, id);
    now = Date.parse('2026-12-02T00:00:00Z');
    await expect(viaKey(gateway, id)).rejects.toBeInstanceOf(KeyExpiredError);
    await expect(viaKey(gateway, id)).rejects.toMatchObject({ expiresAt: '2026-12-02T00:00:00.000Z', status: 401 });
    expect(gateway.keys.authenticate(token)).toBeNull();
  });

  it('refuses a key that widens its grant, reaches no integration, or names an ambiguous one, with every problem named', async () => {
    const gateway = createGateway(config());
    const issues = async (input: Parameters<typeof gateway.keys.create>[0]) => {
      const error = await gateway.keys.create(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).issues.map((i) => i.path).join(' ');
    };
    expect(await issues({ workspace: 'team-b', integration: 'mock', models: ['m2'] })).toContain('models');
    expect(await issues({ workspace: 'team-c' })).toContain('integration');
    expect(await issues({ workspace: 'team-b' })).toContain('integration');
    expect(await issues({ workspace: 'team-a', budgets: [{ type: 'cost', limit: 0.5 }] })).toContain('budgets');
    expect(await issues({ workspace: 'team-a', id: 'bad id' })).toContain('id');
    expect(await issues({ workspace: 'team-a', expiresAt: 'soon' })).toContain('expiresAt');
    expect(await gateway.keys.list()).toEqual([]);
  });
});

const redis = useTestRedis({ beforeAll, afterAll });

describe.skipIf(!redis.available)('gateway.keys shared through Redis', () => {
  const shared = (prefix: string) => createGateway(config({ store: redisStore({ client: redis.newClient(), prefix }) as Store }));

  it('a key made in one gateway authenticates in another without a restart; revoked, the other refuses it on its very next call', async () => {
    const prefix = `keys-${randomUUID()}`;
    const a = shared(prefix);
    const b = shared(prefix);
    const { id, token } = await a.keys.create({ workspace: 'team-a' });
    const { id: limited } = await a.keys.create({ workspace: 'team-a', rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }] });
    await expect.poll(() => b.keys.authenticate(token), { timeout: 15_000, interval: 50 }).toEqual({ id, workspace: 'team-a', integration: 'mock' });
    await expect(viaKey(b, id)).resolves.toMatchObject({ object: 'chat.completion' });
    await expect.poll(() => b.keys.get(limited), { timeout: 15_000, interval: 50 }).not.toBeNull();
    await a.keys.revoke(id);
    await a.keys.revoke(limited);
    // No waiting: B has not heard of the revocations, its admissions check them in Redis.
    await expect(viaKey(b, id)).rejects.toBeInstanceOf(KeyRevokedError);
    await expect(viaKey(b, limited)).rejects.toBeInstanceOf(KeyRevokedError);
    // A gateway started afterwards replays the log before its first call.
    const c = shared(prefix);
    await expect(viaKey(c, id)).rejects.toBeInstanceOf(KeyRevokedError);
    expect(c.keys.authenticate(token)).toBeNull();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('a change is pushed: a gateway that reads the log only once an hour applies it at once', async () => {
    const prefix = `keys-${randomUUID()}`;
    const a = shared(prefix);
    const b = createGateway(config({ store: redisStore({ client: redis.newClient(), prefix }) as Store, policyPollMs: 3_600_000 }));
    await b.chat({ workspace: 'team-a', model: '@mock/m', messages: HELLO }); // replayed, subscribed
    const { id, token } = await a.keys.create({ workspace: 'team-a' });
    await expect.poll(() => b.keys.authenticate(token)?.id, { timeout: 15_000, interval: 20 }).toBe(id);
    await Promise.all([a.close(), b.close()]);
  });

  it('two gateways creating 100 keys each at once: 200 keys, none lost, and only hashes in Redis', async () => {
    const prefix = `keys-${randomUUID()}`;
    const a = shared(prefix);
    const b = shared(prefix);
    const made = await Promise.all([
      ...Array.from({ length: 100 }, () => a.keys.create({ workspace: 'team-a' })),
      ...Array.from({ length: 100 }, () => b.keys.create({ workspace: 'team-a' })),
    ]);
    expect(new Set(made.map((k) => k.id)).size).toBe(200);
    const c = shared(prefix);
    await c.chat({ workspace: 'team-a', model: '@mock/m', messages: HELLO });
    expect(await c.keys.list()).toHaveLength(200);
    for (const { id, token } of made.slice(0, 5)) expect(c.keys.authenticate(token)?.id).toBe(id);
    const log = (await redis.client.lrange(`{${prefix}}:pol`, 0, -1)).join('\n');
    for (const { token } of made) expect(log.includes(token)).toBe(false);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('the same id created in two gateways at once: one wins everywhere, the other is told', async () => {
    const prefix = `keys-${randomUUID()}`;
    const a = shared(prefix);
    const b = shared(prefix);
    const results = await Promise.allSettled([a.keys.create({ workspace: 'team-a', id: 'same' }), b.keys.create({ workspace: 'team-a', id: 'same' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ConfigError);
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ token: string }>).value.token;
    await expect.poll(() => [a.keys.authenticate(winner)?.id, b.keys.authenticate(winner)?.id], { timeout: 15_000, interval: 50 }).toEqual(['same', 'same']);
    await Promise.all([a.close(), b.close()]);
  });
});
