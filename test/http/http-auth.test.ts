// npm test: virtual keys over node:http on a free loopback port; milliseconds.
import OpenAI, { type APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ConfigError, createGateway, type GatewayConfig } from '../../src/index.js';
import { generateKey, hashKey } from '../../src/http.js';
import { expectNoSecret } from '../helpers/redaction.js';
import { headerRecord, httpGateway, mockIntegration } from '../helpers/http-gateway.js';

/** An error answer as the client raises it (status and headers known). */
type StatusError = APIError<number, Headers>;

/** Virtual keys over HTTP: bearer tokens, configured by their SHA-256 only. */

const HELLO = [{ role: 'user' as const, content: 'Hello' }];
const KEY = { id: 'app-1', workspace: 'team-a', integration: 'mock' };

function configError(config: Partial<GatewayConfig>): ConfigError {
  try {
    createGateway({ integrations: [mockIntegration()], ...config } as GatewayConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('bearer tokens', () => {
  it('a missing key is a 401 AuthenticationError (missing_api_key), without rate-limit headers', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [{ ...KEY, rateLimits: [{ type: 'requests', limit: 10, per: 'minute' }] }] });
    const response = await fetch(`${app.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: HELLO }) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { message: expect.any(String), type: 'authentication_error', param: null, code: 'missing_api_key' } });
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();
    // The client, its Authorization header removed.
    const error = await app.client('app-1', { defaultHeaders: { authorization: null } }).models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'missing_api_key' });
    expect(app.events).toEqual([]);
  });

  it('a bad key is a 401 AuthenticationError (invalid_api_key) that never echoes the token', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [{ ...KEY, rateLimits: [{ type: 'requests', limit: 10, per: 'minute' }] }] });
    const wrong = 'sk-proj-not-a-tollgate-key-but-a-real-openai-one-0123456789';
    const near = `${app.tokens['app-1']}x`;
    for (const token of [wrong, near, generateKey().token]) {
      const error = await app.client(token).chat.completions.create({ model: 'm', messages: HELLO }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      const apiError = error as StatusError;
      expect(apiError).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'authentication_error' });
      expect(apiError.headers.get('x-ratelimit-remaining-requests')).toBeNull();
      expectNoSecret({ message: apiError.message, error: JSON.stringify(apiError.error), headers: JSON.stringify(headerRecord(apiError.headers)) }, [token]);
    }
    expect(app.events).toEqual([]);
  });

  it('refuses malformed Authorization headers, and accepts the scheme in any case', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [KEY] });
    const token = app.tokens['app-1']!;
    const status = async (authorization: string) => (await fetch(`${app.baseURL}/models`, { headers: { authorization } })).status;
    for (const header of [token, `Basic ${token}`, `Bearer`, `Bearer `, `Bearer ${token} extra`, `Token ${token}`, `Bearer${token}`]) {
      expect(await status(header), header).toBe(401);
    }
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token} `]) {
      expect(await status(header), header).toBe(200);
    }
  });

  it('a key configured without a hash cannot be used over HTTP', async () => {
    const { token } = generateKey();
    const gateway = createGateway({ integrations: [mockIntegration()], keys: [KEY] });
    expect(gateway.keys.authenticate(token)).toBeNull();
    expect(gateway.keys.models('app-1')).toEqual(['e', 'm', 'm2']);
  });

  it('each key opens its own workspace and integration', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration(), mockIntegration({ slug: 'other', mock: { reply: 'from other' } })],
      keys: [KEY, { id: 'app-2', workspace: 'team-b', integration: 'other' }],
    });
    const one = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO });
    const two = await app.client('app-2').chat.completions.create({ model: 'm', messages: HELLO });
    expect(one.choices[0]?.message.content).toBe('Mock reply to "Hello"');
    expect(two.choices[0]?.message.content).toBe('from other');
    expect(app.events.map((e) => [e.key, e.workspace, e.integration])).toEqual([
      ['app-1', 'team-a', 'mock'],
      ['app-2', 'team-b', 'other'],
    ]);
  });
});

describe('keys config', () => {
  it('hash must be 64 lowercase hex digits: a ConfigError naming keys[i].hash, never quoting it', () => {
    const { token, hash } = generateKey();
    for (const bad of [hash.toUpperCase(), hash.slice(1), `${hash}0`, token, `sha256:${hash}`, '']) {
      const error = configError({ keys: [{ ...KEY, hash: bad }] });
      expect(error.issues.map((i) => i.path)).toEqual(['keys[0].hash']);
      if (bad !== '') expect(error.message.includes(bad)).toBe(false);
    }
    expect(configError({ keys: [KEY, { ...KEY, id: 'app-2', hash: 42 as unknown as string }] }).issues.map((i) => i.path)).toEqual(['keys[1].hash']);
  });

  it('refuses two keys with the same hash', () => {
    const { hash } = generateKey();
    const error = configError({ keys: [{ ...KEY, hash }, KEY, { ...KEY, id: 'app-3', hash }].map((k, i) => ({ ...k, id: `app-${i}` })) });
    expect(error.issues).toEqual([{ path: 'keys[2].hash', message: expect.stringContaining('keys[0]') }]);
  });

  it('generateKey makes unique tg_ tokens of 256 random bits, whose hashKey is the hash', () => {
    const keys = Array.from({ length: 200 }, () => generateKey());
    expect(new Set(keys.map((k) => k.token)).size).toBe(200);
    expect(new Set(keys.map((k) => k.hash)).size).toBe(200);
    for (const { token, hash } of keys) {
      expect(token).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hashKey(token)).toBe(hash);
    }
    // SHA-256, as documented: a server may hash tokens by itself.
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(() => hashKey('')).toThrow(TypeError);
    expect(() => hashKey(undefined as unknown as string)).toThrow(TypeError);
  });

  it('a generated hash is accepted by the config and opens the key', () => {
    const { token, hash } = generateKey();
    const gateway = createGateway({ integrations: [mockIntegration()], keys: [{ ...KEY, hash }] });
    expect(gateway.keys.authenticate(token)).toEqual({ id: 'app-1', workspace: 'team-a', integration: 'mock' });
  });
});

describe('gateway.keys.authenticate', () => {
  const { token, hash } = generateKey();
  const gateway = createGateway({ integrations: [mockIntegration()], keys: [{ ...KEY, hash }, { id: 'plain', workspace: 'team-a', integration: 'mock' }] });

  it('returns the key for its token and null for a wrong, empty or very long one', () => {
    expect(gateway.keys.authenticate(token)).toEqual({ id: 'app-1', workspace: 'team-a', integration: 'mock' });
    for (const wrong of ['', ' ', `${token} `, token.slice(0, -1), token.toUpperCase(), hash, 'plain', 'app-1', generateKey().token, 'x'.repeat(100_000), token.repeat(20)]) {
      expect(gateway.keys.authenticate(wrong), wrong.slice(0, 40)).toBeNull();
    }
  });

  it('never throws for a value that is not a string', () => {
    for (const value of [undefined, null, 0, 42, NaN, true, {}, [], [token], { toString: () => token }, Symbol('t'), () => token, new String(token), Buffer.from(token), 10n]) {
      expect(() => gateway.keys.authenticate(value as unknown as string)).not.toThrow();
      expect(gateway.keys.authenticate(value as unknown as string)).toBeNull();
    }
  });

  it('models is null for an unknown key', () => {
    expect(gateway.keys.models('nope')).toBeNull();
    expect(gateway.keys.models('app-1')).toEqual(['e', 'm', 'm2']);
  });
});
