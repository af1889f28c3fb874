// npm test: aborts against OpenAI's wire format replayed by msw; milliseconds.
import { HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { RequestAbortedError, type ChatMessage } from '../../../src/index.js';
import { MODEL, createTestGateway, fixtureJson, fixtureText, sseResponse, setupOpenAIServer } from '../../helpers/openai-server.js';
import { neverAnswer } from '../../helpers/provider-server.js';
import { drain } from '../../helpers/read-stream.js';
import { sseEvents } from '../../helpers/sse-events.js';
import { until } from '../../helpers/until.js';

const openai = setupOpenAIServer();

const STREAM = fixtureText('openai-stream.chunks.txt');
const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];

describe('OpenAI adapter: the caller aborts', () => {
  it('aborts a non-streaming call while OpenAI has not answered', async () => {
    openai.respond(neverAnswer);
    const { gateway, events } = createTestGateway();
    const controller = new AbortController();

    const call = gateway.chat({ workspace: 'team-a', model: MODEL, messages }, { signal: controller.signal });
    await until(() => openai.requests.length === 1);
    controller.abort();
    const error = await call.catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RequestAbortedError);
    expect((error as RequestAbortedError).code).toBe('request_aborted');
    expect((error as RequestAbortedError).status).toBe(499);
    // An abort is not a failure to retry.
    expect(openai.requests).toHaveLength(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', httpStatus: 499, errorCode: 'request_aborted', upstreamStatus: null });
  });

  it('aborts a streaming call before the stream opens', async () => {
    openai.respond(neverAnswer);
    const { gateway, events } = createTestGateway();
    const controller = new AbortController();

    const call = gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }, { signal: controller.signal });
    await until(() => openai.requests.length === 1);
    controller.abort();

    await expect(call).rejects.toBeInstanceOf(RequestAbortedError);
    expect(openai.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', stream: true });
  });

  it('aborts while waiting for a Retry-After, without a second request', async () => {
    openai.respond(() =>
      HttpResponse.json(fixtureJson('openai-error-429.json'), {
        status: 429,
        headers: { ...fixtureJson<Record<string, string>>('openai-error-429.headers.json'), 'retry-after-ms': '30000' },
      }),
    );
    const { gateway, events } = createTestGateway();
    const controller = new AbortController();

    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const call = gateway.chat({ workspace: 'team-a', model: MODEL, messages }, { signal: controller.signal });
      const settled = call.catch((e: unknown) => e);
      // The gateway is waiting the 30 s OpenAI asked for.
      await until(() => timers.mock.calls.some(([, ms]) => ms === 30_000));
      controller.abort();

      expect(await settled).toBeInstanceOf(RequestAbortedError);
    } finally {
      timers.mockRestore();
    }
    expect(openai.requests).toHaveLength(1);
    // The retry had been decided (and counted) when the caller aborted.
    expect(events[0]).toMatchObject({ status: 'aborted', retries: 1 });
  });

  it('aborts a stream in the middle: the caller gets the chunks so far, then RequestAbortedError', async () => {
    let cancelled = false;
    // OpenAI has sent the role chunk, "Hello" and "!", and is still generating.
    const partial = sseEvents(STREAM).slice(0, 3).join('');
    openai.respond(() => sseResponse(partial, { hold: true, onCancel: () => (cancelled = true) }));
    const { gateway, events } = createTestGateway();
    const controller = new AbortController();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }, { signal: controller.signal });
    const { chunks, error } = await drain(stream, (received) => {
      if (received.length === 3) controller.abort();
    });

    expect(chunks.map((c) => c.choices[0]!.delta.content).join('')).toBe('Hello!');
    expect(error).toBeInstanceOf(RequestAbortedError);
    expect((error as RequestAbortedError).code).toBe('request_aborted');
    expect(openai.requests).toHaveLength(1);
    // The upstream body is released, so that the connection closes.
    await until(() => cancelled);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', httpStatus: 499, errorCode: 'request_aborted', stream: true });
    // What was delivered is metered (estimated: OpenAI never sent the usage chunk).
    expect(events[0]!.usage.estimated).toBe(true);
    expect(events[0]!.usage.outputTokens).toBeGreaterThan(0);
  });
});
