// npm test: the middleware chain on the mock provider, in process; milliseconds.
import { describe, expect, it } from 'vitest';
import { WorkspaceNotProvisionedError, type ChatMiddleware, type StreamPart } from '../../src/index.js';
import { ask, gatewayWithEvents } from '../helpers/mock-gateway.js';

const setup = () =>
  gatewayWithEvents({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': {} }, mock: { reply: (r) => `echo:${JSON.stringify(r.messages.at(-1)?.content)}` } }] });

describe('middleware', () => {
  it('runs in order after the policy steps, sees the target and may change the request', async () => {
    const { gateway } = setup();
    const order: string[] = [];
    gateway
      .use(async (ctx, next) => {
        order.push(`1:${ctx.target.integration}/${ctx.target.model}:${ctx.metadata.user}`);
        ctx.request = { ...ctx.request, messages: [{ role: 'user', content: 'rewritten' }] };
        const out = await next();
        order.push('1:after');
        return out;
      })
      .use(async (ctx, next) => {
        order.push(`2:${ctx.request.model}`);
        return next();
      });
    const res = await gateway.chat(ask('@mock/m', { metadata: { user: 'u-42' } }));
    expect(res.choices[0]?.message.content).toBe('echo:"rewritten"');
    expect(order).toEqual(['1:mock/m:u-42', '2:m', '1:after']);
  });

  it('does not run for a request the policy refuses', async () => {
    const { gateway } = setup();
    let ran = 0;
    gateway.use(async (_ctx, next) => {
      ran++;
      return next();
    });
    await expect(gateway.chat(ask('@mock/m', { workspace: 'team-b' }))).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    expect(ran).toBe(0);
  });

  it('can short-circuit (a cache) and the usage event still records the call', async () => {
    const { gateway, events } = setup();
    const cached: ChatMiddleware = async (ctx) => ({
      type: 'completion',
      result: {
        completion: { id: 'cached', object: 'chat.completion', created: 0, model: ctx.request.model, choices: [{ index: 0, message: { role: 'assistant', content: 'from cache' }, finish_reason: 'stop' }] },
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 0, estimated: false, raw: null },
        finishReason: 'stop',
        providerRequestId: null,
      },
    });
    gateway.use(cached);
    const res = await gateway.chat(ask('@mock/m'));
    expect(res.choices[0]?.message.content).toBe('from cache');
    expect(events).toMatchObject([{ status: 'success', finishReason: 'stop', usage: { totalTokens: 0 } }]);
  });

  it('can wrap a stream', async () => {
    const { gateway } = setup();
    gateway.use(async (_ctx, next) => {
      const out = await next();
      if (out.type !== 'stream') return out;
      async function* upper(parts: AsyncIterable<StreamPart>): AsyncGenerator<StreamPart> {
        for await (const p of parts) {
          if (p.type === 'chunk' && p.chunk.choices[0]?.delta.content) p.chunk.choices[0].delta.content = p.chunk.choices[0].delta.content.toUpperCase();
          yield p;
        }
      }
      return { ...out, parts: upper(out.parts) };
    });
    let text = '';
    for await (const c of await gateway.chat(ask('@mock/m', { stream: true }))) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('ECHO:"HELLO"');
  });

  it('an error thrown by middleware reaches the caller and is recorded', async () => {
    const { gateway, events } = setup();
    gateway.use(async () => {
      throw new Error('policy says no');
    });
    await expect(gateway.chat(ask('@mock/m'))).rejects.toThrow('policy says no');
    expect(events).toMatchObject([{ status: 'error', errorCode: 'internal_error', errorMessage: 'policy says no', httpStatus: 500 }]);
  });

  it('calling next() twice is refused', async () => {
    const { gateway } = setup();
    gateway.use(async (_ctx, next) => {
      await next();
      return next();
    });
    await expect(gateway.chat(ask('@mock/m'))).rejects.toThrow(/next\(\) more than once/);
  });

  it('use() rejects a non-function', () => {
    const { gateway } = setup();
    expect(() => gateway.use('nope' as never)).toThrow(TypeError);
  });
});
