// npm test: runtime provisioning on the memory store, in process; milliseconds.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  CredentialsUnavailableError,
  IntegrationNotFoundError,
  KeyNotFoundError,
  ModelNotAllowedError,
  RequestValidationError,
  WorkspaceNotProvisionedError,
  createGateway,
  memoryStore,
  secret,
  type GatewayConfig,
} from '../../src/index.js';
import { holdCalls } from '../helpers/hold-calls.js';
import { ask, gatewayWithEvents } from '../helpers/mock-gateway.js';

const base = (workspaces: GatewayConfig['integrations'][number]['workspaces'], extra: Record<string, unknown> = {}): GatewayConfig => ({
  integrations: [{ slug: 'mock', provider: 'mock', models: ['small', 'large', 'vision'], workspaces, ...extra }],
});

describe('workspace provisioning', () => {
  it("'all' admits every workspace", async () => {
    const gateway = createGateway(base('all'));
    await expect(gateway.chat(ask('@mock/small', { workspace: 'anyone' }))).resolves.toMatchObject({ gateway: { workspace: 'anyone' } });
  });

  it('specific workspaces only', async () => {
    const gateway = createGateway(base({ 'team-a': {} }));
    await expect(gateway.chat(ask('@mock/small'))).resolves.toBeDefined();
    const error = await gateway.chat(ask('@mock/small', { workspace: 'team-b' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkspaceNotProvisionedError);
    expect(error).toMatchObject({ status: 403, workspace: 'team-b', integration: 'mock' });
  });

  it("'*' provisions every workspace; a named grant narrows it further; false excludes", async () => {
    const gateway = createGateway(
      base({ '*': { models: ['small', 'large'] }, 'team-a': { models: ['small'] }, contractors: false }),
    );
    await expect(gateway.chat(ask('@mock/large', { workspace: 'team-z' }))).resolves.toBeDefined();
    await expect(gateway.chat(ask('@mock/vision', { workspace: 'team-z' }))).rejects.toMatchObject({
      code: 'model_not_allowed',
      scope: 'grant:mock/team-z',
    });
    await expect(gateway.chat(ask('@mock/large'))).rejects.toMatchObject({ code: 'model_not_allowed', scope: 'grant:mock/team-a' });
    await expect(gateway.chat(ask('@mock/small'))).resolves.toBeDefined();
    await expect(gateway.chat(ask('@mock/small', { workspace: 'contractors' }))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
  });
});

describe('model provisioning', () => {
  it('the integration allowlist applies to every workspace', async () => {
    const gateway = createGateway(base('all'));
    const error = await gateway.chat(ask('@mock/gpt-5')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAllowedError);
    expect(error).toMatchObject({ status: 403, model: 'gpt-5', scope: 'integration:mock' });
  });

  it("'all' admits any model id, including ones with slashes", async () => {
    const gateway = createGateway({ integrations: [{ slug: 'm', provider: 'mock', workspaces: 'all' }] });
    await expect(gateway.chat(ask('@m/meta-llama/Llama-3.1-8B'))).resolves.toMatchObject({ gateway: { model: 'meta-llama/Llama-3.1-8B' } });
  });

  it('custom models are allowed when declared', async () => {
    const gateway = createGateway(base('all', { customModels: [{ id: 'ft:small:acme' }] }));
    await expect(gateway.chat(ask('@mock/ft:small:acme'))).resolves.toMatchObject({ model: 'ft:small:acme' });
    await expect(gateway.chat(ask('@mock/ft:small:other'))).rejects.toBeInstanceOf(ModelNotAllowedError);
  });

  it('a key narrows its grant, and fixes workspace and integration', async () => {
    const gateway = createGateway({
      ...base({ 'team-a': { models: ['small', 'large'] } }),
      keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock', models: ['small'] }],
    });
    await expect(gateway.chat({ key: 'app-1', model: 'small', messages: [{ role: 'user', content: 'hi' }] })).resolves.toMatchObject({
      gateway: { key: 'app-1', workspace: 'team-a', integration: 'mock' },
    });
    await expect(gateway.chat({ key: 'app-1', model: '@mock/small', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeDefined();
    await expect(gateway.chat({ key: 'app-1', model: 'large', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      code: 'model_not_allowed',
      scope: 'key:app-1',
    });
    await expect(gateway.chat({ key: 'app-1', model: '@other/small', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      ModelNotAllowedError,
    );
    await expect(
      gateway.chat({ key: 'app-1', workspace: 'team-b', model: 'small', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(RequestValidationError);
    await expect(gateway.chat({ key: 'nope', model: 'small', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      KeyNotFoundError,
    );
  });
});

describe('target resolution', () => {
  it('needs @slug/ without a key, a workspace, and an existing integration', async () => {
    const gateway = createGateway(base('all'));
    await expect(gateway.chat(ask('small'))).rejects.toMatchObject({ code: 'invalid_request', issues: [{ path: 'model' }] });
    await expect(gateway.chat(ask('@mock/'))).rejects.toMatchObject({ code: 'invalid_request', issues: [{ path: 'model' }] });
    await expect(gateway.chat(ask('@mock/small', { workspace: undefined }))).rejects.toMatchObject({
      code: 'invalid_request',
      issues: [{ path: 'workspace' }],
    });
    await expect(gateway.chat(ask('@nope/small'))).rejects.toBeInstanceOf(IntegrationNotFoundError);
  });
});

describe('runtime provisioning', () => {
  it('provision and revoke take effect on the next request, and are announced', async () => {
    const { gateway, events } = gatewayWithEvents(base({ 'team-a': {} }));
    const changes: unknown[] = [];
    gateway.on('provisioning.changed', (c) => changes.push(c));

    await expect(gateway.chat(ask('@mock/small', { workspace: 'team-b' }))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    await gateway.provisioning.provision({ integration: 'mock', workspace: 'team-b', models: ['small'] });
    await expect(gateway.chat(ask('@mock/small', { workspace: 'team-b' }))).resolves.toBeDefined();
    await expect(gateway.chat(ask('@mock/large', { workspace: 'team-b' }))).rejects.toMatchObject({ scope: 'grant:mock/team-b' });

    await gateway.provisioning.revoke({ integration: 'mock', workspace: 'team-b' });
    await expect(gateway.chat(ask('@mock/small', { workspace: 'team-b' }))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    await expect(gateway.chat(ask('@mock/small'))).resolves.toBeDefined();

    expect(changes).toMatchObject([
      { action: 'provision', integration: 'mock', workspace: 'team-b' },
      { action: 'revoke', integration: 'mock', workspace: 'team-b' },
    ]);
    expect(events.map((e) => e.status)).toEqual(['rejected', 'success', 'rejected', 'rejected', 'success']);
  });

  it("revoking a workspace covered by 'all' or '*' excludes it, and its keys stop working", async () => {
    const gateway = createGateway({ ...base('all'), keys: [{ id: 'k', workspace: 'team-a', integration: 'mock' }] });
    await gateway.provisioning.revoke({ integration: 'mock', workspace: 'team-a' });
    await expect(gateway.chat(ask('@mock/small'))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    await expect(gateway.chat({ key: 'k', model: 'small', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      WorkspaceNotProvisionedError,
    );
    await expect(gateway.chat(ask('@mock/small', { workspace: 'team-b' }))).resolves.toBeDefined();
    await gateway.provisioning.provision({ integration: 'mock', workspace: 'team-a' });
    await expect(gateway.chat(ask('@mock/small'))).resolves.toBeDefined();
  });

  it('setModels narrows a grant or the integration, and may not widen', async () => {
    const gateway = createGateway(base({ 'team-a': {} }));
    await gateway.provisioning.setModels({ integration: 'mock', workspace: 'team-a', models: ['small'] });
    await expect(gateway.chat(ask('@mock/large'))).rejects.toMatchObject({ scope: 'grant:mock/team-a' });
    await expect(gateway.chat(ask('@mock/small'))).resolves.toBeDefined();

    await expect(gateway.provisioning.setModels({ integration: 'mock', workspace: 'team-a', models: ['gpt-5'] })).rejects.toThrow(ConfigError);
    // The rejected change left the previous policy in place.
    await expect(gateway.chat(ask('@mock/small'))).resolves.toBeDefined();

    // Narrowing the integration narrows the grants that listed what it no longer allows.
    await gateway.provisioning.setModels({ integration: 'mock', models: ['large'] });
    await expect(gateway.chat(ask('@mock/small'))).rejects.toMatchObject({ scope: 'integration:mock' });
    await expect(gateway.chat(ask('@mock/large'))).rejects.toMatchObject({ scope: 'grant:mock/team-a' });
    await expect(gateway.chat(ask('@mock/large', { workspace: 'team-b' }))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    await expect(gateway.provisioning.setModels({ integration: 'mock', workspace: 'team-z', models: ['large'] })).rejects.toThrow(
      WorkspaceNotProvisionedError,
    );
    await expect(gateway.provisioning.provision({ integration: 'nope', workspace: 'x' })).rejects.toThrow(IntegrationNotFoundError);
  });

  it("a grant change is checked against the keys of its workspace (runtime keys included), and '*' against every key", async () => {
    const gateway = createGateway({
      integrations: [{ slug: 'mock', provider: 'mock', models: ['small', 'large'], workspaces: { '*': {}, 'team-a': {}, 'team-b': {} } }],
      keys: [
        { id: 'a-large', workspace: 'team-a', integration: 'mock', models: ['large'] },
        { id: 'b-small', workspace: 'team-b', integration: 'mock', models: ['small'] },
      ],
    });
    // team-b's grant may drop 'large': no key of team-b lists it (team-a's key does, and is not concerned).
    await gateway.provisioning.setModels({ integration: 'mock', workspace: 'team-b', models: ['small'] });
    // team-a's may not: its key lists 'large'.
    await expect(gateway.provisioning.setModels({ integration: 'mock', workspace: 'team-a', models: ['small'] })).rejects.toThrow(/keys\["a-large"\]\.models\[0\]/);
    // A runtime key in team-c (reached through '*') counts for team-c's grant...
    const { id } = await gateway.keys.create({ workspace: 'team-c', integration: 'mock', models: ['large'] });
    await expect(gateway.provisioning.provision({ integration: 'mock', workspace: 'team-c', models: ['small'] })).rejects.toThrow(new RegExp(`keys\\["${id}"\\]`));
    // ...and for a change of '*', which every workspace without a grant of its own goes through.
    await expect(gateway.provisioning.setModels({ integration: 'mock', workspace: '*', models: ['small'] })).rejects.toThrow(new RegExp(`keys\\["${id}"\\]`));
    // Once revoked, it no longer holds team-c's grant back.
    await gateway.keys.revoke(id);
    await expect(gateway.provisioning.provision({ integration: 'mock', workspace: 'team-c', models: ['small'] })).resolves.toMatchObject({ version: expect.any(Number) });
  });

  it('narrowing the integration narrows keys too, and custom models stay', async () => {
    const gateway = createGateway({
      integrations: [{ slug: 'mock', provider: 'mock', models: ['small', 'large'], customModels: [{ id: 'ft:acme' }], workspaces: 'all' }],
      keys: [{ id: 'k', workspace: 'team-a', integration: 'mock', models: ['small', 'large', 'ft:acme'] }],
    });
    await gateway.provisioning.setModels({ integration: 'mock', models: ['large'] });
    const viaKey = (model: string) => gateway.chat({ key: 'k', model, messages: [{ role: 'user', content: 'hi' }] });
    await expect(viaKey('large')).resolves.toBeDefined();
    await expect(viaKey('ft:acme')).resolves.toBeDefined();
    await expect(viaKey('small')).rejects.toMatchObject({ scope: 'integration:mock' });
    await gateway.provisioning.setModels({ integration: 'mock', models: 'all' });
    // Lifting the allowlist does not give back what the key lost: widening is explicit.
    await expect(viaKey('small')).rejects.toMatchObject({ scope: 'key:k' });
  });

  it('a request already running keeps the policy it started with', async () => {
    const gateway = createGateway({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': {} } }] });
    const hold = holdCalls(gateway);
    const running = gateway.chat(ask('@mock/small'));
    await hold.admitted();
    await gateway.provisioning.revoke({ integration: 'mock', workspace: 'team-a' });
    hold.release();
    await expect(running).resolves.toBeDefined();
    await expect(gateway.chat(ask('@mock/small'))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
  });
});

describe('runtime provisioning shared by gateways on one store', () => {
  it('each change resolves with its version and is applied by every gateway on the store, which announces it with version and origin', async () => {
    const store = memoryStore();
    const a = createGateway({ ...base({ 'team-a': {} }), store });
    const b = createGateway({ ...base({ 'team-a': {} }), store });
    const seen: Array<{ action: string; version: number; origin: string }> = [];
    b.on('provisioning.changed', (c) => seen.push(c));
    await expect(a.provisioning.provision({ integration: 'mock', workspace: 'team-b' })).resolves.toEqual({ version: 1 });
    await expect(b.chat(ask('@mock/small', { workspace: 'team-b' }))).resolves.toBeDefined();
    await expect(a.provisioning.revoke({ integration: 'mock', workspace: 'team-a' })).resolves.toEqual({ version: 2 });
    await expect(b.chat(ask('@mock/small'))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    expect(seen.map((c) => [c.action, c.version])).toEqual([
      ['provision', 1],
      ['revoke', 2],
    ]);
    expect(seen.every((c) => typeof c.origin === 'string' && c.origin.includes(String(process.pid)))).toBe(true);
    // A gateway made later replays both.
    const c = createGateway({ ...base({ 'team-a': {} }), store });
    await expect(c.chat(ask('@mock/small', { workspace: 'team-b' }))).resolves.toBeDefined();
    await expect(c.chat(ask('@mock/small'))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
  });

  it('a change that fails validation is applied nowhere and changes no version', async () => {
    const store = memoryStore();
    const a = createGateway({ ...base({ 'team-a': {} }), store });
    const b = createGateway({ ...base({ 'team-a': {} }), store });
    await expect(a.provisioning.setModels({ integration: 'mock', workspace: 'team-a', models: ['gpt-5'] })).rejects.toBeInstanceOf(ConfigError);
    await expect(a.provisioning.provision({ integration: 'mock', workspace: 'bad name!' })).rejects.toBeInstanceOf(ConfigError);
    await expect(a.provisioning.revoke({ integration: 'mock' } as never)).rejects.toMatchObject({ issues: [{ path: 'workspace' }] });
    await expect(b.provisioning.provision({ integration: 'mock', workspace: 'team-b' })).resolves.toEqual({ version: 1 });
    await expect(a.chat(ask('@mock/large'))).resolves.toBeDefined();
  });
});

describe('secret references', () => {
  const openai = (credentials: Record<string, unknown>): GatewayConfig['integrations'][number] => ({
    slug: 'up',
    provider: 'openai',
    baseURL: 'http://127.0.0.1:9/v1',
    credentials: credentials as never,
    workspaces: 'all',
  });

  it('an unknown resolver is a ConfigError at createGateway and at rotation, naming the resolvers there are', async () => {
    expect(() => createGateway({ integrations: [openai({ apiKey: secret.ref('vault', 'k') })] })).toThrow(/resolver 'vault', which is not registered.*none/);
    const gateway = createGateway({ integrations: [openai({ apiKey: secret.ref('vault', 'k') })], secretResolvers: { vault: () => 'v' } });
    const error = await gateway.provisioning.rotateCredentials({ integration: 'up', credentials: { apiKey: secret.ref('kms', 'k') } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ path: 'credentials.apiKey', message: expect.stringContaining("resolver 'kms', which is not registered (createGateway({ secretResolvers }): vault)") }]);
  });

  it('a reference to a resolver another gateway on the store lacks fails that gateway\'s calls with CredentialsUnavailableError, not the log', async () => {
    const store = memoryStore();
    const a = createGateway({ integrations: [openai({ apiKey: secret.env('NOT_SET_ANYWHERE_1') })], secretResolvers: { vault: () => 'v' }, store, retry: { retries: 0 } });
    const b = createGateway({ integrations: [openai({ apiKey: secret.env('NOT_SET_ANYWHERE_1') })], store, retry: { retries: 0 } });
    await a.provisioning.rotateCredentials({ integration: 'up', credentials: { apiKey: secret.ref('vault', 'prod') } });
    const error = await b.chat(ask('@up/gpt-4o-mini', { workspace: 'w' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(String((error as Error).message)).toContain("names resolver 'vault', which this process did not register");
    await expect(b.provisioning.provision({ integration: 'up', workspace: 'w2' })).resolves.toEqual({ version: 2 });
  });
});
