// npm test: the admin API of the dashboard handler, in process on the memory store; milliseconds.
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it, vi } from 'vitest';
import { createDashboardHandler, type AdminIdentity } from '../../src/dashboard.js';
import { createGateway, type GatewayConfig } from '../../src/index.js';

/** The admin API under `${basePath}/api/`: roles, every route, CSRF, errors and the OpenAPI document. */

const ORIGIN = 'http://admin.test';

/** Callers by the bearer token they send (a stand-in for any authentication the application does). */
const CALLERS: Record<string, AdminIdentity | true> = {
  viewer: true,
  'named-viewer': { actor: 'vera', role: 'viewer' },
  manager: { actor: 'mona', role: 'manager', workspaces: ['team-a'] },
  admin: { actor: 'ada', role: 'admin' },
};
const authorize = (request: Request) => CALLERS[request.headers.get('authorization')?.replace(/^Bearer /, '') ?? ''] ?? false;

function setup(extra: Partial<GatewayConfig> = {}) {
  const gateway = createGateway({
    integrations: [{ slug: 'llm', provider: 'mock', models: ['m', 'm2'], workspaces: { 'team-a': {}, 'team-b': {} } }],
    ...extra,
  });
  const onError = vi.fn();
  const handler = createDashboardHandler(gateway, { authorize, onError });
  /** A request as a same-origin client sends it: JSON, with the caller's credentials. */
  const call = async (as: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...(as ? { authorization: `Bearer ${as}` } : {}), ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}), ...headers } };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await handler(new Request(`${ORIGIN}/dashboard/api${path}`, init));
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text === '' ? null : (JSON.parse(text) as Record<string, any>) };
  };
  return { gateway, handler, call, onError };
}

/** Every route that changes something, with a body it accepts. */
const MUTATIONS = (keyId: string): Array<[string, string, unknown?]> => [
  ['POST', '/keys', { workspace: 'team-a' }],
  ['PATCH', `/keys/${keyId}`, { name: 'renamed' }],
  ['POST', `/keys/${keyId}/rotate`, {}],
  ['DELETE', `/keys/${keyId}`],
  ['POST', '/integrations', { slug: 'new', provider: 'mock', workspaces: 'all' }],
  ['PATCH', '/integrations/llm', { name: 'LLM' }],
  ['POST', '/integrations/llm/disable'],
  ['POST', '/integrations/llm/enable'],
  ['PUT', '/integrations/llm/workspaces/team-c', { models: ['m'] }],
  ['DELETE', '/integrations/llm/workspaces/team-b'],
];

describe('the admin API: roles', () => {
  it('a viewer reads every GET route and is refused (403) every mutation; false is a 401', async () => {
    const { gateway, call } = setup();
    const { id } = await gateway.keys.create({ workspace: 'team-a', id: 'k1' });
    expect((await call('manager', 'GET', '/me')).body).toEqual({ actor: 'mona', role: 'manager', workspaces: ['team-a'] });
    expect((await call('viewer', 'GET', '/me')).body).toEqual({ actor: null, role: 'viewer', workspaces: [] });
    for (const path of ['/me', '/keys', `/keys/${id}`, '/integrations', '/integrations/llm', '/limits?workspace=team-a&integration=llm', '/audit', '/openapi.json', '/overview']) {
      expect((await call('viewer', 'GET', path)).status, path).toBe(200);
    }
    for (const viewer of ['viewer', 'named-viewer']) {
      for (const [method, path, body] of MUTATIONS(id)) {
        const answer = await call(viewer, method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(403);
        expect(answer.body).toMatchObject({ error: { code: 'forbidden' } });
      }
    }
    expect((await call(null, 'GET', '/keys')).status).toBe(401);
    expect((await call('stranger', 'POST', '/keys', { workspace: 'team-a' })).status).toBe(401);
    // Nothing changed.
    expect(await gateway.audit.list()).toMatchObject([{ action: 'key.create' }]);
    expect(await gateway.integrations.get('llm')).toMatchObject({ disabled: false, name: null });
  });

  it("a manager manages the keys of its workspaces only, and nothing else", async () => {
    const { gateway, call } = setup();
    await gateway.keys.create({ workspace: 'team-a', id: 'mine' });
    await gateway.keys.create({ workspace: 'team-b', id: 'theirs' });
    const created = await call('manager', 'POST', '/keys', { workspace: 'team-a', name: 'bot' });
    expect(created.status).toBe(201);
    expect((await call('manager', 'POST', '/keys', { workspace: 'team-b' })).status).toBe(403);
    expect((await call('manager', 'PATCH', '/keys/mine', { name: 'x' })).status).toBe(200);
    expect((await call('manager', 'POST', '/keys/mine/rotate', {})).status).toBe(200);
    expect((await call('manager', 'DELETE', '/keys/mine')).status).toBe(200);
    for (const [method, path, body] of [['PATCH', '/keys/theirs', { name: 'x' }], ['POST', '/keys/theirs/rotate', {}], ['DELETE', '/keys/theirs']] as const) {
      expect((await call('manager', method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    for (const [method, path, body] of MUTATIONS('mine').filter(([, path]) => path.startsWith('/integrations'))) {
      expect((await call('manager', method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    // It reads everything a viewer does.
    expect((await call('manager', 'GET', '/keys?workspace=team-b')).body).toMatchObject([{ id: 'theirs' }]);
    expect(await gateway.keys.get('theirs')).toMatchObject({ name: null });
    expect((await gateway.audit.list({ actor: 'mona' })).map((e) => e.action)).toEqual(['key.revoke', 'key.rotate', 'key.update', 'key.create']);
  });

  it('an admin calls every route; the audit names it, with the reason given', async () => {
    const { gateway, call } = setup();
    const { id } = await gateway.keys.create({ workspace: 'team-a', id: 'k1' });
    for (const [method, path, body] of MUTATIONS(id)) {
      const answer = await call('admin', method, `${path}?reason=${encodeURIComponent(`ticket ${method}`)}`, body);
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(method === 'POST' && (path === '/keys' || path === '/integrations') ? 201 : 200);
    }
    const entries = await gateway.audit.list({ actor: 'ada' });
    expect(entries).toHaveLength(MUTATIONS(id).length);
    expect(entries.every((e) => e.reason?.startsWith('ticket '))).toBe(true);
  });

  it('an authorize answer of another shape is a 500 reported to onError', async () => {
    const gateway = createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: 'all' }] });
    const onError = vi.fn();
    const handler = createDashboardHandler(gateway, { authorize: () => ({ actor: 'x', role: 'root' }) as never, onError });
    const response = await handler(new Request(`${ORIGIN}/dashboard/api/keys`));
    expect(response.status).toBe(500);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringContaining('role') }));
  });
});

describe('the admin API: routes', () => {
  it('keys: made with their token in that answer only, read, changed, rotated with a grace, revoked', async () => {
    const { gateway, call } = setup();
    const created = await call('admin', 'POST', '/keys', { workspace: 'team-a', name: 'bot', budgets: [{ type: 'tokens', limit: 1000 }], metadata: { owner: 'ana' } });
    expect(created.status).toBe(201);
    const { key, token } = created.body as { key: { id: string }; token: string };
    expect(key).toMatchObject({ workspace: 'team-a', integration: 'llm', name: 'bot', source: 'runtime', hasToken: true, metadata: { owner: 'ana' } });
    expect(gateway.keys.authenticate(token)).toMatchObject({ id: key.id });
    const got = await call('viewer', 'GET', `/keys/${key.id}`);
    expect(got.body).toMatchObject({ id: key.id, name: 'bot' });
    expect((await call('viewer', 'GET', '/keys?workspace=team-a')).body).toMatchObject([{ id: key.id }]);
    expect((await call('viewer', 'GET', '/keys?workspace=team-b')).body).toEqual([]);
    expect((await call('admin', 'PATCH', `/keys/${key.id}`, { models: ['m'] })).body).toMatchObject({ models: ['m'] });
    const rotated = await call('admin', 'POST', `/keys/${key.id}/rotate`, { graceSeconds: 3600 });
    expect(rotated.body).toMatchObject({ key: { id: key.id, previousValidUntil: expect.any(String) }, token: expect.stringMatching(/^tg_/), previousValidUntil: expect.any(String) });
    expect(gateway.keys.authenticate(token)).toMatchObject({ id: key.id });
    expect(gateway.keys.authenticate(rotated.body!.token)).toMatchObject({ id: key.id });
    expect((await call('admin', 'DELETE', `/keys/${key.id}`)).body).toEqual({ id: key.id, revoked: true });
    expect(gateway.keys.authenticate(rotated.body!.token)).toBeNull();
    expect((await call('viewer', 'GET', `/keys/${key.id}`)).status).toBe(404);
    expect((await call('admin', 'DELETE', `/keys/${key.id}`)).body).toMatchObject({ error: { code: 'key_not_found' } });
    // The tokens were in their two answers, and nowhere else.
    const elsewhere = [await call('viewer', 'GET', '/keys'), await call('viewer', 'GET', '/audit'), got].map((a) => a.text).join('\n');
    for (const t of [token, rotated.body!.token]) expect(elsewhere.includes(t)).toBe(false);
  });

  it('integrations: secrets by reference, a plain string credential refused naming the field; grants provisioned and revoked', async () => {
    const { gateway, call } = setup();
    const plain = await call('admin', 'POST', '/integrations', { slug: 'oa', provider: 'openai', credentials: { apiKey: 'sk-plain-123456789' }, workspaces: 'all' });
    expect(plain.status).toBe(400);
    expect(plain.body).toMatchObject({ error: { code: 'invalid_request', issues: [expect.objectContaining({ path: expect.stringContaining('apiKey') })] } });
    expect(plain.text.includes('sk-plain-123456789')).toBe(false);
    const created = await call('admin', 'POST', '/integrations', { slug: 'oa', provider: 'openai', credentials: { apiKey: { env: 'OPENAI_KEY' } }, headers: { 'x-vault': { resolver: 'vault', name: 'h' } }, workspaces: { 'team-a': {} } });
    expect(created.status, created.text).toBe(400); // no resolver 'vault' is registered
    expect(created.body).toMatchObject({ error: { issues: [{ path: 'headers.x-vault' }] } });
    const ok = await call('admin', 'POST', '/integrations', { slug: 'oa', provider: 'openai', credentials: { apiKey: { env: 'OPENAI_KEY' } }, workspaces: { 'team-a': {} } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ slug: 'oa', provider: 'openai', source: 'runtime', credentials: { apiKey: { env: 'OPENAI_KEY' } } });
    expect((await call('viewer', 'GET', '/integrations')).body!.map((i: { slug: string }) => i.slug)).toEqual(['llm', 'oa']);
    expect((await call('admin', 'PATCH', '/integrations/oa', { name: 'OpenAI', description: null })).body).toMatchObject({ name: 'OpenAI' });
    expect((await call('admin', 'PUT', '/integrations/llm/workspaces/team-c', { models: ['m'], budgets: [{ type: 'tokens', limit: 500 }] })).body).toEqual({ version: 3 });
    await expect(gateway.chat({ workspace: 'team-c', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] })).resolves.toMatchObject({ object: 'chat.completion' });
    expect((await call('admin', 'DELETE', '/integrations/llm/workspaces/team-c')).body).toEqual({ version: 4 });
    await expect(gateway.chat({ workspace: 'team-c', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ code: 'workspace_not_provisioned' });
    expect((await call('admin', 'POST', '/integrations/llm/disable')).body).toEqual({ version: 5 });
    expect((await call('viewer', 'GET', '/integrations/llm')).body).toMatchObject({ disabled: true });
    expect((await call('viewer', 'GET', '/integrations/nope')).status).toBe(404);
  });

  it('limits and audit read with their queries; a bad query is a 400 naming the parameter', async () => {
    const { gateway, call } = setup({ workspaces: { 'team-a': { budgets: [{ type: 'tokens', limit: 1000 }] } } });
    await gateway.chat({ workspace: 'team-a', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
    const limits = await call('viewer', 'GET', '/limits?workspace=team-a&kind=budget');
    expect(limits.body).toMatchObject([{ scope: 'workspace:team-a', kind: 'budget', limit: 1000, used: expect.any(Number) }]);
    expect((await call('viewer', 'GET', '/limits?kind=weekly')).body).toMatchObject({ error: { code: 'invalid_request', issues: [{ path: 'kind' }] } });
    expect((await call('viewer', 'GET', '/limits?colour=red')).body).toMatchObject({ error: { issues: [{ path: 'colour' }] } });
    await call('admin', 'POST', '/keys?reason=onboarding', { workspace: 'team-a', id: 'k1' });
    await call('admin', 'POST', '/keys/k1/rotate', {});
    expect((await call('viewer', 'GET', '/audit?action=key.create')).body).toMatchObject([{ action: 'key.create', actor: 'ada', reason: 'onboarding', target: 'key:k1' }]);
    expect((await call('viewer', 'GET', '/audit?limit=1')).body).toMatchObject([{ action: 'key.rotate' }]);
    expect((await call('viewer', 'GET', '/audit?limit=0')).body).toMatchObject({ error: { issues: [{ path: 'limit' }] } });
    expect((await call('viewer', 'GET', '/audit?since=yesterday')).status).toBe(400);
  });
});

describe('the admin API: requests it refuses', () => {
  it('a change from another origin, or not declared JSON, is a 403 before anything is read', async () => {
    const { gateway, call } = setup();
    const create = { workspace: 'team-a' };
    expect((await call('admin', 'POST', '/keys', create, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await call('admin', 'POST', '/keys', create, { origin: 'null' })).status).toBe(403);
    expect((await call('admin', 'POST', '/keys', create, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await call('admin', 'POST', '/keys', 'workspace=team-a', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(403);
    expect((await call('admin', 'POST', '/keys', JSON.stringify(create), { 'content-type': 'text/plain' })).status).toBe(403);
    expect((await call('admin', 'DELETE', '/integrations/llm/workspaces/team-a', undefined, { 'content-type': '' })).status).toBe(403);
    expect(await gateway.keys.list()).toEqual([]);
    expect(await gateway.audit.list()).toEqual([]);
    // Its own origin, and a +json type, pass.
    expect((await call('admin', 'POST', '/keys', create, { origin: ORIGIN, 'content-type': 'application/merge-patch+json', 'sec-fetch-site': 'same-origin' })).status).toBe(201);
  });

  it('a bad body is a 400 naming the field; bad JSON, a deep body, an unknown route or method each answer what is wrong', async () => {
    const { call, onError } = setup();
    const bad = await call('admin', 'POST', '/keys', { workspace: 'team-a', budgets: [{ type: 'tokens', limit: 10 }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_request', issues: [{ path: 'budgets[0].limit', message: expect.stringContaining('100 tokens') }] } });
    expect((await call('admin', 'POST', '/keys', { workspace: 'team-a', colour: 'red' })).body).toMatchObject({ error: { issues: [expect.objectContaining({ message: expect.stringContaining('colour') })] } });
    expect((await call('admin', 'POST', '/keys', '{"workspace":')).body).toMatchObject({ error: { code: 'invalid_json' } });
    const deep = await call('admin', 'POST', '/integrations', `{"slug":"d","provider":"mock","workspaces":"all","mock":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ error: { issues: [expect.objectContaining({ message: expect.stringContaining('nested deeper') })] } });
    expect((await call('admin', 'POST', '/keys/k1/rotate', { graceSeconds: -1 })).status).toBe(404);
    expect((await call('admin', 'GET', '/nothing')).status).toBe(404);
    const wrongMethod = await call('admin', 'PUT', '/keys', {});
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    expect((await call('admin', 'POST', '/keys', 'x'.repeat(1_000_001))).status).toBe(413);
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('openapi.json', () => {
  it('is a valid OpenAPI 3.1 document describing every route, its bodies from the schemas that validate them', async () => {
    const { call } = setup();
    const document = (await call('viewer', 'GET', '/openapi.json')).body!;
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.servers).toEqual([{ url: '/dashboard/api' }]);
    const operations = Object.entries(document.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        'GET /keys',
        'POST /keys',
        'GET /keys/{id}',
        'PATCH /keys/{id}',
        'DELETE /keys/{id}',
        'POST /keys/{id}/rotate',
        'GET /integrations',
        'POST /integrations',
        'GET /integrations/{slug}',
        'PATCH /integrations/{slug}',
        'POST /integrations/{slug}/disable',
        'POST /integrations/{slug}/enable',
        'PUT /integrations/{slug}/workspaces/{workspace}',
        'DELETE /integrations/{slug}/workspaces/{workspace}',
        'GET /limits',
        'GET /audit',
        'GET /me',
      ].sort(),
    );
    const keyCreate = document.components.schemas.KeyCreate;
    expect(keyCreate).toMatchObject({ type: 'object', required: ['workspace'], additionalProperties: false });
    expect(keyCreate.properties.budgets.items.properties.type.enum).toEqual(['cost', 'tokens']);
    expect(document.paths['/keys'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/KeyCreate' });
  });
});
