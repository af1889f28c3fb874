// npm test: answer headers over node:http on a free loopback port; milliseconds.
import type { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/index.js';
import { eventOf, httpGateway, mockIntegration } from '../helpers/http-gateway.js';
import { storeWithoutTotals } from '../helpers/store-with.js';

/** An error answer as the client raises it (status and headers known). */
type StatusError = APIError<number, Headers>;

/** OpenAI's x-ratelimit-* headers and x-request-id on every answer. */

const HELLO = [{ role: 'user' as const, content: 'Hello' }];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** OpenAI's duration format: `17ms`, `1s`, `6m0s`, `1h0m0s`. */
const DURATION = /^(\d+ms|\d+s|\d+m\d+s|\d+h\d+m\d+s)$/;

const limited = (extra: Record<string, unknown> = {}) =>
  httpGateway({
    integrations: [mockIntegration({ mock: { usage: { inputTokens: 20, outputTokens: 80 } } })],
    keys: [
      {
        id: 'app-1',
        workspace: 'team-a',
        integration: 'mock',
        models: ['m', 'e'],
        rateLimits: [
          { type: 'requests', limit: 5, per: 'minute' },
          { type: 'tokens', limit: 10_000, per: 'hour' },
        ],
      },
    ],
    ...extra,
  });

function limits(headers: Headers) {
  return {
    limitRequests: headers.get('x-ratelimit-limit-requests'),
    remainingRequests: headers.get('x-ratelimit-remaining-requests'),
    resetRequests: headers.get('x-ratelimit-reset-requests'),
    limitTokens: headers.get('x-ratelimit-limit-tokens'),
    remainingTokens: headers.get('x-ratelimit-remaining-tokens'),
    resetTokens: headers.get('x-ratelimit-reset-tokens'),
  };
}

describe('x-ratelimit-* headers', () => {
  it('on JSON answers, as the call was admitted: remaining requests go down by one per call; tokens count what earlier calls used and what this one reserved', async () => {
    const app = await limited({ limits: { defaultMaxOutputTokens: 1_000 } });
    const client = app.client('app-1');
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const { response } = await client.chat.completions.create({ model: 'm', messages: HELLO }).withResponse();
      seen.push(limits(response.headers));
    }
    expect(seen.map((s) => s.remainingRequests)).toEqual(['4', '3', '2']);
    // Each call used 100 tokens; each reserved its input and its most output (1,000), as OpenAI counts a request.
    const events = app.events.filter((e) => e.status === 'success');
    expect(events.map((e) => e.usage.totalTokens)).toEqual([100, 100, 100]);
    const reserved = 10_000 - Number(seen[0]!.remainingTokens);
    expect(reserved).toBeGreaterThan(1_000);
    expect(reserved).toBeLessThan(1_100);
    expect(seen.map((s) => s.remainingTokens)).toEqual([0, 100, 200].map((used) => String(10_000 - used - reserved)));
    for (const s of seen) {
      expect(s).toMatchObject({ limitRequests: '5', limitTokens: '10000' });
      expect(s.resetRequests).toMatch(DURATION);
      expect(s.resetTokens).toMatch(DURATION);
    }
    // Embeddings count as requests too.
    const { response } = await client.embeddings.create({ model: 'e', input: 'x' }).withResponse();
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
  });

  it('come from the admission itself: no limits.status read per answer (one when the store does not report its totals)', async () => {
    const app = await limited();
    let reads = 0;
    const status = app.gateway.limits.status.bind(app.gateway.limits);
    app.gateway.limits.status = (query) => (reads++, status(query));
    const client = app.client('app-1');
    await client.chat.completions.create({ model: 'm', messages: HELLO });
    const stream = await client.chat.completions.create({ model: 'm', messages: HELLO, stream: true });
    for await (const _ of stream) void _;
    await client.embeddings.create({ model: 'e', input: 'x' });
    expect(reads).toBe(0);
    // The answer in process says the same, as numbers.
    const completion = await app.gateway.chat({ key: 'app-1', model: 'm', messages: HELLO });
    expect(completion.gateway.rateLimits).toEqual({
      requests: { limit: 5, remaining: 1, resetMs: expect.any(Number) },
      tokens: { limit: 10_000, remaining: expect.any(Number), resetMs: expect.any(Number) },
    });
    expect(completion.gateway.rateLimits!.requests!.resetMs).toBeGreaterThan(0);
    expect(completion.gateway.rateLimits!.requests!.resetMs).toBeLessThanOrEqual(60_000);
    expect(completion.gateway.rateLimits!.tokens!.resetMs).toBeLessThanOrEqual(3_600_000);

    const memory = memoryStore();
    const plain = await limited({ store: storeWithoutTotals(memory) });
    let plainReads = 0;
    const plainStatus = plain.gateway.limits.status.bind(plain.gateway.limits);
    plain.gateway.limits.status = (query) => (plainReads++, plainStatus(query));
    const { response } = await plain.client('app-1').chat.completions.create({ model: 'm', messages: HELLO }).withResponse();
    expect(plainReads).toBe(1);
    // Read after the call: its request counted, its tokens as used.
    expect(limits(response.headers)).toMatchObject({ remainingRequests: '4', remainingTokens: '9900' });
  });

  it('on streams', async () => {
    const app = await limited();
    const client = app.client('app-1');
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      const { data: stream, response } = await client.chat.completions.create({ model: 'm', messages: HELLO, stream: true }).withResponse();
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(limits(response.headers)).toMatchObject({ limitRequests: '5', limitTokens: '10000', resetRequests: expect.stringMatching(DURATION), resetTokens: expect.stringMatching(DURATION) });
      remaining.push(response.headers.get('x-ratelimit-remaining-requests'));
      for await (const _ of stream) void _;
    }
    expect(remaining).toEqual(['4', '3']);
    // The raw answer too, as `.asResponse()` gives it.
    const raw = await client.chat.completions.create({ model: 'm', messages: HELLO, stream: true }).asResponse();
    expect(raw.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(await raw.text()).toMatch(/data: \[DONE\]\n\n$/);
  });

  it('on the error answers of an authenticated key', async () => {
    const app = await limited();
    const client = app.client('app-1');
    const forbidden = (await client.chat.completions.create({ model: 'm2', messages: HELLO }).catch((e: unknown) => e)) as StatusError;
    expect(forbidden.status).toBe(403);
    expect(limits(forbidden.headers)).toMatchObject({ limitRequests: '5', remainingRequests: '5', limitTokens: '10000', remainingTokens: '10000' });
    const invalid = (await client.chat.completions.create({ model: 'm', messages: 'x' as never }).catch((e: unknown) => e)) as StatusError;
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-ratelimit-limit-requests')).toBe('5');
    const notFound = (await client.models.retrieve('m2').catch((e: unknown) => e)) as StatusError;
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-ratelimit-remaining-requests')).toBe('5');
    const badJson = await fetch(`${app.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' }, body: '{' });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('x-ratelimit-limit-requests')).toBe('5');
    for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: 'm', messages: HELLO });
    const refused = (await client.chat.completions.create({ model: 'm', messages: HELLO }).catch((e: unknown) => e)) as StatusError;
    expect(refused.status).toBe(429);
    expect(limits(refused.headers)).toMatchObject({ limitRequests: '5', remainingRequests: '0' });
  });

  it('and on models answers, which use no request', async () => {
    const app = await limited();
    const { response } = await app.client('app-1').models.list().withResponse();
    expect(limits(response.headers)).toMatchObject({ limitRequests: '5', remainingRequests: '5' });
  });

  it('report the limit closest to refusing, across the key, grant and workspace scopes', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration({ workspaces: { 'team-a': { rateLimits: [{ type: 'requests', limit: 3, per: 'hour' }] } } })],
      workspaces: { 'team-a': { rateLimits: [{ type: 'tokens', limit: 5_000, per: 'day' }] } },
      keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock', rateLimits: [{ type: 'requests', limit: 10, per: 'minute' }, { type: 'tokens', limit: 50_000, per: 'minute' }] }],
    });
    const { response } = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO }).withResponse();
    expect(limits(response.headers)).toMatchObject({ limitRequests: '3', remainingRequests: '2', limitTokens: '5000' });
    expect(response.headers.get('x-ratelimit-reset-tokens')).toMatch(/^\d+h\d+m\d+s$|^\d+m\d+s$|^\d+s$/);
  });

  it('are absent without rate limits, and on 401 answers', async () => {
    const app = await httpGateway({
      integrations: [mockIntegration()],
      keys: [
        { id: 'free', workspace: 'team-a', integration: 'mock' },
        // Budgets are no rate limits: only the requests limit gives headers.
        {
          id: 'limited',
          workspace: 'team-a',
          integration: 'mock',
          rateLimits: [{ type: 'requests', limit: 5, per: 'minute' }],
          budgets: [
            { type: 'tokens', limit: 100_000 },
            { type: 'cost', limit: 50 },
          ],
        },
      ],
    });
    const { response } = await app.client('free').chat.completions.create({ model: 'm', messages: HELLO }).withResponse();
    expect([...response.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
    const { response: onlyRequests } = await app.client('limited').chat.completions.create({ model: 'm', messages: HELLO }).withResponse();
    expect([...onlyRequests.headers.keys()].filter((h) => h.startsWith('x-ratelimit')).sort()).toEqual([
      'x-ratelimit-limit-requests',
      'x-ratelimit-remaining-requests',
      'x-ratelimit-reset-requests',
    ]);
    expect(onlyRequests.headers.get('x-ratelimit-limit-requests')).toBe('5');
    const unauthorized = (await app.client('wrong').models.list().catch((e: unknown) => e)) as StatusError;
    expect(unauthorized.status).toBe(401);
    expect([...unauthorized.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
  });
});

describe('x-request-id', () => {
  it('is on every answer, unique, and the usage event’s requestId for every gateway call', async () => {
    const app = await limited();
    const client = app.client('app-1');
    const ids: Array<string | null> = [];

    const ok = await client.chat.completions.create({ model: 'm', messages: HELLO }).withResponse();
    ids.push(ok.response.headers.get('x-request-id'));
    expect(eventOf(app.events, ids.at(-1)!)).toMatchObject({ status: 'success', stream: false });
    // OpenAI’s client exposes it as `request_id`.
    expect(ok.request_id).toBe(ids.at(-1));

    const streamed = await client.chat.completions.create({ model: 'm', messages: HELLO, stream: true }).withResponse();
    for await (const _ of streamed.data) void _;
    ids.push(streamed.response.headers.get('x-request-id'));
    expect(eventOf(app.events, ids.at(-1)!)).toMatchObject({ status: 'success', stream: true });

    const embedded = await client.embeddings.create({ model: 'e', input: 'x' }).withResponse();
    ids.push(embedded.response.headers.get('x-request-id'));
    expect(eventOf(app.events, ids.at(-1)!)).toMatchObject({ status: 'success' });

    const forbidden = (await client.chat.completions.create({ model: 'm2', messages: HELLO }).catch((e: unknown) => e)) as StatusError;
    ids.push(forbidden.requestID ?? null);
    expect(eventOf(app.events, forbidden.requestID ?? null)).toMatchObject({ status: 'rejected', httpStatus: 403 });

    // Answers without a gateway call carry one too.
    ids.push((await client.models.list().withResponse()).response.headers.get('x-request-id'));
    ids.push(((await app.client('nope').models.list().catch((e: unknown) => e)) as StatusError).requestID ?? null);
    ids.push((await fetch(`${app.origin}/nowhere`)).headers.get('x-request-id'));
    ids.push((await fetch(`${app.baseURL}/chat/completions`)).headers.get('x-request-id'));
    ids.push((await fetch(`${app.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' }, body: '[' })).headers.get('x-request-id'));

    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(app.events).toHaveLength(4);
  });

  it('on a rate-limited answer, is the rejected call’s requestId', async () => {
    const app = await httpGateway({ integrations: [mockIntegration()], keys: [{ id: 'k', workspace: 'team-a', integration: 'mock', rateLimits: [{ type: 'requests', limit: 1, per: 'day' }] }] });
    await app.client('k').chat.completions.create({ model: 'm', messages: HELLO });
    const error = (await app.client('k').chat.completions.create({ model: 'm', messages: HELLO }).catch((e: unknown) => e)) as StatusError;
    expect(error.status).toBe(429);
    expect(error.requestID).toMatch(UUID);
    expect(eventOf(app.events, error.requestID ?? null)).toMatchObject({ status: 'rejected', errorCode: 'rate_limit_exceeded' });
  });
});
