// npm test: secret references and redaction, in process; milliseconds.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialsUnavailableError, createGateway, secret } from '../../src/index.js';
import { redactText } from '../../src/secrets/redact-secrets.js';

const VALUE = 'sk-test-verysecret-4242';

describe('secret', () => {
  afterEach(() => {
    delete process.env.TOLLGATE_TEST_KEY;
  });

  it('never shows its value: toString, toJSON, template strings, util.inspect', () => {
    for (const s of [secret.value(VALUE), secret.from(() => VALUE)]) {
      expect(String(s)).toBe('[secret]');
      expect(`${s}`).toBe('[secret]');
      expect(JSON.stringify({ apiKey: s })).toBe('{"apiKey":"[secret]"}');
      expect(inspect(s)).not.toContain(VALUE);
      expect(inspect({ nested: { s } }, { depth: 10, showHidden: true })).not.toContain(VALUE);
      expect(Object.keys(s)).toEqual([]);
    }
    expect(inspect(secret.env('OPENAI_API_KEY'))).toBe('Secret(env:OPENAI_API_KEY)');
  });

  it('keeps a config with secrets printable without leaking', () => {
    const config = { integrations: [{ slug: 'a', provider: 'mock' as const, credentials: { apiKey: secret.value(VALUE) }, workspaces: 'all' as const }] };
    expect(JSON.stringify(config)).not.toContain(VALUE);
    expect(inspect(config, { depth: 10 })).not.toContain(VALUE);
  });

  it('rejects empty names and values', () => {
    expect(() => secret.env('')).toThrow(TypeError);
    expect(() => secret.value('')).toThrow(TypeError);
    expect(() => secret.from('x' as never)).toThrow(TypeError);
  });

  it('reports a missing env var when first needed, naming the integration and the variable', async () => {
    const gateway = createGateway({
      integrations: [{ slug: 'mock-a', provider: 'mock', credentials: { apiKey: secret.env('TOLLGATE_TEST_KEY') }, workspaces: 'all' }],
    });
    const events: unknown[] = [];
    gateway.on('usage', (e) => events.push(e));
    const call = gateway.chat({ workspace: 'w', model: '@mock-a/m', messages: [{ role: 'user', content: 'hi' }] });
    await expect(call).rejects.toBeInstanceOf(CredentialsUnavailableError);
    await expect(call).rejects.toMatchObject({
      code: 'credentials_unavailable',
      status: 500,
      integration: 'mock-a',
      message: expect.stringMatching(/mock-a.*env:TOLLGATE_TEST_KEY.*is not set/),
    });
    expect(events).toMatchObject([{ status: 'error', errorCode: 'credentials_unavailable' }]);

    // Reads the variable on every use: setting it later fixes the integration without a restart.
    process.env.TOLLGATE_TEST_KEY = VALUE;
    await expect(gateway.chat({ workspace: 'w', model: '@mock-a/m', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeDefined();
  });

  it('loads secret.from once for concurrent calls, caches it, and does not cache a failure', async () => {
    let calls = 0;
    let fail = true;
    const s = secret.from(async () => {
      calls++;
      if (fail) throw new Error(`vault down, token ${VALUE}`);
      return VALUE;
    });
    const gateway = createGateway({ integrations: [{ slug: 'm', provider: 'mock', credentials: { apiKey: s }, workspaces: 'all' }] });
    const request = { workspace: 'w', model: '@m/x', messages: [{ role: 'user' as const, content: 'hi' }] };
    const error = await gateway.chat(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    // The provider's own error text could carry anything: it is not copied into ours.
    expect(JSON.stringify(error)).not.toContain(VALUE);
    expect(inspect(error, { depth: 10 })).not.toContain(VALUE);
    fail = false;
    calls = 0;
    await Promise.all([gateway.chat(request), gateway.chat(request), gateway.chat(request)]);
    await gateway.chat(request);
    expect(calls).toBe(1);
  });
});

describe('redactText', () => {
  const KEY = 'sk-proj-4fJ8kLm2NqR7sTuVwX9yZa1B';
  it('hides any 8 characters of a secret in a row, in any case, and its base64 and hex forms; masks whole', () => {
    const echoes = [KEY.slice(2, 10), KEY.slice(-9).toUpperCase(), Buffer.from(`u:${KEY}`).toString('base64'), Buffer.from(KEY.slice(5)).toString('hex'), 'sk-proj-…a1B', '•••••Za1B', 'sk-abc*****wxyz'];
    for (const echo of echoes) expect(redactText(`key ${echo} refused`, [KEY])).toMatch(/^key (\w{0,8})?\[REDACTED\]=*(\w{0,4}=*)? refused$/);
  });

  it('leaves text that shares less than 8 characters with the secret, and ellipses that are not a mask of it, alone', () => {
    const text = `sk-proj is its first 7; Thinking... done; ${KEY.slice(10, 17)}; …and so on`;
    expect(redactText(text, [KEY])).toBe(text);
  });

  it('a secret shorter than 8 characters is hidden whole, in any case', () => {
    expect(redactText('token AbCd9 and abcd9', ['abcd9'])).toBe('token [REDACTED] and [REDACTED]');
  });
});
