// npm test: the audit of policy changes on the memory store and on SQLite files; a fraction of a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, RequestValidationError, createGateway, memoryStore, secret, type AuditEntry, type GatewayConfig, type SinkNotice, type Store } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';

/** `gateway.audit.list` and the `policy.changed` event: who changed what, when and why. */

const dir = mkdtempSync(join(tmpdir(), 'tollgate-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(extra: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    integrations: [{ slug: 'mock', provider: 'mock', models: ['m', 'm2'], workspaces: { 'team-a': { each: [{ by: 'user', budgets: [{ type: 'tokens', limit: 100 }] }] } } }],
    ...extra,
  };
}

function manualClock(start = Date.parse('2026-12-06T12:00:00Z')) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

/** One change of every kind, each a minute after the last, by alice or bob. */
async function everyKindOfChange(gateway: ReturnType<typeof createGateway>, advance: (ms: number) => void) {
  const as = (actor: string, reason?: string) => {
    advance(60_000);
    return reason === undefined ? { actor } : { actor, reason };
  };
  const { id, token } = await gateway.keys.create({ workspace: 'team-a', name: 'ci', budgets: [{ type: 'tokens', limit: 1_000 }] }, as('alice', 'for the CI'));
  await gateway.keys.update(id, { name: 'ci-2', models: ['m'] }, as('alice'));
  const rotated = await gateway.keys.rotate(id, { graceMs: 1_000, ...as('bob', 'leaked in a log') });
  await gateway.provisioning.provision({ integration: 'mock', workspace: 'team-b', models: ['m2'] }, as('bob'));
  await gateway.provisioning.setModels({ integration: 'mock', workspace: 'team-b', models: ['m'] }, as('bob'));
  await gateway.provisioning.override({ integration: 'mock', workspace: 'team-a', by: 'user', value: 'u-1', limits: { budgets: [{ type: 'tokens', limit: 500 }] } }, as('alice'));
  await gateway.provisioning.rotateCredentials({ integration: 'mock', credentials: { apiKey: secret.env('MOCK_KEY') } }, as('alice'));
  await gateway.integrations.create({ slug: 'extra', provider: 'mock', workspaces: { 'team-a': {} } }, as('carol'));
  await gateway.integrations.update('extra', { name: 'Extra' }, as('carol'));
  await gateway.integrations.disable('extra', as('carol', 'incident 42'));
  await gateway.integrations.enable('extra', as('carol'));
  await gateway.provisioning.revoke({ integration: 'mock', workspace: 'team-b' }, as('bob'));
  await gateway.keys.revoke(id, as('alice'));
  return { id, tokens: [token, rotated.token] };
}

describe('gateway.audit.list', () => {
  it('lists every change newest first, with its actor, reason, target and a summary without any token or hash', async () => {
    const time = manualClock();
    const gateway = createGateway(config({ clock: time.clock }));
    const { id, tokens } = await everyKindOfChange(gateway, time.advance);
    const entries = await gateway.audit.list();
    expect(entries.map((e) => [e.version, e.action, e.target, e.actor])).toEqual([
      [13, 'key.revoke', `key:${id}`, 'alice'],
      [12, 'provisioning.revoke', 'grant:mock/team-b', 'bob'],
      [11, 'integration.enable', 'integration:extra', 'carol'],
      [10, 'integration.disable', 'integration:extra', 'carol'],
      [9, 'integration.update', 'integration:extra', 'carol'],
      [8, 'integration.create', 'integration:extra', 'carol'],
      [7, 'provisioning.rotate-credentials', 'integration:mock', 'alice'],
      [6, 'provisioning.override', 'grant:mock/team-a', 'alice'],
      [5, 'provisioning.set-models', 'grant:mock/team-b', 'bob'],
      [4, 'provisioning.provision', 'grant:mock/team-b', 'bob'],
      [3, 'key.rotate', `key:${id}`, 'bob'],
      [2, 'key.update', `key:${id}`, 'alice'],
      [1, 'key.create', `key:${id}`, 'alice'],
    ]);
    const byVersion = new Map(entries.map((e) => [e.version, e]));
    expect(byVersion.get(1)).toMatchObject({ at: '2026-12-06T12:01:00.000Z', reason: 'for the CI', origin: expect.any(String), summary: `created key '${id}' for workspace 'team-a' on 'mock' (name 'ci'; 1 budget)` });
    expect(byVersion.get(2)!.summary).toBe(`changed name and models of key '${id}'`);
    expect(byVersion.get(3)).toMatchObject({ reason: 'leaked in a log', summary: `rotated the token of key '${id}': the previous token works until 2026-12-06T12:03:01.000Z` });
    expect(byVersion.get(4)!.summary).toBe("provisioned 'mock' to workspace 'team-b' (models m2)");
    expect(byVersion.get(6)!.summary).toBe("gave user 'u-1' of grant:mock/team-a its own limits (1 budget)");
    expect(byVersion.get(7)!.summary).toBe("replaced the credentials of integration 'mock': apiKey (env MOCK_KEY)");
    expect(byVersion.get(10)).toMatchObject({ reason: 'incident 42', summary: "disabled integration 'extra'" });
    expect(byVersion.get(13)!.reason).toBeNull();
    const shown = JSON.stringify(entries);
    for (const token of tokens) expect(shown.includes(token)).toBe(false);
    expect(shown).not.toMatch(/[0-9a-f]{64}/);
  });

  it('filters by actor, action or family, target (an integration with its grants), time and limit', async () => {
    const time = manualClock();
    const gateway = createGateway(config({ clock: time.clock }));
    const { id } = await everyKindOfChange(gateway, time.advance);
    const versions = async (filter: Parameters<typeof gateway.audit.list>[0]) => (await gateway.audit.list(filter)).map((e) => e.version);
    expect(await versions({ actor: 'carol' })).toEqual([11, 10, 9, 8]);
    expect(await versions({ action: 'key' })).toEqual([13, 3, 2, 1]);
    expect(await versions({ action: 'key.rotate' })).toEqual([3]);
    expect(await versions({ action: 'key.rot' })).toEqual([]);
    expect(await versions({ target: `key:${id}` })).toEqual([13, 3, 2, 1]);
    expect(await versions({ target: 'integration:mock' })).toEqual([12, 7, 6, 5, 4]);
    expect(await versions({ target: 'workspace:team-b' })).toEqual([12, 5, 4]);
    // Changes at 12:01, 12:02...: since is inclusive, until exclusive.
    expect(await versions({ since: '2026-12-06T12:11:00Z' })).toEqual([13, 12, 11]);
    expect(await versions({ since: new Date('2026-12-06T12:02:00Z'), until: '2026-12-06T12:04:00Z' })).toEqual([3, 2]);
    expect(await versions({ limit: 2 })).toEqual([13, 12]);
    expect(await versions({ actor: 'alice', limit: 3 })).toEqual([13, 7, 6]);
  });

  it('a bad filter is a RequestValidationError naming the field; bad options a ConfigError', async () => {
    const gateway = createGateway(config());
    await expect(gateway.audit.list({ limit: 0 })).rejects.toMatchObject({ name: 'RequestValidationError', issues: [{ path: 'limit' }] });
    await expect(gateway.audit.list({ since: 'yesterday' })).rejects.toMatchObject({ issues: [{ path: 'since' }] });
    await expect(gateway.audit.list({ colour: 'red' } as never)).rejects.toBeInstanceOf(RequestValidationError);
    await expect(gateway.keys.create({ workspace: 'team-a' }, { actor: 'x'.repeat(257) })).rejects.toMatchObject({ name: 'ConfigError', issues: [{ path: 'actor' }] });
    await expect(gateway.keys.create({ workspace: 'team-a' }, { who: 'me' } as never)).rejects.toBeInstanceOf(ConfigError);
    await expect(gateway.provisioning.revoke({ integration: 'mock', workspace: 'team-a' }, { reason: 5 } as never)).rejects.toMatchObject({ issues: [{ path: 'reason' }] });
    // Nothing was written by the refused calls.
    expect(await gateway.audit.list()).toEqual([]);
  });

  it('a token pasted into a reason or an actor is masked before it is kept', async () => {
    const gateway = createGateway(config());
    const { id, token } = await gateway.keys.create({ workspace: 'team-a' });
    await gateway.keys.rotate(id, { actor: `bot ${token}`, reason: `was ${token}, now rotated` });
    const [entry] = await gateway.audit.list({ action: 'key.rotate' });
    expect(entry).toMatchObject({ actor: 'bot tg_***', reason: 'was tg_***, now rotated' });
  });

  it('a change refused where it was applied (made on a gateway that had not seen the key revoked) is not in the audit', async () => {
    const path = join(dir, 'skipped.db');
    const on = (store: Store) => createGateway(config({ store, policyPollMs: 3_600_000 }));
    const a = on(sqliteStore({ path }));
    const { id } = await a.keys.create({ workspace: 'team-a' });
    const b = on(sqliteStore({ path }));
    await b.ready();
    await a.keys.revoke(id);
    // B has not read the revocation: it appends its update, which every gateway then skips.
    await expect(b.keys.update(id, { name: 'late' })).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('is revoked') });
    expect((await a.audit.list()).map((e) => [e.version, e.action])).toEqual([
      [2, 'key.revoke'],
      [1, 'key.create'],
    ]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('the policy.changed event', () => {
  it('is emitted once in the fleet, by the gateway that made the change, with the audit entry; a sink gets it by asking', async () => {
    const store = memoryStore();
    const notices: SinkNotice[] = [];
    const sink = { notify: (notice: SinkNotice) => void notices.push(notice), notices: ['policy.changed' as const] };
    const a = createGateway(config({ store, sinks: [sink] }));
    const b = createGateway(config({ store }));
    const seen: Record<string, AuditEntry[]> = { a: [], b: [] };
    a.on('policy.changed', (e) => seen.a!.push(e));
    b.on('policy.changed', (e) => seen.b!.push(e));
    const heardByB: string[] = [];
    b.on('key.created', (e) => heardByB.push(e.id));
    const { id } = await a.keys.create({ workspace: 'team-a' }, { actor: 'alice' });
    await a.flush();
    expect(heardByB).toEqual([id]);
    expect(seen.b).toEqual([]);
    expect(seen.a).toEqual(await a.audit.list());
    expect(seen.a).toMatchObject([{ version: 1, action: 'key.create', actor: 'alice', target: `key:${id}` }]);
    expect(notices).toEqual([{ type: 'policy.changed', event: seen.a![0] }]);
    await b.integrations.disable('mock', { actor: 'bob' });
    expect(seen.a).toHaveLength(1);
    expect(seen.b).toMatchObject([{ version: 2, action: 'integration.disable', actor: 'bob' }]);
  });
});

describe('the audit survives a restart', () => {
  it('on SQLite: a new gateway on the file lists what the last one did', async () => {
    const path = join(dir, 'restart.db');
    const on = (store: Store) => createGateway(config({ store }));
    const first = on(sqliteStore({ path }));
    const { id } = await first.keys.create({ workspace: 'team-a' }, { actor: 'alice', reason: 'setup' });
    await first.keys.rotate(id, { actor: 'bob' });
    const before = await first.audit.list();
    await first.close();
    const second = on(sqliteStore({ path }));
    expect(await second.audit.list()).toEqual(before);
    expect(before.map((e) => e.action)).toEqual(['key.rotate', 'key.create']);
    await second.close();
  });
});
