// npm test: OpenAI's wire format replayed by msw, with budgets; milliseconds.
import { describe, expect, it } from 'vitest';
import { ProviderError, RateLimitExceededError, secret, type GatewayConfig } from '../../../src/index.js';
import { gatewayWithEvents } from '../../helpers/mock-gateway.js';
import { fixtureJson, fixtureText, jsonResponse, sseResponse } from '../../helpers/openai-server.js';
import { setupProviderServer } from '../../helpers/provider-server.js';
import { drain } from '../../helpers/read-stream.js';
import { sseEvents } from '../../helpers/sse-events.js';

/**
 * OpenAI, Azure OpenAI and OpenAI-compatible servers share one usage shape (cached tokens inside
 * `prompt_tokens`, reasoning inside `completion_tokens`): each is charged against token and cost
 * budgets by that shape, including a stream cut in the middle and a 429 with Retry-After.
 */

const server = setupProviderServer();
const messages = [{ role: 'user' as const, content: 'Hello' }];
/** USD per 1M tokens. */
const PRICE = { input: 2.5, output: 10, cachedInput: 1.25 };

const targets = [
  {
    provider: 'openai',
    url: 'http://openai.test/v1/chat/completions',
    fields: { baseURL: 'http://openai.test/v1', credentials: { apiKey: secret.value('sk-test-0123456789') } },
  },
  {
    provider: 'azure-openai',
    url: 'https://contoso.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21',
    fields: { resourceName: 'contoso', credentials: { apiKey: secret.value('azure-key-0123456789') } },
  },
  {
    provider: 'openai-compatible',
    url: 'http://vllm.internal:8000/v1/chat/completions',
    fields: { baseURL: 'http://vllm.internal:8000/v1' },
  },
] as const;

function setup(provider: string, fields: Record<string, unknown>) {
  return gatewayWithEvents({
    integrations: [
      {
        slug: 'llm',
        provider,
        ...fields,
        workspaces: 'all',
        pricing: { 'gpt-4o-mini': PRICE },
        budgets: [
          { type: 'tokens', limit: 1_000_000 },
          { type: 'cost', limit: 10 },
        ],
      } as GatewayConfig['integrations'][number],
    ],
    retry: { retries: 1, minDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 60_000 },
  });
}

async function budgets(gateway: ReturnType<typeof setup>['gateway']) {
  const status = await gateway.limits.status({ integration: 'llm' });
  const tokens = status.find((s) => s.kind === 'budget' && s.type === 'tokens')!;
  const cost = status.find((s) => s.kind === 'budget' && s.type === 'cost')!;
  return { tokens, cost };
}

describe.each(targets)('$provider: budgets charged by the OpenAI usage shape', ({ provider, url, fields }) => {
  it('a stream: cached input at the cached rate', async () => {
    // 1290 prompt tokens of which 1152 cached, 10 completion tokens.
    server.respond(url, () => sseResponse(fixtureText('openai-stream.chunks.txt')));
    const { gateway, events } = setup(provider, fields);

    const { error } = await drain(await gateway.chat({ workspace: 'w', model: '@llm/gpt-4o-mini', messages, stream: true }));

    expect(error).toBeUndefined();
    expect(events[0]!.usage).toMatchObject({ inputTokens: 1290, cacheReadTokens: 1152, outputTokens: 10, estimated: false });
    // Micro-dollars: 138 x 2.5 + 1152 x 1.25 + 10 x 10 = 345 + 1440 + 100 = 1885.
    const { tokens, cost } = await budgets(gateway);
    expect(tokens).toMatchObject({ used: 1300, reserved: 0 });
    expect(cost).toMatchObject({ used: 0.001885, reserved: 0 });
    expect(events[0]!.cost).toBe(0.001885);
  });

  it('reasoning tokens are output, charged at the output rate', async () => {
    server.respond(url, () => jsonResponse(fixtureJson('openai-chat-reasoning.json')));
    const { gateway, events } = setup(provider, fields);

    const res = await gateway.chat({ workspace: 'w', model: '@llm/gpt-4o-mini', messages });

    expect(res.gateway.usage).toMatchObject({ inputTokens: 18, outputTokens: 412, reasoningTokens: 384 });
    // 18 x 2.5 + 412 x 10 = 45 + 4120 = 4165 micro-dollars.
    const { tokens, cost } = await budgets(gateway);
    expect(tokens).toMatchObject({ used: 430, reserved: 0 });
    expect(cost).toMatchObject({ used: 0.004165, reserved: 0 });
    expect(events[0]).toMatchObject({ status: 'success', cost: 0.004165 });
  });

  it('a stream cut in the middle is charged its estimate and releases its reservation', async () => {
    server.respond(url, () => sseResponse(sseEvents(fixtureText('openai-stream.chunks.txt')).slice(0, 4).join('')));
    const { gateway, events } = setup(provider, fields);

    const { chunks, error } = await drain(await gateway.chat({ workspace: 'w', model: '@llm/gpt-4o-mini', messages, stream: true }));

    expect(chunks).toHaveLength(4);
    expect(error).toBeInstanceOf(ProviderError);
    const { usage } = events[0]!;
    expect(usage.estimated).toBe(true);
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);
    const { tokens, cost } = await budgets(gateway);
    expect(tokens).toMatchObject({ used: usage.inputTokens + usage.outputTokens, reserved: 0 });
    expect(cost.reserved).toBe(0);
    expect(cost.used).toBe(events[0]!.cost);
    expect(cost.used).toBeGreaterThan(0);
  });

  it('a 429 with Retry-After is waited out and retried; the failed attempt costs nothing', async () => {
    server.respond(
      url,
      () => jsonResponse(fixtureJson('openai-error-429.json'), { status: 429, headers: { 'retry-after-ms': '20' } }),
      () => jsonResponse(fixtureJson('openai-chat-reasoning.json')),
    );
    const { gateway, events } = setup(provider, fields);

    const res = await gateway.chat({ workspace: 'w', model: '@llm/gpt-4o-mini', messages });

    expect(res.gateway.retries).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(events).toHaveLength(1);
    expect((await budgets(gateway)).tokens).toMatchObject({ used: 430, reserved: 0 });
  });

  it('a 429 asking to wait longer than maxRetryAfterMs is returned at once with retryAfterMs', async () => {
    server.respond(url, () => jsonResponse(fixtureJson('openai-error-429.json'), { status: 429, headers: { 'retry-after': '120' } }));
    const { gateway, events } = setup(provider, fields);

    const error = await gateway.chat({ workspace: 'w', model: '@llm/gpt-4o-mini', messages }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(RateLimitExceededError);
    expect(error).toMatchObject({ status: 429, upstreamStatus: 429, retryAfterMs: 120_000 });
    expect(server.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 429 });
    const { tokens, cost } = await budgets(gateway);
    expect(tokens).toMatchObject({ used: 0, reserved: 0 });
    expect(cost).toMatchObject({ used: 0, reserved: 0 });
  });
});
