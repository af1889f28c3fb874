// npm test: every vendor preset against its recorded-style answers (msw at the vendor's own URL); milliseconds.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createGateway, PricingUnknownError, secret, type GatewayConfig, type UsageEvent } from '../../../src/index.js';
import { createFetchHandler, generateKey } from '../../../src/http.js';
import { fixtureReader } from '../../helpers/fixture-reader.js';
import { gatewayWithEvents } from '../../helpers/mock-gateway.js';
import { providerStream, setupProviderServer } from '../../helpers/provider-server.js';
import { sseEvents } from '../../helpers/sse-events.js';

const { fixtureText } = fixtureReader(new URL('../../fixtures/vendors/', import.meta.url));
const { respond, to } = setupProviderServer();

interface Expected {
  usage: Partial<UsageEvent['usage']>;
  /** tollgate's figure, micro-dollars, worked out by hand from the catalog (or the local override). */
  costMicros: number;
  providerCost: number | null;
}

interface Case {
  provider: string;
  /** The vendor's chat completions URL when the integration gives no baseURL. */
  url: string;
  model: string;
  local?: boolean;
  json: Expected;
  stream: Expected;
}

const usage = (input: number, output: number, parts: Partial<UsageEvent['usage']> = {}): Partial<UsageEvent['usage']> => ({
  inputTokens: input,
  outputTokens: output,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  totalTokens: input + output,
  estimated: false,
  ...parts,
});

// Costs: tokens x USD per 1M tokens = micro-dollars, rounded up once per call.
const CASES: Case[] = [
  {
    provider: 'deepseek',
    url: 'https://api.deepseek.com/chat/completions',
    model: 'deepseek-flash',
    // 176 x 0.3 + 1,024 cache hits x 0.006 + 85 x 1.2 = 160.944
    json: { usage: usage(1200, 85, { cacheReadTokens: 1024, reasoningTokens: 40 }), costMicros: 161, providerCost: null },
    // 128 x 0.3 + 1,920 x 0.006 + 12 x 1.2 = 64.32
    stream: { usage: usage(2048, 12, { cacheReadTokens: 1920, reasoningTokens: 4 }), costMicros: 65, providerCost: null },
  },
  {
    provider: 'groq',
    url: 'https://api.groq.com/openai/v1/chat/completions',
    model: 'openai/gpt-oss-120b',
    // 128 x 0.15 + 512 x 0.075 + 48 x 0.6 = 86.4
    json: { usage: usage(640, 48, { cacheReadTokens: 512, reasoningTokens: 20 }), costMicros: 87, providerCost: null },
    // 20 x 0.15 + 4 x 0.6 = 5.4
    stream: { usage: usage(20, 4), costMicros: 6, providerCost: null },
  },
  {
    provider: 'mistral',
    url: 'https://api.mistral.ai/v1/chat/completions',
    model: 'mistral-medium-latest',
    json: { usage: usage(16, 18), costMicros: 43, providerCost: null }, // 6.4 + 36
    stream: { usage: usage(16, 5), costMicros: 17, providerCost: null }, // 6.4 + 10
  },
  {
    provider: 'xai',
    url: 'https://api.x.ai/v1/chat/completions',
    model: 'grok-4.3',
    // reasoning is outside completion_tokens: 26 x 1.25 + 6 x 0.2 + (9 + 94) x 2.5 = 291.2
    json: { usage: usage(32, 103, { cacheReadTokens: 6, reasoningTokens: 94 }), costMicros: 292, providerCost: 0.0002912 },
    // 40 x 1.25 + (3 + 200) x 2.5 = 557.5
    stream: { usage: usage(40, 203, { reasoningTokens: 200 }), costMicros: 558, providerCost: 0.0005575 },
  },
  {
    provider: 'together',
    url: 'https://api.together.xyz/v1/chat/completions',
    model: 'openai/gpt-oss-120b',
    json: { usage: usage(96, 30), costMicros: 33, providerCost: null }, // 14.4 + 18
    stream: { usage: usage(96, 3), costMicros: 17, providerCost: null }, // 14.4 + 1.8
  },
  {
    provider: 'fireworks',
    url: 'https://api.fireworks.ai/inference/v1/chat/completions',
    model: 'accounts/fireworks/models/deepseek-v4-flash',
    // 500 x 0.14 + 2,500 x 0.028 + 120 x 0.28 = 173.6
    json: { usage: usage(3000, 120, { cacheReadTokens: 2500 }), costMicros: 174, providerCost: null },
    stream: { usage: usage(1000, 10), costMicros: 143, providerCost: null }, // 140 + 2.8
  },
  {
    provider: 'openrouter',
    url: 'https://openrouter.ai/api/v1/chat/completions',
    model: 'anthropic/claude-sonnet-4.6',
    // 300 x 3 + 1,000 reads x 0.3 + 200 writes x 3.75 + 120 x 15 = 3,750; OpenRouter says $0.0041235
    json: { usage: usage(1500, 120, { cacheReadTokens: 1000, cacheWriteTokens: 200 }), costMicros: 3750, providerCost: 0.0041235 },
    stream: { usage: usage(40, 8), costMicros: 240, providerCost: 0.00024 }, // 120 + 120
  },
  {
    provider: 'perplexity',
    url: 'https://api.perplexity.ai/chat/completions',
    model: 'sonar-pro',
    // tokens only (27 + 4,680); Perplexity's total adds its request fee
    json: { usage: usage(9, 312), costMicros: 4707, providerCost: 0.010707 },
    // usage in every chunk: the last one counts (27 + 300)
    stream: { usage: usage(9, 20), costMicros: 327, providerCost: 0.006327 },
  },
  {
    provider: 'cerebras',
    url: 'https://api.cerebras.ai/v1/chat/completions',
    model: 'gpt-oss-120b',
    json: { usage: usage(22, 35, { reasoningTokens: 31 }), costMicros: 34, providerCost: null }, // 7.7 + 26.25
    // usage on the finishing chunk, no [DONE]: 7.7 + 2.25
    stream: { usage: usage(22, 3), costMicros: 10, providerCost: null },
  },
  {
    provider: 'deepinfra',
    url: 'https://api.deepinfra.com/v1/openai/chat/completions',
    model: 'Qwen/Qwen3-Coder-480B-A35B-Instruct-Turbo',
    json: { usage: usage(150, 100), costMicros: 165, providerCost: 0.000165 }, // 45 + 120
    stream: { usage: usage(150, 14), costMicros: 62, providerCost: 0.0000618 }, // 45 + 16.8
  },
  // Local servers: priced by the integration's override (input 0.1, cached 0.01, output 0.4).
  {
    provider: 'ollama',
    url: 'http://localhost:11434/v1/chat/completions',
    model: 'llama3.2',
    local: true,
    json: { usage: usage(31, 8), costMicros: 7, providerCost: null }, // 3.1 + 3.2
    stream: { usage: usage(31, 2), costMicros: 4, providerCost: null }, // 3.1 + 0.8
  },
  {
    provider: 'vllm',
    url: 'http://localhost:8000/v1/chat/completions',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    local: true,
    // 16 x 0.1 + 384 prefix-cache hits x 0.01 + 10 x 0.4 = 9.44
    json: { usage: usage(400, 10, { cacheReadTokens: 384 }), costMicros: 10, providerCost: null },
    stream: { usage: usage(400, 2, { cacheReadTokens: 384 }), costMicros: 7, providerCost: null }, // 1.6 + 3.84 + 0.8
  },
  {
    provider: 'lmstudio',
    url: 'http://localhost:1234/v1/chat/completions',
    model: 'qwen2.5-7b-instruct',
    local: true,
    json: { usage: usage(24, 10), costMicros: 7, providerCost: null }, // 2.4 + 4
    stream: { usage: usage(24, 2), costMicros: 4, providerCost: null }, // 2.4 + 0.8
  },
];

const KEY = 'vendor-key-7Hq2Lx9Pz4';
/** Vendors that send a stream's usage unasked: they are not sent `stream_options` (Mistral rejects it). */
const SENDS_USAGE = new Set(['mistral', 'openrouter', 'perplexity']);

function gatewayFor(c: Case, fields: Record<string, unknown> = {}) {
  return gatewayWithEvents({
    integrations: [
      {
        slug: c.provider,
        provider: c.provider,
        ...(c.local ? { pricing: { [c.model]: { input: 0.1, output: 0.4, cachedInput: 0.01 } } } : { credentials: { apiKey: secret.value(KEY) } }),
        workspaces: 'all',
        ...fields,
      } as GatewayConfig['integrations'][number],
    ],
  });
}

const messages = [{ role: 'user' as const, content: 'Hello' }];

/**
 * The vendor's stream, as it answers the request: a usage-only event (no choices) is sent only
 * when the request asked for it with `stream_options.include_usage`, as OpenAI-style servers do,
 * unless the vendor sends it unasked.
 */
function streamFor(c: Case) {
  return async ({ request }: { request: Request }) => {
    const asked = SENDS_USAGE.has(c.provider) || ((await request.clone().json()) as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage === true;
    const events = sseEvents(fixtureText(`${c.provider}-stream.chunks.txt`)).filter((event) => asked || !/"choices":\[\],/.test(event));
    return providerStream(events, { 'content-type': 'text/event-stream' });
  };
}

describe.each(CASES)('provider $provider', (c) => {
  it('a recorded JSON answer: normalized usage and cost exact, at the default URL with the key as a bearer token', async () => {
    respond(c.url, () => HttpResponse.json(JSON.parse(fixtureText(`${c.provider}-chat.json`)) as Record<string, unknown>));
    const { gateway, events } = gatewayFor(c);
    const completion = await gateway.chat({ workspace: 'team-a', model: `@${c.provider}/${c.model}`, messages, max_completion_tokens: 500 });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    await gateway.flush();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'success', provider: c.provider, usage: c.json.usage, costMicros: c.json.costMicros, cost: c.json.costMicros / 1e6, providerCost: c.json.providerCost });
    const [sent] = to(c.url);
    expect(sent!.headers.authorization).toBe(c.local ? undefined : `Bearer ${KEY}`);
    // The output limit under the name every compatible server knows.
    expect(sent!.body).toMatchObject({ model: c.model, max_tokens: 500 });
    expect(sent!.body).not.toHaveProperty('max_completion_tokens');
  });

  it('a recorded stream: metered exactly, whether or not the caller asked for usage', async () => {
    respond(c.url, streamFor(c));
    const { gateway, events } = gatewayFor(c);
    let text = '';
    let usageChunks = 0;
    for await (const chunk of await gateway.chat({ workspace: 'team-a', model: `@${c.provider}/${c.model}`, messages, stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks++;
    }
    expect(text).not.toBe('');
    expect(usageChunks).toBe(0); // the caller did not ask for usage: none of it reaches them
    await gateway.flush();
    expect(events[0]).toMatchObject({ status: 'success', stream: true, usage: c.stream.usage, costMicros: c.stream.costMicros, providerCost: c.stream.providerCost });
    const [sent] = to(c.url);
    if (SENDS_USAGE.has(c.provider)) expect(sent!.body).not.toHaveProperty('stream_options');
    else expect(sent!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });
});

describe('vendor presets', () => {
  it('DeepSeek: cache hits (prompt_cache_hit_tokens) are priced at the cached-input price, not the full one', async () => {
    const c = CASES.find((x) => x.provider === 'deepseek')!;
    respond(c.url, () => HttpResponse.json(JSON.parse(fixtureText('deepseek-chat.json')) as Record<string, unknown>));
    const { gateway, events } = gatewayFor(c);
    await gateway.chat({ workspace: 'team-a', model: '@deepseek/deepseek-flash', messages });
    await gateway.flush();
    // 1,024 of the 1,200 input tokens were cache hits: 6.144 micro-dollars at $0.006/M, not 307.2 at $0.30/M.
    expect(events[0]!.costBreakdown).toEqual({ input: 0.0000528, cacheRead: 0.000006144, cacheWrite: 0, output: 0.000102 });
    expect(events[0]!.rawUsage).toMatchObject({ prompt_cache_hit_tokens: 1024, prompt_cache_miss_tokens: 176 });
  });

  it('a vendor that sends stream usage only when asked (DeepSeek) is asked, and the caller still gets its usage chunk when it asked too', async () => {
    const c = CASES.find((x) => x.provider === 'deepseek')!;
    respond(c.url, streamFor(c));
    const { gateway, events } = gatewayFor(c);
    const usages: unknown[] = [];
    for await (const chunk of await gateway.chat({ workspace: 'team-a', model: '@deepseek/deepseek-flash', messages, stream: true, stream_options: { include_usage: true } })) {
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(usages).toEqual([expect.objectContaining({ prompt_tokens: 2048, prompt_cache_hit_tokens: 1920 })]);
    await gateway.flush();
    expect(events[0]).toMatchObject({ usage: { inputTokens: 2048, cacheReadTokens: 1920, estimated: false }, costMicros: 65 });
  });

  it("Groq's legacy x_groq.usage is read when a stream carries no usage member", async () => {
    const c = CASES.find((x) => x.provider === 'groq')!;
    respond(c.url, () => {
      // The stream as Groq sent it before it honoured include_usage: usage only under x_groq.
      const events = sseEvents(fixtureText('groq-stream.chunks.txt')).filter((e) => !/"choices":\[\],/.test(e));
      return providerStream(events, { 'content-type': 'text/event-stream' });
    });
    const { gateway, events } = gatewayFor(c);
    for await (const _ of await gateway.chat({ workspace: 'team-a', model: '@groq/openai/gpt-oss-120b', messages, stream: true }));
    await gateway.flush();
    expect(events[0]).toMatchObject({ usage: { inputTokens: 20, outputTokens: 4, estimated: false }, costMicros: 6 });
  });

  it('chargeProviderCost: budgets are charged what the vendor says it charged; tollgate\'s own figure stays in the breakdown', async () => {
    const c = CASES.find((x) => x.provider === 'openrouter')!;
    respond(c.url, () => HttpResponse.json(JSON.parse(fixtureText('openrouter-chat.json')) as Record<string, unknown>));
    const budget = { budgets: [{ type: 'cost' as const, limit: 10, reset: 'monthly' as const }] };
    const charged = gatewayFor(c, { chargeProviderCost: true, ...budget });
    const own = gatewayFor(c, budget);
    for (const { gateway } of [charged, own]) {
      await gateway.chat({ workspace: 'team-a', model: `@openrouter/${c.model}`, messages });
      await gateway.flush();
    }
    // $0.0041235 rounded up to the micro-dollar.
    expect(charged.events[0]).toMatchObject({ costMicros: 4124, cost: 0.004124, providerCost: 0.0041235 });
    expect(own.events[0]).toMatchObject({ costMicros: 3750, providerCost: 0.0041235 });
    const parts = (e: UsageEvent) => Object.values(e.costBreakdown!).reduce((a, b) => a + b, 0);
    expect(parts(charged.events[0]!)).toBeCloseTo(0.00375, 12);
    expect((await charged.gateway.limits.status({ integration: 'openrouter' }))[0]).toMatchObject({ type: 'cost', used: 0.004124 });
    expect((await own.gateway.limits.status({ integration: 'openrouter' }))[0]).toMatchObject({ type: 'cost', used: 0.00375 });
  });

  it('chargeProviderCost: a vendor figure above the reservation is charged whole and announced as budget.overshoot', async () => {
    const c = CASES.find((x) => x.provider === 'openrouter')!;
    respond(c.url, () => HttpResponse.json(JSON.parse(fixtureText('openrouter-chat.json')) as Record<string, unknown>));
    const { gateway } = gatewayFor(c, { chargeProviderCost: true, budgets: [{ type: 'cost', limit: 10, reset: 'monthly' }] });
    const overshoots: Array<{ reserved: number; actual: number }> = [];
    gateway.on('budget.overshoot', (e) => overshoots.push(e));
    // One output token reserved: the catalog's worst case is far below OpenRouter's $0.0041235.
    await gateway.chat({ workspace: 'team-a', model: `@openrouter/${c.model}`, messages, max_tokens: 1 });
    await gateway.flush();
    expect(overshoots).toHaveLength(1);
    expect(overshoots[0]!.actual).toBe(0.004124);
    expect(overshoots[0]!.reserved).toBeLessThan(0.004124);
    expect((await gateway.limits.status({ integration: 'openrouter' }))[0]).toMatchObject({ used: 0.004124, reserved: 0 });
  });

  it('a model the catalog does not price is refused under a cost budget, even where the vendor would state its cost', async () => {
    const c = CASES.find((x) => x.provider === 'openrouter')!;
    const { gateway } = gatewayFor(c, { chargeProviderCost: true, budgets: [{ type: 'cost', limit: 10, reset: 'monthly' }] });
    await expect(gateway.chat({ workspace: 'team-a', model: '@openrouter/acme/unlisted-model', messages })).rejects.toBeInstanceOf(PricingUnknownError);
    expect(to(c.url)).toHaveLength(0);
  });

  it("embeddings go to the vendor's /embeddings and are priced from the catalog (Mistral's mistral-embed)", async () => {
    const c = CASES.find((x) => x.provider === 'mistral')!;
    const url = 'https://api.mistral.ai/v1/embeddings';
    respond(url, () =>
      HttpResponse.json({
        id: 'embd-6b1f0e2c9a7d4f3e8b5a1c0d2e4f6a8b',
        object: 'list',
        data: [
          { object: 'embedding', embedding: [0.0123, -0.0456, 0.0789], index: 0 },
          { object: 'embedding', embedding: [-0.0011, 0.0222, -0.0333], index: 1 },
        ],
        model: 'mistral-embed',
        usage: { prompt_tokens: 1234, total_tokens: 1234, completion_tokens: 0 },
      }),
    );
    const { gateway, events } = gatewayFor(c);
    const answer = await gateway.embeddings({ workspace: 'team-a', model: '@mistral/mistral-embed', input: ['Le comté.', 'Le beaufort.'] });
    expect(answer.data).toHaveLength(2);
    await gateway.flush();
    // 1,234 input tokens x $0.10 per 1M = 123.4 micro-dollars
    expect(events[0]).toMatchObject({ status: 'success', operation: 'embeddings', usage: { inputTokens: 1234, outputTokens: 0, estimated: false }, costMicros: 124 });
    expect(to(url)[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('a baseURL override (a private endpoint) is called instead of the vendor URL', async () => {
    const c = CASES.find((x) => x.provider === 'together')!;
    respond('http://together.internal:9000/v1/chat/completions', () => HttpResponse.json(JSON.parse(fixtureText('together-chat.json')) as Record<string, unknown>));
    const { gateway, events } = gatewayFor(c, { baseURL: 'http://together.internal:9000/v1/' });
    await gateway.chat({ workspace: 'team-a', model: '@together/openai/gpt-oss-120b', messages });
    await gateway.flush();
    expect(events[0]).toMatchObject({ status: 'success', costMicros: 33 });
    expect(to(c.url)).toHaveLength(0);
  });

  it('a hosted vendor needs its key, a local server does not; chargeProviderCost exists only where the vendor states a cost', () => {
    const config = (integration: Record<string, unknown>) => ({ integrations: [{ slug: 'x', workspaces: 'all', ...integration }] }) as GatewayConfig;
    expect(() => createGateway(config({ provider: 'groq' }))).toThrow(/integrations\[0\]\.credentials/);
    expect(() => createGateway(config({ provider: 'groq', credentials: {} }))).toThrow(/integrations\[0\]\.credentials\.apiKey/);
    expect(() => createGateway(config({ provider: 'mistral', credentials: { apiKey: secret.value(KEY) }, chargeProviderCost: true }))).toThrow(/chargeProviderCost/);
    expect(() => createGateway(config({ provider: 'ollama' }))).not.toThrow();
    expect(() => createGateway(config({ provider: 'xai', credentials: { apiKey: secret.value(KEY) }, chargeProviderCost: true }))).not.toThrow();
  });

  it("provisioning.models() lists a preset's catalog models under models: 'all'", () => {
    const { gateway } = gatewayFor(CASES.find((x) => x.provider === 'deepseek')!);
    expect(gateway.provisioning.models({ workspace: 'team-a', integration: 'deepseek' })).toEqual(['deepseek-flash', 'deepseek-v4-flash', 'deepseek-v4-flash-vision-exp', 'deepseek-v4-pro']);
    const { gateway: local } = gatewayFor(CASES.find((x) => x.provider === 'ollama')!);
    // A local server has no catalog: what it prices is what it lists.
    expect(local.provisioning.models({ workspace: 'team-a' })).toEqual(['@ollama/llama3.2']);
  });

  it("GET /v1/models lists a preset's catalog models to a key of its integration", async () => {
    const { token, hash } = generateKey();
    const gateway = createGateway({
      integrations: [{ slug: 'groq', provider: 'groq', credentials: { apiKey: secret.value(KEY) }, workspaces: 'all' }],
      keys: [{ id: 'app', workspace: 'team-a', integration: 'groq', hash }],
    });
    const answer = await createFetchHandler(gateway)(new Request('http://gw/v1/models', { headers: { authorization: `Bearer ${token}` } }));
    const ids = ((await answer.json()) as { data: Array<{ id: string; owned_by: string }> }).data.map((m) => m.id);
    expect(ids).toContain('openai/gpt-oss-120b');
    expect(ids).toContain('llama-3.3-70b-versatile');
    expect(ids).toEqual([...ids].sort());
    expect(ids).toHaveLength(9);
  });

  it('the key never appears in an event, even when the vendor echoes it back in an error', async () => {
    const c = CASES.find((x) => x.provider === 'groq')!;
    respond(c.url, () => HttpResponse.json({ error: { message: `Invalid API Key: ${KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 }));
    const { gateway, events } = gatewayFor(c);
    const error = await gateway.chat({ workspace: 'team-a', model: '@groq/openai/gpt-oss-120b', messages }).catch((e: unknown) => e);
    await gateway.flush();
    expect(String((error as Error).message)).not.toContain(KEY);
    expect(JSON.stringify(events)).not.toContain(KEY);
    expect(JSON.stringify(events).toLowerCase()).not.toContain(KEY.toLowerCase().slice(0, 12));
  });
});
