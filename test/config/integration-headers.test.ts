// npm test: custom headers and private endpoints through an injected fetch that echoes what it got; milliseconds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, CredentialsUnavailableError, ProviderError, createGateway, secret, type GatewayConfig, type UsageEvent } from '../../src/index.js';
import { createFetchHandler, generateKey } from '../../src/http.js';
import { jsonlSink } from '../../src/sinks/jsonl.js';
import { expectNoSecret, exposures } from '../helpers/redaction.js';

/**
 * An integration's `headers` may hold secrets (a custom auth header for a private endpoint), and
 * every header value, plain or secret, is kept out of everything the gateway outputs, like a
 * credential. A baseURL carrying a password is refused.
 */

const PROVIDER_KEY = 'sk-upstream-0123456789abcdef';
const HEADER_SECRET = 'hdr-secret-7f3a9c21e5';
const PLAIN_HEADER = 'tenant-plain-4d8e2b6f';

/** An upstream that refuses every call with a 401 echoing every header it received, as some proxies do. */
function echoingUpstream() {
  const received: Array<Record<string, string>> = [];
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    received.push(headers);
    return new Response(JSON.stringify({ error: { message: `unauthorized: ${JSON.stringify(headers)}`, type: 'invalid_request_error', code: 'invalid_api_key' } }), {
      status: 401,
      headers: { 'content-type': 'application/json', 'x-echo': JSON.stringify(headers) },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, received };
}

function integration(extra: Record<string, unknown> = {}): GatewayConfig['integrations'][number] {
  return {
    slug: 'private',
    provider: 'openai-compatible',
    baseURL: 'http://llm.internal.test/v1',
    credentials: { apiKey: secret.value(PROVIDER_KEY) },
    headers: { 'x-custom-auth': secret.value(HEADER_SECRET), 'x-tenant': PLAIN_HEADER },
    customModels: [{ id: 'm' }],
    workspaces: 'all',
    ...extra,
  } as GatewayConfig['integrations'][number];
}

describe('integration headers', () => {
  it('are sent with every request, secrets revealed, under the headers the adapter sets', async () => {
    const up = echoingUpstream();
    const gateway = createGateway({ integrations: [integration({ headers: { 'x-custom-auth': secret.value(HEADER_SECRET), authorization: 'Bearer not-this' } })], fetch: up.fetch, retry: { retries: 0 } });
    await gateway.chat({ workspace: 'w', model: '@private/m', messages: [{ role: 'user', content: 'hi' }] }).catch(() => {});
    expect(up.received[0]).toMatchObject({ 'x-custom-auth': HEADER_SECRET, authorization: `Bearer ${PROVIDER_KEY}` });
  });

  it('no header value, secret or plain, nor the key, reaches an error, an event, a JSONL file or an HTTP answer', async () => {
    const up = echoingUpstream();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-headers-')), 'usage.jsonl');
    const { token, hash } = generateKey();
    const gateway = createGateway({
      integrations: [integration()],
      keys: [{ id: 'app', workspace: 'w', integration: 'private', hash }],
      fetch: up.fetch,
      retry: { retries: 0 },
      sinks: [jsonlSink(file)],
    });
    const events: UsageEvent[] = [];
    gateway.on('usage', (e) => events.push(e));

    const error = (await gateway.chat({ workspace: 'w', model: '@private/m', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(up.received[0]).toMatchObject({ 'x-custom-auth': HEADER_SECRET, 'x-tenant': PLAIN_HEADER });

    const answer = await createFetchHandler(gateway)(
      new Request('http://gw.test/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      }),
    );
    expect(answer.status).toBe(502);
    const body = await answer.text();
    await gateway.close();

    const secrets = [PROVIDER_KEY, HEADER_SECRET, PLAIN_HEADER, token];
    expectNoSecret(exposures(error, events), secrets);
    expectNoSecret({ jsonl: fs.readFileSync(file, 'utf8'), http: body, httpHeaders: JSON.stringify([...answer.headers]) }, secrets);
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('a header secret that cannot be read names the integration and the header, never a value', async () => {
    const gateway = createGateway({ integrations: [integration({ headers: { 'x-custom-auth': secret.env('TOLLGATE_TEST_UNSET_HEADER_VAR') } })], fetch: echoingUpstream().fetch });
    const error = await gateway.chat({ workspace: 'w', model: '@private/m', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toContain('headers.x-custom-auth');
    expect((error as Error).message).toContain('TOLLGATE_TEST_UNSET_HEADER_VAR');
  });

  it('a baseURL with user:password@, a bad header name or a line break in a value is a ConfigError that never echoes them', () => {
    const config = (extra: Record<string, unknown>) => () => createGateway({ integrations: [integration(extra)] });
    const issues = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).issues;
      }
      throw new Error('expected a ConfigError');
    };
    const url = issues(config({ baseURL: 'https://admin:hunter2-pass@llm.internal.test/v1' }));
    expect(url).toEqual([{ path: 'integrations[0].baseURL', message: expect.stringContaining('must not carry credentials') }]);
    expect(JSON.stringify(url)).not.toContain('hunter2-pass');
    expect(issues(config({ headers: { 'bad header': 'x' } }))[0]!.path).toBe('integrations[0].headers["bad header"]');
    const crlf = issues(config({ headers: { 'x-ok': 'a\r\nx-injected: 1' } }));
    expect(crlf[0]).toMatchObject({ path: 'integrations[0].headers.x-ok', message: expect.stringContaining('line breaks') });
    expect(issues(config({ headers: { 'x-ok': 42 } }))[0]!.message).toContain('string or a secret');
  });
});
