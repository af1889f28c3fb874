// npm test: what never crosses the wire, over node:http on a loopback port; milliseconds.
import OpenAI, { type APIError } from 'openai';
import { describe, expect, it, vi } from 'vitest';
import { secret } from '../../src/index.js';
import { expectNoSecret } from '../helpers/redaction.js';
import { headerRecord, httpGateway, mockIntegration } from '../helpers/http-gateway.js';

/** An error answer as the client raises it (status and headers known). */
type StatusError = APIError<number, Headers>;

/**
 * No secret in any answer: neither the integration's provider key (which upstream errors echo,
 * in full or masked) nor the caller's own token, in any body or header of a success, an error or
 * a stream.
 */

const PROVIDER_KEY = 'sk-live-Q7rT2vX9kL4mN8pS1wZ6yB3cXyZw';
/** How OpenAI echoes a key in its 401: the visible end must not get out either. */
const MASKED_KEY = 'sk-live-****XyZw';
const BASE_URL = 'http://llm.internal.test/v1';

/** Every body and header of one raw answer, named for `expectNoSecret`. */
async function exposuresOf(name: string, response: Response): Promise<Record<string, string>> {
  return { [`${name} body`]: await response.text(), [`${name} headers`]: JSON.stringify(headerRecord(response.headers)) };
}

/** A raw POST with the key's token, as any HTTP client sends it (the OpenAI client throws on errors). */
function post(app: { baseURL: string; tokens: Record<string, string> }, path: string, body: unknown): Promise<Response> {
  return fetch(`${app.baseURL}${path}`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A fake OpenAI-compatible server (the gateway's `fetch`) that echoes the key in its errors. */
function fakeProvider() {
  const upstream: Array<{ url: string; headers: Record<string, string> }> = [];
  const sse = (events: unknown[]) =>
    new Response(events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join(''), { status: 200, headers: { 'content-type': 'text/event-stream' } });
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'llama',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    upstream.push({ url: request.url, headers: headerRecord(request.headers) });
    const body = (await request.json()) as { stream?: boolean; messages?: Array<{ content: string }>; input?: unknown };
    const scenario = body.messages?.at(-1)?.content ?? String(body.input);
    const echo = `Incorrect API key provided: ${MASKED_KEY} (${PROVIDER_KEY})`;
    switch (scenario) {
      case 'unauthorized':
        return Response.json(
          { error: { message: echo, type: 'invalid_request_error', param: null, code: 'invalid_api_key', key: PROVIDER_KEY } },
          { status: 401, headers: { 'x-echo': PROVIDER_KEY } },
        );
      case 'limited':
        return Response.json({ error: { message: `Rate limit reached for key ${PROVIDER_KEY}`, type: 'requests', code: 'rate_limit_exceeded' } }, { status: 429, headers: { 'retry-after': '30' } });
      case 'down':
        throw new TypeError(`fetch failed: connect ECONNREFUSED ${BASE_URL}?api_key=${PROVIDER_KEY}`);
      case 'stream-error':
        return sse([chunk({ role: 'assistant', content: 'par' }), { error: { message: `upstream failure for ${MASKED_KEY}: key ${PROVIDER_KEY}`, type: 'server_error' } }]);
      default:
        if (request.url.endsWith('/embeddings')) {
          return Response.json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'emb', usage: { prompt_tokens: 1, total_tokens: 1 } });
        }
        if (body.stream) return sse([chunk({ role: 'assistant', content: 'Hi' }), chunk({ content: ' there' }), chunk({}, 'stop'), '[DONE]']);
        return Response.json({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model: 'llama',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        });
    }
  };
  return { fetch, upstream };
}

describe('no secret in any answer', () => {
  it('through an openai-compatible integration whose server echoes its key', async () => {
    const provider = fakeProvider();
    const app = await httpGateway({
      integrations: [{ slug: 'local', provider: 'openai-compatible', baseURL: BASE_URL, credentials: { apiKey: secret.value(PROVIDER_KEY) }, workspaces: 'all' }],
      keys: [{ id: 'app-1', workspace: 'team-a', integration: 'local', rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }] }],
      retry: { retries: 0 },
      fetch: provider.fetch,
    });
    const token = app.tokens['app-1']!;
    const client = app.client('app-1');
    const ask = (content: string, stream = false) => client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content }], stream }).asResponse();
    const seen: Record<string, string> = {};
    const record = async (name: string, response: Response) => Object.assign(seen, await exposuresOf(name, response));

    const ok = await ask('hello');
    expect(ok.status).toBe(200);
    await record('success', ok);
    const stream = await ask('hello', true);
    expect(stream.status).toBe(200);
    const streamed = await stream.clone().text();
    expect(streamed).toContain('Hi');
    await record('stream', stream);
    await record('embeddings', await client.embeddings.create({ model: 'emb', input: 'hello', encoding_format: 'float' }).asResponse());
    await record('models', await client.models.list().asResponse());

    for (const [scenario, status] of [
      // The upstream refusing the integration's key is the gateway's problem, not the caller's: a 502.
      ['unauthorized', 502],
      ['down', 502],
    ] as const) {
      const error = (await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: scenario }] }).catch((e: unknown) => e)) as StatusError;
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status, scenario).toBe(status);
      Object.assign(seen, { [`${scenario} message`]: error.message, [`${scenario} error`]: JSON.stringify(error.error), [`${scenario} headers`]: JSON.stringify(headerRecord(error.headers)) });
    }
    const failedStream = await ask('stream-error', true);
    const failedText = await failedStream.clone().text();
    expect(failedText).toContain('"error"');
    await record('stream error', failedStream);
    await record('embeddings error', await post(app, '/embeddings', { model: 'emb', input: 'unauthorized' }));
    // Last: a 429 with Retry-After holds every call to the integration (the provider's own limit),
    // and the next one is refused without being sent; neither answer says the key.
    for (const scenario of ['limited', 'held']) {
      const error = (await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: scenario }] }).catch((e: unknown) => e)) as StatusError;
      expect(error.status, scenario).toBe(429);
      Object.assign(seen, { [`${scenario} message`]: error.message, [`${scenario} error`]: JSON.stringify(error.error), [`${scenario} headers`]: JSON.stringify(headerRecord(error.headers)) });
    }
    expect(provider.upstream.filter((r) => JSON.stringify(r).includes('held'))).toEqual([]);

    // The refusals of the endpoint itself, for the same key.
    await record('404', await fetch(`${app.baseURL}/models/nope`, { headers: { authorization: `Bearer ${token}` } }));
    await record('400', await fetch(`${app.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: `{"t":"${token}"` }));
    await record('401', await fetch(`${app.baseURL}/models`, { headers: { authorization: `Bearer ${token}-wrong` } }));

    expect(Object.keys(seen).length).toBeGreaterThan(20);
    expectNoSecret(seen, [PROVIDER_KEY, MASKED_KEY, 'XyZw', token]);
    expectNoSecret({ events: JSON.stringify(app.events) }, [PROVIDER_KEY, MASKED_KEY, token]);
    // The provider saw its key and never the caller's token.
    expect(provider.upstream.length).toBeGreaterThan(5);
    for (const request of provider.upstream) {
      expect(request.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
      expectNoSecret({ upstream: JSON.stringify(request) }, [token]);
    }
  });

  it('through a mock integration with a credential, whose scripted failures echo it', async () => {
    const now = { ms: Date.parse('2026-12-06T12:00:00Z') };
    const app = await httpGateway({
      integrations: [
        mockIntegration({
          credentials: { apiKey: secret.value(PROVIDER_KEY) },
          mock: {
            failures: [
              { status: 401, message: `Incorrect API key provided: ${PROVIDER_KEY}` },
              { status: 429, message: `limited: ${MASKED_KEY}`, retryAfterMs: 10 },
              { message: `socket hang up (key ${PROVIDER_KEY})` },
              { status: 500, message: `crashed with ${PROVIDER_KEY}` },
            ],
          },
        }),
      ],
      keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock' }],
      retry: { retries: 0 },
      clock: () => now.ms,
    });
    const token = app.tokens['app-1']!;
    const seen: Record<string, string> = {};
    const statuses: number[] = [];
    for (const stream of [false, false, false, true, false, true]) {
      // Past the 429's Retry-After, which holds the integration's next calls until then.
      now.ms += 1_000;
      const response = await post(app, '/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'Hello' }], stream });
      statuses.push(response.status);
      Object.assign(seen, await exposuresOf(`#${statuses.length}`, response));
    }
    expect(statuses).toEqual([502, 429, 502, 500, 200, 200]);
    expect(seen['#6 body']).toContain('data: [DONE]');
    expectNoSecret(seen, [PROVIDER_KEY, MASKED_KEY, 'XyZw', token]);
    expectNoSecret({ events: JSON.stringify(app.events) }, [PROVIDER_KEY, MASKED_KEY, token]);
  });
});

/** Every run of 8 characters of `secret` in any letter case, and its base64 and hex forms: none may appear in `texts`. */
function expectNoTraceOf(texts: Record<string, string>, secret: string): void {
  const forms = [secret, Buffer.from(secret).toString('base64').replace(/=+$/, ''), Buffer.from(secret).toString('hex')];
  for (const [where, text] of Object.entries(texts)) {
    const lower = text.toLowerCase();
    for (const form of forms) {
      for (let i = 0; i + 8 <= form.length; i++) expect(lower.includes(form.slice(i, i + 8).toLowerCase()), `${where} holds 8 characters of a form of the key at ${i}`).toBe(false);
    }
  }
}

describe('no secret in altered forms', () => {
  it('an upstream 400, 429 or 500 echoing the key cut short, without its prefix, upper-cased, base64, hex or masked: no caller, event or log sees it', async () => {
    const forms = {
      'minus one character': PROVIDER_KEY.slice(0, -1),
      'without its prefix': PROVIDER_KEY.slice('sk-'.length),
      'its first 20 characters': PROVIDER_KEY.slice(0, 20),
      'upper-cased': PROVIDER_KEY.toUpperCase(),
      base64: Buffer.from(PROVIDER_KEY).toString('base64'),
      'in a Basic header': `Basic ${Buffer.from(`api:${PROVIDER_KEY}`).toString('base64')}`,
      hex: Buffer.from(PROVIDER_KEY).toString('hex'),
      'masked with ...': `${PROVIDER_KEY.slice(0, 12)}...${PROVIDER_KEY.slice(-4)}`,
      'masked with …': `${PROVIDER_KEY.slice(0, 12)}…${PROVIDER_KEY.slice(-4)}`,
      'masked with •': `${PROVIDER_KEY.slice(0, 6)}••••••••${PROVIDER_KEY.slice(-4)}`,
    };
    const statuses = [400, 429, 500];
    let next = 0;
    const cases = statuses.flatMap((status) => Object.entries(forms).map(([name, echo]) => ({ status, name, echo })));
    const fetch = async (): Promise<Response> => {
      const { status, echo } = cases[next++]!;
      return Response.json({ error: { message: `Request refused for key ${echo}`, type: 'invalid_request_error', code: 'bad', key: echo } }, { status, headers: /^[\x20-\x7e]*$/.test(echo) ? { 'x-echo': echo } : {} });
    };
    const logged: string[] = [];
    const log = (...args: unknown[]) => logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '));
    vi.spyOn(console, 'error').mockImplementation(log);
    vi.spyOn(console, 'warn').mockImplementation(log);
    const app = await httpGateway(
      {
        integrations: [{ slug: 'local', provider: 'openai-compatible', baseURL: BASE_URL, credentials: { apiKey: secret.value(PROVIDER_KEY) }, workspaces: 'all' }],
        keys: [{ id: 'app-1', workspace: 'team-a', integration: 'local' }],
        retry: { retries: 0 },
        fetch,
      },
      { onError: log },
    );
    const seen: Record<string, string> = {};
    for (const { status, name } of cases) {
      const response = await post(app, '/chat/completions', { model: 'llama', messages: [{ role: 'user', content: 'hi' }] });
      expect(response.status).toBeGreaterThanOrEqual(400);
      Object.assign(seen, await exposuresOf(`${status} ${name}`, response));
    }
    expect(next).toBe(cases.length);
    expectNoTraceOf({ ...seen, events: JSON.stringify(app.events), logs: logged.join('\n') }, PROVIDER_KEY);
    for (const status of statuses) expect(seen[`${status} masked with … body`]).toContain('Request refused for key [REDACTED]');
  });
});
