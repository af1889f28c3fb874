// npm test: OpenAI's Responses wire format replayed by msw; milliseconds.
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, ProviderError, RequestValidationError, secret, type GatewayConfig, type ResponseObject, type ResponsesEvent } from '../../../src/index.js';
import { gatewayWithEvents } from '../../helpers/mock-gateway.js';
import { API_KEY, BASE_URL, fixtureJson, fixtureText, jsonResponse, setupOpenAIServer, sseResponse } from '../../helpers/openai-server.js';
import { ssePayloads } from '../../helpers/sse-events.js';

/**
 * The Responses API passed through to OpenAI (`gateway.responses`): the caller's body reaches
 * `POST /v1/responses` as sent (the provider's model id, the output limit reserved), and
 * OpenAI's own response and events come back unchanged, metered by the usage they report.
 * Upstream: recorded-style payloads of OpenAI's documented wire format.
 */
const RESPONSES_URL = `${BASE_URL}/responses`;
const openai = setupOpenAIServer();
/** Answers `POST /v1/responses` (the helper's `respond` answers chat completions). */
const openaiRespond = (...responders: Parameters<typeof openai.respond>) => openai.respondAt(RESPONSES_URL, ...responders);

const response = () => fixtureJson<ResponseObject>('openai-response.json');
const streamText = () => fixtureText('openai-response-stream.chunks.txt');
/** o4-mini: $1.10 in, $4.40 out per million tokens; the fixture reports 24 in, 146 out: 668.8 µ$, rounded up. */
const FIXTURE_COST = 669 / 1e6;

function gatewayWith(extra: Partial<GatewayConfig> & { budgets?: unknown[] } = {}) {
  const { budgets, ...rest } = extra;
  return gatewayWithEvents({
    integrations: [{ slug: 'openai-prod', provider: 'openai', baseURL: BASE_URL, credentials: { apiKey: secret.value(API_KEY) }, workspaces: 'all' }],
    ...(budgets ? { workspaces: { 'team-a': { budgets } } } : {}),
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    ...rest,
  } as GatewayConfig);
}

const ask = <const E extends Record<string, unknown>>(extra: E = {} as E) => ({ workspace: 'team-a', model: '@openai-prod/o4-mini', instructions: 'Be brief.', input: 'Hello' as string | unknown[], ...extra });

describe('the Responses API passed through to OpenAI', () => {
  it('sends the body as given to /responses, with the provider model id and no gateway field; returns OpenAI’s response; meters its usage', async () => {
    openaiRespond(() => jsonResponse(response(), { requestId: 'req_resp_1' }));
    const { gateway, events } = gatewayWith();
    const res = await gateway.responses(
      ask({ reasoning: { effort: 'medium', summary: 'auto' }, include: ['reasoning.encrypted_content'], store: false, max_output_tokens: 2048, metadata: { feature: 'greet' } }),
    );
    const sent = openai.to(RESPONSES_URL);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent[0]!.body).toEqual({
      model: 'o4-mini',
      instructions: 'Be brief.',
      input: 'Hello',
      reasoning: { effort: 'medium', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      store: false,
      max_output_tokens: 2048,
      metadata: { feature: 'greet' },
      stream: false,
    });
    // OpenAI's response as it came: its id, the reasoning item with its encrypted content.
    const { gateway: info, ...body } = res;
    expect(body).toEqual(response());
    expect(info).toMatchObject({ integration: 'openai-prod', provider: 'openai', model: 'o4-mini', providerRequestId: 'req_resp_1', usage: { inputTokens: 24, outputTokens: 146, reasoningTokens: 128 } });
    expect(info.cost).toBe(FIXTURE_COST);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'success',
      operation: 'chat',
      model: 'o4-mini',
      servedModel: 'o4-mini-2025-04-16',
      metadata: { feature: 'greet' },
      usage: { inputTokens: 24, outputTokens: 146, reasoningTokens: 128 },
      providerRequestId: 'req_resp_1',
    });
    expect(events[0]!.cost).toBe(FIXTURE_COST);
    await gateway.close();
  });

  it('without max_output_tokens, the output limit the gateway reserved is sent, so the answer cannot cost more than the reservation', async () => {
    openaiRespond(() => jsonResponse(response()));
    const { gateway } = gatewayWith({ budgets: [{ type: 'tokens', limit: 5_000, reset: 'monthly' }] });
    await gateway.responses(ask({}));
    const cap = openai.to(RESPONSES_URL)[0]!.body.max_output_tokens;
    expect(typeof cap).toBe('number');
    expect(cap as number).toBeGreaterThan(0);
    expect(cap as number).toBeLessThan(5_000);
    const [status] = await gateway.limits.status({ workspace: 'team-a' });
    expect(status).toMatchObject({ used: 170, reserved: 0 });
    await gateway.close();
  });

  it('streams OpenAI’s events unchanged, reasoning summaries included, and settles with the usage of response.completed', async () => {
    openaiRespond(() => sseResponse(streamText(), { requestId: 'req_stream_1' }));
    const { gateway, events } = gatewayWith({ budgets: [{ type: 'cost', limit: 1, reset: 'monthly' }] });
    const stream = await gateway.responses(ask({ stream: true }));
    expect(stream.gateway).toMatchObject({ integration: 'openai-prod', model: 'o4-mini', providerRequestId: 'req_stream_1' });
    const received: ResponsesEvent[] = [];
    for await (const event of stream) received.push(event);
    expect(received).toEqual(ssePayloads(streamText()));
    expect(openai.to(RESPONSES_URL)[0]!.body.stream).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'success', stream: true, usage: { inputTokens: 24, outputTokens: 146, reasoningTokens: 128 }, servedModel: 'o4-mini-2025-04-16' });
    expect(events[0]!.ttftMs).not.toBeNull();
    const [budget] = await gateway.limits.status({ workspace: 'team-a' });
    expect(budget!.reserved).toBe(0);
    expect(budget!.used).toBe(FIXTURE_COST);
    await gateway.close();
  });

  it('reasoning items sent back as input count toward the reservation: a budget they would overrun refuses the call before it is sent', async () => {
    openaiRespond(() => jsonResponse(response()));
    const { gateway, events } = gatewayWith({ budgets: [{ type: 'tokens', limit: 1_500, reset: 'monthly' }] });
    const turn = (items: unknown[]) => ask({ max_output_tokens: 100, input: [{ role: 'user', content: 'Hello' }, ...items, { role: 'user', content: 'And then?' }] });
    const reasoning = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA'.padEnd(2_000, 'x') };
    await expect(gateway.responses(turn([reasoning]))).rejects.toBeInstanceOf(BudgetExceededError);
    expect(openai.to(RESPONSES_URL)).toHaveLength(0);
    await gateway.responses(turn([]));
    expect(openai.to(RESPONSES_URL)).toHaveLength(1);
    expect(events.map((e) => e.status)).toEqual(['rejected', 'success']);
    await gateway.close();
  });

  it('refuses what no reservation could bound, before any request: stored responses, item references, hosted tools', async () => {
    const { gateway, events } = gatewayWith();
    const refused = [
      [ask({ previous_response_id: 'resp_1' }), 'previous_response_id'],
      [ask({ input: [{ type: 'item_reference', id: 'rs_1' }] }), 'input[0]'],
      [ask({ tools: [{ type: 'web_search' }] }), 'tools[0].type'],
      [ask({ fallbacks: ['@openai-prod/gpt-4o'] }), 'fallbacks'],
    ] as const;
    for (const [request, path] of refused) {
      const error = await gateway.responses(request as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestValidationError);
      expect((error as RequestValidationError).issues[0]?.path).toBe(path);
    }
    expect(openai.requests).toHaveLength(0);
    expect(events.map((e) => e.errorCode)).toEqual(['invalid_request', 'invalid_request', 'invalid_request', 'invalid_request']);
    await gateway.close();
  });

  it('an error event in the stream is a ProviderError from the iterator; the call is settled with what was delivered', async () => {
    const payloads = streamText().split('\n\n').slice(0, 14).join('\n\n');
    const error = `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: 'The model failed.', param: null, sequence_number: 14 })}\n\n`;
    openaiRespond(() => sseResponse(`${payloads}\n\n${error}`));
    const { gateway, events } = gatewayWith({ budgets: [{ type: 'tokens', limit: 100_000, reset: 'monthly' }] });
    const stream = await gateway.responses(ask({ stream: true }));
    const types: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) types.push(event.type);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).message).toContain('The model failed.');
    expect(types).toContain('response.output_text.delta');
    expect(events).toMatchObject([{ status: 'error', errorCode: 'provider_error', usage: { estimated: true } }]);
    const [budget] = await gateway.limits.status({ workspace: 'team-a' });
    expect(budget!.reserved).toBe(0);
    expect(budget!.used).toBe(events[0]!.usage.totalTokens);
    await gateway.close();
  });

  it('a stream left after its first event closes the upstream request and is settled as aborted with an estimate', async () => {
    let cancelled = false;
    openaiRespond(() => sseResponse(streamText().split('\n\n').slice(0, 5).join('\n\n') + '\n\n', { hold: true, onCancel: () => (cancelled = true) }));
    const { gateway, events } = gatewayWith({ budgets: [{ type: 'tokens', limit: 100_000, reset: 'monthly' }] });
    const stream = await gateway.responses(ask({ stream: true }));
    for await (const event of stream) if (event.type === 'response.reasoning_summary_text.delta') break;
    expect(cancelled).toBe(true);
    expect(events).toMatchObject([{ status: 'aborted', usage: { estimated: true } }]);
    const [budget] = await gateway.limits.status({ workspace: 'team-a' });
    expect(budget!.reserved).toBe(0);
    await gateway.close();
  });

  it('a stream cut before response.completed is a ProviderError', async () => {
    const head = streamText().split('\n\n').slice(0, 4).join('\n\n') + '\n\n';
    openaiRespond(() => sseResponse(head));
    const { gateway, events } = gatewayWith();
    const stream = await gateway.responses(ask({ stream: true }));
    const failure = await (async () => {
      for await (const _ of stream);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).message).toContain('ended before completion');
    expect(events).toMatchObject([{ status: 'error' }]);
    await gateway.close();
  });

  it('an upstream 500 is retried; the retries are on the event', async () => {
    openaiRespond(
      () => jsonResponse({ error: { message: 'The server had an error', type: 'server_error', param: null, code: null } }, { status: 500 }),
      () => jsonResponse(response()),
    );
    const { gateway, events } = gatewayWith();
    const res = await gateway.responses(ask({}));
    expect(res.gateway.retries).toBe(1);
    expect(events[0]).toMatchObject({ status: 'success', retries: 1 });
    await gateway.close();
  });

  it('with middleware installed, the call is translated to chat, so that the middleware sees it', async () => {
    openai.respond(() => jsonResponse(fixtureJson('openai-chat.json')));
    const { gateway, events } = gatewayWith();
    const seen: string[] = [];
    gateway.use(async (ctx, next) => {
      seen.push(ctx.request.messages.map((m) => m.content).join('|'));
      return next();
    });
    const res = await gateway.responses(ask({}));
    expect(seen).toEqual(['Be brief.|Hello']);
    expect(openai.to(RESPONSES_URL)).toHaveLength(0);
    expect(res.object).toBe('response');
    expect(res.output).toMatchObject([{ type: 'message', role: 'assistant' }]);
    expect(events[0]?.status).toBe('success');
    await gateway.close();
  });

  it('an upstream error echoing the API key reaches neither the error nor the event', async () => {
    openaiRespond(() => jsonResponse({ error: { message: `Incorrect API key provided: ${API_KEY}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, { status: 401 }));
    const { gateway, events } = gatewayWith();
    const error = await gateway.responses(ask({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(JSON.stringify({ message: (error as Error).message, body: (error as ProviderError).body })).not.toContain(API_KEY);
    expect(JSON.stringify(events)).not.toContain(API_KEY);
    expect(events).toMatchObject([{ status: 'error', errorCode: 'provider_error' }]);
    await gateway.close();
  });
});
