// npm test: client disconnects through node:http on a free loopback port, in this process; milliseconds.
import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { RequestListener } from 'node:http';
import { createFetchHandler, toNodeListener } from '../../src/http.js';
import { memoryStore, type GatewayConfig } from '../../src/index.js';
import { storeWithoutTotals } from '../helpers/store-with.js';
import { until } from '../helpers/until.js';
import { eventually, httpGateway, listen, mockIntegration, reservedOf } from '../helpers/http-gateway.js';

/**
 * A client that goes away: the gateway call is aborted or its stream stopped, the reservation
 * settled (nothing left `reserved`) and the usage event says `aborted`.
 */

const HELLO = [{ role: 'user' as const, content: 'Hello' }];
/** Long enough that no test ever waits it out: a call still pending is one the abort did not reach. */
const FOREVER = 600_000;

/** What the handlers of the test reported to `onError`: a client going away is no bug. */
let unexpected: unknown[] = [];

const served = (mock: Record<string, unknown>, extra: Partial<GatewayConfig> = {}) => {
  unexpected = [];
  return httpGateway(
    {
      ...extra,
      integrations: [mockIntegration({ mock })],
      keys: [
        {
          id: 'app-1',
          workspace: 'team-a',
          integration: 'mock',
          rateLimits: [
            { type: 'requests', limit: 100, per: 'minute' },
            { type: 'tokens', limit: 1_000_000, per: 'hour' },
          ],
          budgets: [{ type: 'cost', limit: 100 }],
        },
      ],
      // Requests set no max_tokens: the output reserved is the cap sent upstream, and the mock
      // honours it. Large, so that LONG_REPLY is not cut short before the client leaves.
      limits: { defaultMaxOutputTokens: 50_000 },
    },
    { onError: (error) => unexpected.push(error) },
  );
};

/** Many short words: far more SSE than socket buffers hold, so the stream cannot finish unread. */
const LONG_REPLY = Array.from({ length: 100_000 }, (_, i) => `w${i} `).join('');

async function settled(app: Awaited<ReturnType<typeof served>>) {
  await until(() => app.events.length > 0);
  await eventually(async () => (await reservedOf(app.gateway, 'app-1')) === 0);
  expect(app.events).toHaveLength(1);
  expect(app.events[0]).toMatchObject({ status: 'aborted', errorCode: 'request_aborted' });
  expect(unexpected).toEqual([]);
}

describe('client aborts', () => {
  it('an AbortController mid-stream (upstream waiting) settles the reservation; the event says aborted', async () => {
    const app = await served({ chunks: ['a', 'b', 'c'], chunkDelayMs: FOREVER });
    const controller = new AbortController();
    const stream = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO, stream: true }, { signal: controller.signal });
    expect(await reservedOf(app.gateway, 'app-1')).toBeGreaterThan(0);
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    // The client's stream ends quietly on its own abort.
    await (async () => {
      for await (const chunk of stream) {
        chunks.push(chunk);
        controller.abort();
      }
    })().catch(() => {});
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([{ role: 'assistant', content: '' }]);
    await settled(app);
    expect(app.events[0]).toMatchObject({ stream: true, httpStatus: 499 });
  });

  it('an AbortController while chunks flow stops the stream; what was delivered is settled', async () => {
    const app = await served({ reply: LONG_REPLY });
    const controller = new AbortController();
    const stream = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO, stream: true }, { signal: controller.signal });
    let received = 0;
    await (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received++;
        if (received === 3) controller.abort();
      }
    })().catch(() => {});
    await settled(app);
    expect(app.events[0]!.usage.outputTokens).toBeGreaterThan(0);
    expect(app.events[0]!.usage.estimated).toBe(true);
  });

  it('leaving the loop (break) cancels the stream like an abort', async () => {
    const app = await served({ reply: LONG_REPLY });
    const stream = await app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO, stream: true });
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break;
    await settled(app);
  });

  it('a destroyed socket mid-stream settles the reservation', async () => {
    for (const mock of [{ chunks: ['a', 'b'], chunkDelayMs: FOREVER }, { reply: LONG_REPLY }]) {
      const app = await served(mock);
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${app.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' } }, (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
        req.end(JSON.stringify({ model: 'm', messages: HELLO, stream: true }));
      });
      await settled(app);
    }
  });

  it('a non-streaming call aborted by the client while the provider is slow settles', async () => {
    const app = await served({ latencyMs: FOREVER });
    const controller = new AbortController();
    const pending = app.client('app-1').chat.completions.create({ model: 'm', messages: HELLO }, { signal: controller.signal });
    const outcome = pending.then(
      () => null,
      (e: unknown) => e,
    );
    // The call is in flight once it holds a reservation.
    await eventually(async () => (await reservedOf(app.gateway, 'app-1')) > 0);
    controller.abort();
    expect(await outcome).toBeInstanceOf(OpenAI.APIUserAbortError);
    await settled(app);
    expect(app.events[0]).toMatchObject({ stream: false });
  });

  it('a stream aborted before its first chunk settles, and so does an embeddings call', async () => {
    for (const call of ['stream', 'embeddings'] as const) {
      const app = await served({ latencyMs: FOREVER });
      const controller = new AbortController();
      const client = app.client('app-1');
      const pending =
        call === 'stream'
          ? client.chat.completions.create({ model: 'm', messages: HELLO, stream: true }, { signal: controller.signal })
          : client.embeddings.create({ model: 'e', input: 'x' }, { signal: controller.signal });
      const outcome = pending.then(
        () => null,
        (e: unknown) => e,
      );
      await eventually(async () => (await reservedOf(app.gateway, 'app-1')) > 0);
      controller.abort();
      expect(await outcome).toBeInstanceOf(OpenAI.APIUserAbortError);
      await settled(app);
    }
  });

  it('a stream whose client left before the answer was written is still stopped and settled', async () => {
    // The client goes away between the start of the stream and the writing of the answer (the
    // handler is still reading the rate-limit headers, say): the listener must cancel the body.
    const app = await served({ reply: LONG_REPLY });
    const handler = createFetchHandler(app.gateway, { onError: (error) => unexpected.push(error) });
    let gone!: () => void;
    const clientGone = new Promise<void>((resolve) => (gone = resolve));
    const server = await listen(
      toNodeListener(async (request) => {
        const response = await handler(request);
        await clientGone;
        await until(() => request.signal.aborted);
        return response;
      }) as RequestListener,
    );
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}` } });
      req.on('error', () => {});
      req.end(JSON.stringify({ model: 'm', messages: HELLO, stream: true }), () => {
        // The stream has started once it holds a reservation.
        void eventually(async () => (await reservedOf(app.gateway, 'app-1')) > 0).then(() => {
          req.destroy();
          gone();
          resolve();
        });
      });
    });
    await settled(app);
  });
  it('a stream whose client left while its rate-limit headers were read is stopped and settled (node:http path)', async () => {
    // A store that does not report its totals at admission: the handler reads the key's limits.
    const memory = memoryStore();
    const store = storeWithoutTotals(memory);
    const app = await served({ reply: LONG_REPLY }, { store });
    let closed = false;
    app.server.on('connection', (socket) => socket.on('close', () => (closed = true)));
    // The handler reads the key's rate limits once the stream has started: the client leaves then.
    const status = app.gateway.limits.status;
    let reading!: () => void;
    const headersRead = new Promise<void>((resolve) => (reading = resolve));
    app.gateway.limits.status = async (query) => {
      if (query.kind === 'rateLimit') {
        reading();
        await until(() => closed);
        for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return status(query);
    };
    const req = httpRequest(`${app.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens['app-1']}` } });
    req.on('error', () => {});
    req.end(JSON.stringify({ model: 'm', messages: HELLO, stream: true }));
    await headersRead;
    expect(await reservedOf(app.gateway, 'app-1')).toBeGreaterThan(0);
    req.destroy();
    await settled(app);
  });
});

describe('toNodeListener and a client that went away', () => {
  it('cancels the body of an answer returned after the client left', async () => {
    let cancelled = false;
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    const server = await listen(
      toNodeListener(async (request) => {
        received();
        await until(() => request.signal.aborted);
        return new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              controller.enqueue(new TextEncoder().encode('data: {}\n\n'));
            },
            cancel() {
              cancelled = true;
            },
          }),
        );
      }) as RequestListener,
    );
    const req = httpRequest(`${server.origin}/`, { method: 'GET' });
    req.on('error', () => {});
    req.end();
    await arrived;
    req.destroy();
    await until(() => cancelled);
    expect(cancelled).toBe(true);
  });

  it('aborts the request signal when the client leaves while the handler works, not after a complete answer', async () => {
    const signals: AbortSignal[] = [];
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    const server = await listen(
      toNodeListener(async (request) => {
        signals.push(request.signal);
        if (new URL(request.url).pathname === '/slow') {
          received();
          await until(() => request.signal.aborted);
        }
        return new Response('done');
      }) as RequestListener,
    );
    const fast = await fetch(`${server.origin}/fast`);
    expect(await fast.text()).toBe('done');
    const req = httpRequest(`${server.origin}/slow`);
    req.on('error', () => {});
    req.end();
    await arrived;
    req.destroy();
    await until(() => signals[1]!.aborted);
    expect(signals[0]!.aborted).toBe(false);
    expect(String(signals[1]!.reason)).toContain('closed');
  });
});
