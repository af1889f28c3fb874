// npm test: integrations at runtime on the memory store and on SQLite files shared by two gateways; a fraction of a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  IntegrationDisabledError,
  IntegrationNotFoundError,
  WorkspaceNotProvisionedError,
  createGateway,
  secret,
  type Gateway,
  type GatewayConfig,
  type IntegrationChangeEvent,
} from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';

/** `gateway.integrations`: integrations made, changed, disabled and enabled while gateways run. */

const dir = mkdtempSync(join(tmpdir(), 'tollgate-integrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HELLO = [{ role: 'user' as const, content: 'Hello' }];
const ask = (gateway: Gateway, model: string, workspace = 'team-a') => gateway.chat({ workspace, model, messages: HELLO });

function config(extra: Partial<GatewayConfig> = {}): GatewayConfig {
  return { integrations: [{ slug: 'base', provider: 'mock', workspaces: { 'team-a': {} } }], ...extra };
}

describe('gateway.integrations (one gateway)', () => {
  it('create: validated like the config, callable at once, listed with its secrets by reference only', async () => {
    vi.stubEnv('EXTRA_AUTH', 'auth-from-the-environment');
    const gateway = createGateway(config());
    const changed: IntegrationChangeEvent[] = [];
    gateway.on('integration.changed', (e) => changed.push(e));
    const info = await gateway.integrations.create(
      {
        slug: 'extra',
        provider: 'mock',
        name: 'Extra',
        credentials: { apiKey: secret.value('sk-extra-0123456789') },
        headers: { 'x-tenant': 'acme', 'x-auth': secret.env('EXTRA_AUTH') },
        mock: { reply: 'from extra' },
        workspaces: { 'team-a': { models: ['m'] } },
        pricing: { m: { input: 1, output: 2 } },
      },
      { actor: 'alice' },
    );
    expect(info).toMatchObject({
      slug: 'extra',
      provider: 'mock',
      name: 'Extra',
      disabled: false,
      source: 'runtime',
      workspaces: { 'team-a': { models: ['m'] } },
      pricing: { m: { input: 1, output: 2 } },
      credentials: { apiKey: { secret: 'value' } },
      headers: { 'x-tenant': { secret: 'value' }, 'x-auth': { env: 'EXTRA_AUTH' } },
      options: { mock: { reply: 'from extra' } },
    });
    expect((await ask(gateway, '@extra/m')).choices[0]!.message.content).toBe('from extra');
    expect(gateway.provisioning.models({ workspace: 'team-a' })).toEqual(['@extra/m']);
    expect((await gateway.integrations.list()).map((i) => [i.slug, i.source])).toEqual([
      ['base', 'config'],
      ['extra', 'runtime'],
    ]);
    expect(await gateway.integrations.get('nope')).toBeNull();
    const shown = JSON.stringify([info, await gateway.integrations.list(), changed, await gateway.audit.list()]);
    expect(shown.includes('sk-extra-0123456789')).toBe(false);
    expect(shown.includes('acme')).toBe(false);
    expect(shown.includes('auth-from-the-environment')).toBe(false);
    expect(changed).toMatchObject([{ action: 'create', integration: 'extra', version: 1 }]);
  });

  it('create refuses what the config would refuse, and what is not data', async () => {
    const gateway = createGateway(config());
    const refusal = (input: unknown) => gateway.integrations.create(input as never).then(() => null, (error: unknown) => error);
    await expect(refusal({ slug: 'base', provider: 'mock', workspaces: 'all' })).resolves.toMatchObject({ name: 'ConfigError', issues: [{ path: 'slug', message: expect.stringContaining('exists already') }] });
    await expect(refusal({ slug: 'x', provider: 'nope', workspaces: 'all' })).resolves.toMatchObject({ name: 'ConfigError', issues: [expect.objectContaining({ path: expect.stringContaining('provider') })] });
    await expect(refusal({ slug: 'x', provider: 'openai', credentials: { apiKey: 'sk-plain' }, workspaces: 'all' })).resolves.toMatchObject({ issues: [expect.objectContaining({ message: expect.stringContaining('must be a secret') })] });
    await expect(refusal({ slug: 'x', provider: 'mock', mock: { reply: () => 'hi' }, workspaces: 'all' })).resolves.toMatchObject({ issues: [{ path: 'mock.reply', message: expect.stringContaining('is a function') }] });
    await expect(refusal({ slug: 'x', provider: 'openai', credentials: { apiKey: secret.ref('vault', 'openai') }, workspaces: 'all' })).resolves.toMatchObject({ issues: [{ path: 'credentials.apiKey', message: expect.stringContaining("resolver 'vault'") }] });
    await expect(refusal('openai')).resolves.toBeInstanceOf(ConfigError);
    expect((await gateway.integrations.list()).map((i) => i.slug)).toEqual(['base']);
    expect(await gateway.audit.list()).toEqual([]);
  });

  it('update changes fields (the provider adapter too), removes one set to null, and is held to the keys', async () => {
    const gateway = createGateway(config());
    await gateway.integrations.create({ slug: 'extra', provider: 'mock', name: 'Extra', mock: { reply: 'first' }, workspaces: { 'team-a': {} } });
    const updated = await gateway.integrations.update('extra', { mock: { reply: 'second' }, name: null, description: 'now described' });
    expect(updated).toMatchObject({ name: null, description: 'now described', options: { mock: { reply: 'second' } } });
    expect((await ask(gateway, '@extra/m')).choices[0]!.message.content).toBe('second');
    const { id } = await gateway.keys.create({ workspace: 'team-a', integration: 'extra', models: ['m'] });
    await expect(gateway.integrations.update('extra', { models: ['other'] })).rejects.toMatchObject({ name: 'ConfigError', issues: [expect.objectContaining({ path: expect.stringContaining(`keys["${id}"]`) })] });
    await expect(gateway.integrations.update('extra', { slug: 'x', provider: 'openai' } as never)).rejects.toMatchObject({ issues: [{ path: 'slug' }, { path: 'provider' }] });
    await expect(gateway.integrations.update('extra', { disabled: true } as never)).rejects.toMatchObject({ issues: [{ path: 'disabled', message: expect.stringContaining('disable') }] });
    await expect(gateway.integrations.update('extra', { workspaces: 'all' } as never)).rejects.toMatchObject({ issues: [{ path: 'workspaces', message: expect.stringContaining('provisioning.provision') }] });
    await expect(gateway.integrations.update('nope', { name: 'x' })).rejects.toBeInstanceOf(IntegrationNotFoundError);
  });

  it('disable refuses every call at once, its keys too, and lists no model; enable serves it again with its grants', async () => {
    const gateway = createGateway(config());
    const { id } = await gateway.keys.create({ workspace: 'team-a' });
    await ask(gateway, '@base/m');
    await gateway.integrations.disable('base', { actor: 'ops' });
    expect(await gateway.integrations.get('base')).toMatchObject({ disabled: true });
    await expect(ask(gateway, '@base/m')).rejects.toBeInstanceOf(IntegrationDisabledError);
    await expect(gateway.chat({ key: id, model: 'm', messages: HELLO })).rejects.toMatchObject({ code: 'integration_disabled', status: 403 });
    expect(gateway.provisioning.models({ workspace: 'team-a' })).toEqual([]);
    await gateway.integrations.enable('base');
    await expect(ask(gateway, '@base/m')).resolves.toMatchObject({ object: 'chat.completion' });
    await expect(gateway.chat({ key: id, model: 'm', messages: HELLO })).resolves.toMatchObject({ object: 'chat.completion' });
    await expect(gateway.integrations.disable('nope')).rejects.toBeInstanceOf(IntegrationNotFoundError);
  });
});

describe('gateway.integrations on a shared store (two gateways on one SQLite file)', () => {
  const on = (path: string, poll = 3_600_000) => createGateway({ ...config(), store: sqliteStore({ path }), policyPollMs: poll });

  it('a secret value cannot be shared through the store: references only', async () => {
    const gateway = on(join(dir, 'refs.db'));
    await expect(
      gateway.integrations.create({ slug: 'x', provider: 'openai', credentials: { apiKey: secret.value('sk-shared-0123456789') }, workspaces: 'all' }),
    ).rejects.toMatchObject({ name: 'ConfigError', issues: [{ path: 'credentials.apiKey', message: expect.stringContaining('cannot be shared through the sqlite store') }] });
    await gateway.integrations.create({ slug: 'x', provider: 'openai', credentials: { apiKey: secret.env('OPENAI_X') }, workspaces: 'all' });
    expect(await gateway.integrations.get('x')).toMatchObject({ credentials: { apiKey: { env: 'OPENAI_X' } } });
    await gateway.close();
  });

  it('made by one gateway, callable on another once it reads the log, and after a restart', async () => {
    const path = join(dir, 'shared.db');
    const a = on(path);
    const b = on(path);
    await b.ready();
    await a.integrations.create({ slug: 'extra', provider: 'mock', mock: { reply: 'from extra' }, workspaces: { 'team-a': {} } }, { actor: 'alice' });
    await expect(ask(b, '@extra/m')).rejects.toBeInstanceOf(IntegrationNotFoundError);
    await b.audit.list({ limit: 1 });
    expect((await ask(b, '@extra/m')).choices[0]!.message.content).toBe('from extra');
    await Promise.all([a.close(), b.close()]);
    const c = on(path);
    expect(await c.integrations.get('extra')).toMatchObject({ source: 'runtime' });
    expect((await ask(c, '@extra/m')).choices[0]!.message.content).toBe('from extra');
    await c.close();
  });

  it('disabled by one gateway: refused at once by another that has not read the log yet (the store refuses its grants)', async () => {
    const path = join(dir, 'disable.db');
    const a = on(path);
    const b = on(path);
    await b.ready();
    await a.provisioning.provision({ integration: 'base', workspace: '*' });
    await b.audit.list({ limit: 1 });
    await ask(b, '@base/m', 'team-a');
    await ask(b, '@base/m', 'anyone');
    await a.integrations.disable('base');
    await expect(ask(b, '@base/m', 'team-a')).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    await expect(ask(b, '@base/m', 'anyone')).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    await b.audit.list({ limit: 1 });
    await expect(ask(b, '@base/m')).rejects.toBeInstanceOf(IntegrationDisabledError);
    await a.integrations.enable('base');
    await b.audit.list({ limit: 1 });
    await expect(ask(b, '@base/m', 'team-a')).resolves.toMatchObject({ object: 'chat.completion' });
    await expect(ask(b, '@base/m', 'anyone')).resolves.toMatchObject({ object: 'chat.completion' });
    await Promise.all([a.close(), b.close()]);
  });
});
