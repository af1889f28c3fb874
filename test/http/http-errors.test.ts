// npm test: error answers over node:http, the gateway on an injected clock; milliseconds.
import { request as httpRequest } from 'node:http';
import OpenAI, { type APIError } from 'openai';
import { describe, expect, it, vi } from 'vitest';
import { until } from '../helpers/until.js';
import { createGateway, RequestValidationError, type RateLimitExceededEvent, type UsageEvent } from '../../src/index.js';
import { eventOf, httpGateway, mockIntegration, rawRequest } from '../helpers/http-gateway.js';

/** An error answer as the client raises it (status and headers known). */
type StatusError = APIError<number, Headers>;

/** Refusals and failures as OpenAI error bodies, which the official client raises as its own classes. */

const HELLO = [{ role: 'user' as const, content: 'Hello' }];
const KEY = { id: 'app-1', workspace: 'team-a', integration: 'mock' };

/** A stack frame, as V8 prints them: never in a body. */
const STACK = /\n\s+at |\bat .*\.[jt]s:\d+|node_modules|src\/(gateway|http)\//;

async function failure(promise: Promise<unknown>): Promise<StatusError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as StatusError;
}

describe('rate limits', () => {
  it('a rate-limited request is the client’s RateLimitError, with retry-after from the refusal', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [{ ...KEY, rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }] }] });
    const refusals: RateLimitExceededEvent[] = [];
    app.gateway.on('ratelimit.exceeded', (e) => refusals.push(e));
    const client = app.client('app-1');
    await client.chat.completions.create({ model: 'm', messages: HELLO });
    await client.chat.completions.create({ model: 'm', messages: HELLO });
    const error = await failure(client.chat.completions.create({ model: 'm', messages: HELLO }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_error', param: null });
    expect(refusals).toHaveLength(1);
    const retryAfterMs = refusals[0]!.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(error.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
    expect(error.headers.get('retry-after-ms')).toBe(String(Math.ceil(retryAfterMs)));
    expect(error.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(eventOf(app.events, error.requestID)).toMatchObject({ status: 'rejected', httpStatus: 429, errorCode: 'rate_limit_exceeded' });
  });

  it('a provider’s 429 keeps its status and its Retry-After', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration({ mock: { failures: [{ status: 429, retryAfterMs: 1500, message: 'slow down' }] } })],
      keys: [KEY],
      retry: { retries: 0 },
    });
    const error = await failure(app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'provider_error', type: 'rate_limit_error' });
    expect(error.headers.get('retry-after')).toBe('2');
    expect(error.headers.get('retry-after-ms')).toBe('1500');
    expect(eventOf(app.events, error.requestID)).toMatchObject({ status: 'error', httpStatus: 429 });
  });

  it('a client that retries follows the retry-after-ms of a provider’s 429, then succeeds', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration({ mock: { failures: [{ status: 429, retryAfterMs: 5 }] } })],
      keys: [KEY],
      retry: { retries: 0 },
    });
    const completion = await app.client('app-1', { maxRetries: 1 }).chat.completions.create({ model: 'm', messages: HELLO });
    expect(completion.choices[0]?.message.content).toBe('Mock reply to "Hello"');
    expect(app.events.map((e) => e.status)).toEqual(['error', 'success']);
  });

  it('a stream refused by a rate limit is a 429 before any event', async () => {
    // The gateway's clock stands at 09:30 UTC: the window (the hour) resets in 30 minutes.
    const clock = () => Date.parse('2026-11-18T09:30:00Z');
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [{ ...KEY, rateLimits: [{ type: 'requests', limit: 1, per: 'hour' }] }], clock });
    const client = app.client('app-1');
    for await (const _ of await client.chat.completions.create({ model: 'm', messages: HELLO, stream: true })) void _;
    const error = await failure(client.chat.completions.create({ model: 'm', messages: HELLO, stream: true }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get('retry-after')).toBe('1800');
  });
});

describe('budgets and access', () => {
  it('an exhausted budget is a 429 in OpenAI quota shape (insufficient_quota), not retried when it never resets', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration({ mock: { usage: { inputTokens: 60, outputTokens: 60 } } })],
      keys: [{ ...KEY, budgets: [{ type: 'tokens', limit: 100, reset: 'none' }] }],
    });
    // The client's own retries are on: x-should-retry: false must stop them.
    const client = app.client('app-1', { maxRetries: 2 });
    await client.chat.completions.create({ model: 'm', messages: HELLO, max_tokens: 10 });
    const error = await failure(client.chat.completions.create({ model: 'm', messages: HELLO, max_tokens: 10 }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.status).toBe(429);
    expect(error).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota', param: null, error: { tollgate_code: 'budget_exceeded' } });
    expect(error.message).toContain('key:app-1');
    expect(error.headers.get('x-should-retry')).toBe('false');
    expect(error.headers.get('retry-after')).toBeNull();
    // One refusal: the client did not retry it.
    expect(app.events.map((e) => e.status)).toEqual(['success', 'rejected']);
    expect(eventOf(app.events, error.requestID)).toMatchObject({ status: 'rejected', httpStatus: 429 });
  });

  it('a budget that resets says when in retry-after', async () => {
    // The gateway's clock stands at noon on 30 November: the budget resets on 1 December, 12 hours on.
    const clock = () => Date.parse('2026-11-30T12:00:00Z');
    const app = await httpGateway({
      integrations: [mockIntegration({ mock: { usage: { inputTokens: 60, outputTokens: 60 } } })],
      keys: [{ ...KEY, budgets: [{ type: 'tokens', limit: 100, reset: 'monthly' }] }],
      clock,
    });
    const client = app.client('app-1', { maxRetries: 0 });
    await client.chat.completions.create({ model: 'm', messages: HELLO, max_tokens: 10 });
    const error = await failure(client.chat.completions.create({ model: 'm', messages: HELLO, max_tokens: 10 }));
    expect(error.status).toBe(429);
    const [resetAt] = (await app.gateway.limits.status({ key: 'app-1', kind: 'budget' })).map((s) => s.resetAt);
    expect(resetAt).toBe('2026-12-01T00:00:00.000Z');
    expect(error.headers.get('retry-after')).toBe(String(12 * 3600));
  });

  it('upstream failures the gateway retried carry x-should-retry: false: one call, not retries times retries', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration({ mock: { failures: [{ status: 500 }, { status: 500 }, { status: 500 }] } })],
      keys: [KEY],
      retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await failure(app.client('app-1', { maxRetries: 2 }).chat.completions.create({ model: 'm', messages: HELLO }));
    expect(error.status).toBe(500);
    expect(error.headers.get('x-should-retry')).toBe('false');
    expect(app.events).toHaveLength(1);
    expect(app.events[0]).toMatchObject({ status: 'error', retries: 2 });
  });

  it('a model the key may not use is a 403 PermissionDeniedError (model_not_allowed)', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [{ ...KEY, models: ['m'] }] });
    const error = await failure(app.client('app-1').chat.completions.create({ model: 'm2', messages: HELLO }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error).toMatchObject({ status: 403, code: 'model_not_allowed', type: 'permission_error' });
    const embeddings = await failure(app.client('app-1').embeddings.create({ model: 'e', input: 'x' }));
    expect(embeddings).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('@slug/model of another integration is refused, even one provisioned to the workspace', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration(), mockIntegration({ slug: 'other' })],
      keys: [KEY],
    });
    const error = await failure(app.client('app-1').chat.completions.create({ model: '@other/m', messages: HELLO }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error).toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect(app.events.filter((e) => e.status === 'success')).toEqual([]);
  });

  it('a workspace that lost its grant is a 403 (workspace_not_provisioned)', async () => {
    const app = await httpGateway({ integrations: [mockIntegration({ workspaces: { 'team-a': {} } })], keys: [KEY] });
    app.gateway.provisioning.revoke({ integration: 'mock', workspace: 'team-a' });
    const error = await failure(app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.code).toBe('workspace_not_provisioned');
  });

  it('a provider failure keeps its status (api_error for 5xx)', async () => {
    const app = await httpGateway({ integrations: [mockIntegration({ mock: { failures: [{ status: 503, message: 'overloaded' }] } })], keys: [KEY], retry: { retries: 0 } });
    const error = await failure(app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 503, code: 'provider_error', type: 'api_error' });
  });

  it("the upstream refusing the integration's credentials is a 502 saying so, not a 401 that blames the caller's key", async () => {
    for (const status of [401, 403]) {
      const app = await httpGateway({ integrations: [mockIntegration({ mock: { failures: [{ status, message: 'Incorrect API key provided' }] } })], keys: [KEY], retry: { retries: 0 } });
      const error = await failure(app.client('app-1', { maxRetries: 2 }).chat.completions.create({ model: 'm', messages: HELLO }));
      expect(error).not.toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error).not.toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(error).toMatchObject({ status: 502, code: 'upstream_authentication_failed', type: 'api_error' });
      expect(error.message).toContain("rejected the credentials of the integration");
      // Retrying cannot fix a configuration: the client is told not to, and did not.
      expect(error.headers.get('x-should-retry')).toBe('false');
      expect(app.events).toHaveLength(1);
    }
  });

  it('a stream that fails after its first chunk ends with an error event the client raises', async () => {
    const app = await httpGateway({ integrations: [mockIntegration({ mock: { chunks: ['one ', 'two ', 'three'], cutStreamAfter: 1 } })], keys: [KEY] });
    const stream = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO, stream: true });
    let content = '';
    const error = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => null,
      (e: unknown) => e,
    );
    expect(content).toBe('one ');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as StatusError).message).toContain('interrupted');
    expect(app.events).toMatchObject([{ status: 'error', errorCode: 'provider_error' }]);
  });
});

describe('requests the endpoint refuses', () => {
  const setup = () => httpGateway({ integrations: [mockIntegration()], keys: [KEY] }, { maxBodyBytes: 1024 });
  const post = (app: Awaited<ReturnType<typeof setup>>, body: BodyInit, path = '/v1/chat/completions') =>
    fetch(`${app.origin}${path}`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' }, body });

  it('malformed JSON is a 400 invalid_json that does not quote the body', async () => {
    const app = await setup();
    const response = await post(app, '{"model": "m", "messages": [SECRET-ISH');
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_json' } });
    expect(text).not.toContain('SECRET-ISH');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a JSON array, a JSON string, null and an empty body are 400 invalid_json', async () => {
    const app = await setup();
    for (const body of ['[{"model":"m"}]', '"m"', 'null', '']) {
      const response = await post(app, body);
      expect(response.status, body).toBe(400);
      expect(((await response.json()) as OpenAI.ErrorObject & { error: { code: string } }).error.code).toBe('invalid_json');
    }
    const embeddings = await post(app, '[1,2,3]', '/v1/embeddings');
    expect(embeddings.status).toBe(400);
  });

  it('a body over maxBodyBytes is a 413, from its Content-Length', async () => {
    const app = await setup();
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(2000) }] });
    const answer = await rawRequest(app.origin, {
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      chunks: [body],
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'request_too_large', type: 'invalid_request_error' } });
    expect(app.events).toEqual([]);
    // Through the client too (it sends a Content-Length), and a body under the limit passes.
    const error = await failure(app.client('app-1').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(2000) }] }));
    expect(error.status).toBe(413);
    expect(await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO })).toMatchObject({ object: 'chat.completion' });
  });

  it('a chunked body (no Content-Length) over maxBodyBytes is a 413 as it streams in', async () => {
    const seen: Array<string | undefined> = [];
    const app = await httpGateway(
      { integrations: [mockIntegration()], keys: [KEY] },
      {
        maxBodyBytes: 1024,
        listener: (tollgate) => (req, res) => {
          seen.push(req.headers['content-length'] ?? req.headers['transfer-encoding']);
          tollgate(req, res);
        },
      },
    );
    const piece = 'x'.repeat(400);
    const answer = await rawRequest(app.origin, {
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' },
      chunks: ['{"model":"m","messages":[{"role":"user","content":"', piece, piece, piece, '"}]}'],
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'request_too_large' } });
    expect(app.events).toEqual([]);
    // The same, under the limit, is served.
    const ok = await rawRequest(app.origin, {
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' },
      chunks: ['{"model":"m","messages":[{"role":"user","content":"', piece, '"}]}'],
    });
    expect(ok.status).toBe(200);
    expect(seen).toEqual(['chunked', 'chunked']);
  });

  it('a chunked body that never ends is refused once past the limit, without waiting for its end', async () => {
    const app = await setup();
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${app.origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}` } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      });
      req.on('error', reject);
      // Never ended: the answer can only come from the size check.
      req.write('x'.repeat(800));
      req.write('x'.repeat(800));
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'request_too_large' } });
  });

  it('a body nested 5,000 levels deep, in a passed-through field, in tools or in metadata, is a 400 naming it; nothing goes upstream', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [KEY] });
    const deep = (levels: number) => {
      let value: unknown = 'bottom';
      for (let i = 0; i < levels; i++) value = { a: value };
      return value;
    };
    // As text: JSON.stringify itself runs out of stack on such a value.
    const DEEP = `${'{"a":'.repeat(5_000)}"bottom"${'}'.repeat(5_000)}`;
    const messages = JSON.stringify(HELLO);
    const bodies: Array<[string, string, string]> = [
      ['/chat/completions', 'extra', `{"model":"m","messages":${messages},"extra":${DEEP}}`],
      ['/chat/completions', 'tools[0].function.parameters', `{"model":"m","messages":${messages},"tools":[{"type":"function","function":{"name":"f","parameters":${DEEP}}}]}`],
      ['/chat/completions', 'metadata', `{"model":"m","messages":${messages},"metadata":${DEEP}}`],
      ['/responses', 'extra', `{"model":"m","input":"hi","extra":${DEEP}}`],
      ['/embeddings', 'extra', `{"model":"e","input":"hi","extra":${DEEP}}`],
    ];
    for (const [path, field, body] of bodies) {
      const response = await fetch(`${app.baseURL}${path}`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' }, body });
      expect(response.status, `${path} ${field}`).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; param: string; message: string } };
      expect(error.code).toBe('invalid_request');
      expect(error.param.startsWith(field), `${error.param} names ${field}`).toBe(true);
      expect(error.message).toContain('nested deeper than 64 levels');
    }
    await app.gateway.flush();
    expect(app.events.map((e) => [e.status, e.errorCode, e.key])).toEqual(Array(bodies.length).fill(['rejected', 'invalid_request', 'app-1']));
    // In process, the same refusal, typed.
    const thrown = await app.gateway.chat({ key: 'app-1', model: 'm', messages: HELLO, extra: deep(5_000) } as never).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(RequestValidationError);
    // Deep, but within the bound: served.
    expect(await app.gateway.chat({ key: 'app-1', model: 'm', messages: HELLO, extra: deep(60) } as never)).toMatchObject({ object: 'chat.completion' });
  });

  it('100 clients that go away while sending their bodies reach onError zero times', async () => {
    const onError = vi.fn();
    let answered = 0;
    const app = await httpGateway(
      { integrations: [mockIntegration()], keys: [KEY] },
      {
        onError,
        listener: (tollgate) => (req, res) => {
          const end = res.end.bind(res);
          res.end = ((...args: Parameters<typeof res.end>) => {
            answered++;
            return end(...args);
          }) as typeof res.end;
          tollgate(req, res);
        },
      },
    );
    for (let i = 0; i < 100; i++) {
      const req = httpRequest(`${app.origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json', 'content-length': '1000' } });
      req.on('error', () => {}); // destroyed on purpose
      req.write('{"model":"m","messages":');
      // The server has the request and part of its body; then the client is gone.
      await new Promise<void>((resolve) => req.once('socket', (socket) => socket.once('connect', () => setImmediate(resolve))));
      req.destroy();
    }
    // Every request was answered (to no one): each one's handling is over.
    await until(() => answered === 100);
    expect(onError).not.toHaveBeenCalled();
  });

  it('an unknown route is a 404 not_found, without echoing the query', async () => {
    const app = await setup();
    for (const path of ['/v1/completions', '/v2/chat/completions', '/', '/v1', '/v1/', '/v1/models/', '/v1/chat/completions/x', '/v1chat/completions']) {
      const response = await fetch(`${app.origin}${path}?api_key=leaky-query-value`, { headers: { authorization: `Bearer ${app.tokens['app-1']}` } });
      expect(response.status, path).toBe(404);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'not_found', type: 'not_found_error' } });
      expect(text).not.toContain('leaky-query-value');
    }
  });

  it('a malformed percent-escape in /models/{id} is a 404, not a failure of the handler', async () => {
    const errors: unknown[] = [];
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [KEY] }, { onError: (e) => errors.push(e) });
    const response = await fetch(`${app.origin}/v1/models/%E0%A4%A`, { headers: { authorization: `Bearer ${app.tokens['app-1']}` } });
    expect(response.status).toBe(404);
    expect(errors).toEqual([]);
  });

  it('a wrong method is a 405 with Allow', async () => {
    const app = await setup();
    const auth = { authorization: `Bearer ${app.tokens['app-1']}` };
    const cases = [
      ['GET', '/v1/chat/completions', 'POST'],
      ['PUT', '/v1/embeddings', 'POST'],
      ['POST', '/v1/models', 'GET'],
      ['DELETE', '/v1/models/m', 'GET'],
    ] as const;
    for (const [method, path, allow] of cases) {
      const response = await fetch(`${app.origin}${path}`, { method, headers: auth, ...(method === 'POST' || method === 'PUT' ? { body: '{}' } : {}) });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(await response.json()).toMatchObject({ error: { code: 'method_not_allowed', type: 'invalid_request_error' } });
    }
  });

  it('an invalid request is a 400 BadRequestError naming the field in param', async () => {
    const app = await setup();
    const client = app.client('app-1');
    const missing = await failure(client.chat.completions.create({ model: 'm' } as OpenAI.ChatCompletionCreateParamsNonStreaming));
    expect(missing).toBeInstanceOf(OpenAI.BadRequestError);
    expect(missing).toMatchObject({ status: 400, code: 'invalid_request', type: 'invalid_request_error', param: 'messages' });
    const temperature = await failure(client.chat.completions.create({ model: 'm', messages: HELLO, temperature: 'hot' as unknown as number }));
    expect(temperature).toMatchObject({ status: 400, code: 'invalid_request', param: 'temperature' });
    const embeddings = await failure(client.embeddings.create({ model: 'e' } as OpenAI.EmbeddingCreateParams));
    expect(embeddings).toMatchObject({ status: 400, code: 'invalid_request', param: 'input' });
    // Refused before it reached a target, each is still counted as the key's: its workspace and integration.
    await app.gateway.flush();
    const refused = app.events.filter((e) => e.status === 'rejected');
    expect(refused.map((e) => [e.errorCode, e.key, e.workspace, e.integration, e.provider])).toEqual(Array(3).fill(['invalid_request', 'app-1', 'team-a', 'mock', 'mock']));
    const [row] = (await app.gateway.analytics.query({ from: Date.now() - 3_600_000, groupBy: ['key', 'workspace'], filter: { errorCode: 'invalid_request' } })).rows;
    expect(row).toMatchObject({ key: 'app-1', workspace: 'team-a', requests: 3, rejected: 3 });
  });

  it('a call refused in process before it has a target counts as the key or workspace it named', async () => {
    const gateway = createGateway({ integrations: [mockIntegration()], keys: [KEY] });
    const events: UsageEvent[] = [];
    gateway.on('usage', (e) => events.push(e));
    await expect(gateway.chat({ key: 'app-1', model: 'm' } as never)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(gateway.chat({ workspace: 'team-b', model: '@mock/m', messages: HELLO, temperature: 'hot' } as never)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(gateway.chat({ workspace: 'team-b', model: '@nowhere/m', messages: HELLO })).rejects.toMatchObject({ code: 'integration_not_found' });
    expect(events.map((e) => [e.key, e.workspace, e.integration])).toEqual([
      ['app-1', 'team-a', 'mock'],
      [null, 'team-b', 'mock'],
      [null, 'team-b', null],
    ]);
    await gateway.close();
  });

  it('an unexpected failure is a bare 500, reported to onError with the request id', async () => {
    const reported: Array<{ error: unknown; requestId: string }> = [];
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [KEY] }, { onError: (error, requestId) => reported.push({ error, requestId }) });
    app.gateway.use(() => {
      throw new Error('boom: internal detail /srv/app/secret-path');
    });
    const response = await fetch(`${app.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: HELLO }),
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { message: 'The gateway failed to handle the request.', type: 'api_error', param: null, code: 'internal_error' } });
    expect(text).not.toContain('boom');
    expect(reported).toHaveLength(1);
    expect(reported[0]!.requestId).toBe(response.headers.get('x-request-id'));
    expect(String(reported[0]!.error)).toContain('boom');
  });

  it('no body of any refusal holds a stack trace', async () => {
    const app = await httpGateway(
      {
        integrations: [mockIntegration({ mock: { failures: [{ status: 500 }, { message: 'reset' }] } })],
        keys: [{ ...KEY, models: ['m'], rateLimits: [{ type: 'requests', limit: 3, per: 'minute' }] }],
        retry: { retries: 0 },
      },
      { maxBodyBytes: 1024, onError: () => {} },
    );
    const auth = { authorization: `Bearer ${app.tokens['app-1']}` };
    const url = (path: string) => `${app.origin}/v1${path}`;
    const chat = (body: string, type = 'application/json') => fetch(url('/chat/completions'), { method: 'POST', headers: { ...auth, 'content-type': type }, body });
    const responses = [
      await chat('{bad'),
      await chat('[]'),
      await chat(JSON.stringify({ model: 'm', messages: 'nope' })),
      await chat(JSON.stringify({ model: 'm2', messages: HELLO })),
      await chat(JSON.stringify({ model: 'm', messages: HELLO })), // the provider's 500
      await chat(JSON.stringify({ model: 'm', messages: HELLO })), // a network error
      await chat(JSON.stringify({ model: 'm', messages: HELLO, n: 'x'.repeat(2000) })),
      await chat(JSON.stringify({ model: '@', messages: HELLO })),
      await chat(JSON.stringify({ model: 'm', messages: HELLO })),
      await chat(JSON.stringify({ model: 'm', messages: HELLO })), // rate limited
      await fetch(url('/models/m2'), { headers: auth }),
      await fetch(url('/nope'), { headers: auth }),
      await fetch(url('/models'), { method: 'POST', headers: auth }),
      await fetch(url('/models')),
      await fetch(url('/models'), { headers: { authorization: 'Bearer nope' } }),
      await chat(JSON.stringify({ model: 'm', messages: HELLO }), 'text/plain'),
    ];
    const statuses = responses.map((r) => r.status);
    expect(statuses).toEqual([400, 400, 400, 403, 500, 502, 413, 400, 200, 429, 404, 404, 405, 401, 401, 415]);
    for (const response of responses) {
      const text = await response.text();
      expect(text, `${response.status}`).not.toMatch(STACK);
      if (response.status >= 400) expect(Object.keys(JSON.parse(text).error).sort()).toEqual(['code', 'message', 'param', 'type']);
    }
  });
});
