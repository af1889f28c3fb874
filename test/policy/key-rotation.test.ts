// npm test: key rotation on the memory store and on one SQLite file shared by two gateways; a fraction of a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, KeyNotFoundError, KeyRevokedError, createGateway, type Gateway, type GatewayConfig, type Store } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';

/** `gateway.keys.rotate`: a new token at once, the old one until its grace ends, the key's spend kept. */

const dir = mkdtempSync(join(tmpdir(), 'tollgate-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HELLO = [{ role: 'user' as const, content: 'Hello' }];

function config(extra: Partial<GatewayConfig> = {}): GatewayConfig {
  return { integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': {} } }], ...extra };
}

/** A clock the test moves. */
function manualClock(start = Date.parse('2026-12-06T12:00:00Z')) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

describe('gateway.keys.rotate', () => {
  it('without a grace: the new token works at once and the old one stops at once', async () => {
    const time = manualClock();
    const gateway = createGateway(config({ clock: time.clock }));
    const { id, token: old } = await gateway.keys.create({ workspace: 'team-a' });
    const rotated = await gateway.keys.rotate(id);
    expect(rotated.token).toMatch(/^tg_/);
    expect(rotated.token).not.toBe(old);
    expect(rotated.previousValidUntil).toBe(new Date(time.clock()).toISOString());
    expect(gateway.keys.authenticate(rotated.token)).toEqual({ id, workspace: 'team-a', integration: 'mock' });
    expect(gateway.keys.authenticate(old)).toBeNull();
    expect(await gateway.keys.get(id)).toMatchObject({ id, previousValidUntil: null, hasToken: true });
  });

  it('with a grace: both tokens work until previousValidUntil, then only the new one', async () => {
    const time = manualClock();
    const gateway = createGateway(config({ clock: time.clock }));
    const { id, token: old } = await gateway.keys.create({ workspace: 'team-a' });
    const { token, previousValidUntil } = await gateway.keys.rotate(id, { graceMs: 60_000 });
    expect(previousValidUntil).toBe(new Date(time.clock() + 60_000).toISOString());
    expect(await gateway.keys.get(id)).toMatchObject({ previousValidUntil });
    expect(gateway.keys.authenticate(old)).toMatchObject({ id });
    expect(gateway.keys.authenticate(token)).toMatchObject({ id });
    time.advance(59_999);
    expect(gateway.keys.authenticate(old)).toMatchObject({ id });
    time.advance(1);
    expect(gateway.keys.authenticate(old)).toBeNull();
    expect(gateway.keys.authenticate(token)).toMatchObject({ id });
  });

  it('a second rotation ends the grace of the first: only the last token before a rotation is kept', async () => {
    const gateway = createGateway(config());
    const { id, token: first } = await gateway.keys.create({ workspace: 'team-a' });
    const { token: second } = await gateway.keys.rotate(id, { graceMs: 60_000 });
    const { token: third } = await gateway.keys.rotate(id, { graceMs: 60_000 });
    expect(gateway.keys.authenticate(first)).toBeNull();
    expect(gateway.keys.authenticate(second)).toMatchObject({ id });
    expect(gateway.keys.authenticate(third)).toMatchObject({ id });
  });

  it("the key's budget, limits and analytics stay with its id", async () => {
    const gateway = createGateway(config());
    const { id } = await gateway.keys.create({ workspace: 'team-a', budgets: [{ type: 'tokens', limit: 1_000_000 }], rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }] });
    await gateway.chat({ key: id, model: 'm', messages: HELLO });
    const before = (await gateway.limits.status({ key: id, kind: 'budget' })).at(-1)!.used;
    expect(before).toBeGreaterThan(0);
    await gateway.keys.rotate(id);
    expect((await gateway.limits.status({ key: id, kind: 'budget' })).at(-1)!.used).toBe(before);
    await gateway.chat({ key: id, model: 'm', messages: HELLO });
    // The rate limit counted the call before the rotation.
    await expect(gateway.chat({ key: id, model: 'm', messages: HELLO })).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    const rows = (await gateway.analytics.query({ from: 0, groupBy: ['key'] })).rows;
    expect(rows).toMatchObject([{ key: id, requests: 3 }]);
  });

  it('a key made without a token gets one; an unknown or revoked key, or a bad grace, is refused', async () => {
    const gateway = createGateway({ ...config(), keys: [{ id: 'static', workspace: 'team-a', integration: 'mock' }] });
    const { token } = await gateway.keys.rotate('static');
    expect(gateway.keys.authenticate(token)).toMatchObject({ id: 'static' });
    await expect(gateway.keys.rotate('nope')).rejects.toBeInstanceOf(KeyNotFoundError);
    await gateway.keys.revoke('static');
    await expect(gateway.keys.rotate('static')).rejects.toBeInstanceOf(KeyRevokedError);
    const { id } = await gateway.keys.create({ workspace: 'team-a' });
    await expect(gateway.keys.rotate(id, { graceMs: -1 })).rejects.toMatchObject({ name: 'ConfigError', issues: [{ path: 'graceMs' }] });
    await expect(gateway.keys.rotate(id, { graceMs: 1.5 })).rejects.toBeInstanceOf(ConfigError);
    await expect(gateway.keys.rotate(id, { actor: '' })).rejects.toMatchObject({ issues: [{ path: 'actor' }] });
  });

  it('a rotated key revoked: neither token works', async () => {
    const gateway = createGateway(config());
    const { id, token: old } = await gateway.keys.create({ workspace: 'team-a' });
    const { token } = await gateway.keys.rotate(id, { graceMs: 60_000 });
    await gateway.keys.revoke(id);
    expect(gateway.keys.authenticate(old)).toBeNull();
    expect(gateway.keys.authenticate(token)).toBeNull();
    await expect(gateway.chat({ key: id, model: 'm', messages: HELLO })).rejects.toBeInstanceOf(KeyRevokedError);
  });
});

describe('gateway.keys.rotate on a shared store (two gateways on one SQLite file)', () => {
  // B reads the log once an hour here: until it does, it has not applied what A changed.
  const pair = async (name: string) => {
    const path = join(dir, `${name}.db`);
    const on = (store: Store): Gateway => createGateway({ ...config(), store, policyPollMs: 3_600_000 });
    const a = on(sqliteStore({ path }));
    const { id, token } = await a.keys.create({ workspace: 'team-a' });
    const b = on(sqliteStore({ path }));
    await b.ready();
    expect(b.keys.authenticate(token)).toMatchObject({ id });
    return { a, b, id, token };
  };

  it('without a grace, a gateway that has not applied the rotation yet is refused by the store: the old token works nowhere', async () => {
    const { a, b, id, token: old } = await pair('no-grace');
    const { token } = await a.keys.rotate(id);
    // B still takes the old token itself, but the store refuses the admission of its old generation.
    expect(b.keys.authenticate(old)).toMatchObject({ id });
    await expect(b.chat({ key: id, model: 'm', messages: HELLO })).rejects.toBeInstanceOf(KeyRevokedError);
    // Once B has read the log: the new token works there, the old one does not.
    await b.audit.list({ limit: 1 });
    expect(b.keys.authenticate(old)).toBeNull();
    expect(b.keys.authenticate(token)).toMatchObject({ id });
    await expect(b.chat({ key: id, model: 'm', messages: HELLO })).resolves.toMatchObject({ object: 'chat.completion' });
    await Promise.all([a.close(), b.close()]);
  });

  it('two gateways rotating the key at once: the first rotation wins everywhere, the second is refused and its token never works', async () => {
    const { a, b, id } = await pair('concurrent');
    const first = await a.keys.rotate(id);
    // B has not applied A's rotation: its own is made from the same generation.
    await expect(b.keys.rotate(id)).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('rotated meanwhile') });
    expect(a.keys.authenticate(first.token)).toMatchObject({ id });
    expect(b.keys.authenticate(first.token)).toMatchObject({ id });
    const again = await b.keys.rotate(id);
    await a.audit.list({ limit: 1 });
    expect(a.keys.authenticate(again.token)).toMatchObject({ id });
    expect(a.keys.authenticate(first.token)).toBeNull();
    expect((await a.audit.list({ action: 'key.rotate' })).map((e) => e.version)).toEqual([4, 2]);
    await Promise.all([a.close(), b.close()]);
  });

  it('with a grace, every gateway goes on admitting the key; revoked afterwards, refused everywhere at once', async () => {
    const { a, b, id, token: old } = await pair('grace');
    const { token } = await a.keys.rotate(id, { graceMs: 3_600_000 });
    await expect(b.chat({ key: id, model: 'm', messages: HELLO })).resolves.toMatchObject({ object: 'chat.completion' });
    await b.audit.list({ limit: 1 });
    expect(b.keys.authenticate(old)).toMatchObject({ id });
    expect(b.keys.authenticate(token)).toMatchObject({ id });
    // A revocation made after a rotation that B has applied, or not, refuses B's next call.
    await a.keys.rotate(id, { graceMs: 3_600_000 });
    await a.keys.revoke(id);
    await expect(b.chat({ key: id, model: 'm', messages: HELLO })).rejects.toBeInstanceOf(KeyRevokedError);
    await Promise.all([a.close(), b.close()]);
  });
});
