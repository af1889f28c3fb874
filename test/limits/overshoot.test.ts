// npm test: fast-check properties of concurrent calls on the memory store; a fraction of a second.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, createGateway, secret, type BudgetOvershootEvent, type GatewayConfig, type UsageEvent } from '../../src/index.js';
import { estimateInputTokensUpperBound } from '../../src/usage/estimate-tokens.js';

/**
 * Zero overshoot as a stated bound: the reservation is an upper bound of what a call can cost,
 * the output cap that bound assumes is sent upstream, and whatever an upstream still reports
 * beyond it is recorded and announced (`budget.overshoot`), never hidden.
 */

const MESSAGES = [{ role: 'user' as const, content: 'Hello' }];
const INPUT_BOUND = estimateInputTokensUpperBound(MESSAGES);
/** $1,000 per 1M tokens, in and out: one token is $0.001, so a $1 budget is 1,000 tokens. */
const PRICE = { input: 1_000, output: 1_000 };

interface Upstream {
  fetch: typeof globalThis.fetch;
  /** The bodies the upstream received, as JSON. */
  bodies: Array<Record<string, unknown>>;
}

/**
 * An OpenAI-shaped upstream (Chat Completions JSON, usage in its wire names). `answer` decides
 * the usage it reports from the body it received: an honest one stops at the output limit sent.
 */
function upstream(answer: (body: Record<string, unknown>) => { prompt: number; completion: number }): Upstream {
  const bodies: Array<Record<string, unknown>> = [];
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    bodies.push(body);
    // Every call waits a turn: calls overlap, as on a real network.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { prompt, completion } = answer(body);
    return new Response(
      JSON.stringify({
        id: `chatcmpl-${bodies.length}`,
        object: 'chat.completion',
        created: 1,
        model: String(body.model),
        choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(completion) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      }),
      { status: 200, headers: { 'content-type': 'application/json' } },
    );
  };
  return { fetch: fetch as typeof globalThis.fetch, bodies };
}

/** The output limit a body carries, by whichever name. */
const outputLimit = (body: Record<string, unknown>) => (body.max_completion_tokens ?? body.max_tokens ?? null) as number | null;

/** An upstream that writes `wants` tokens unless told to stop sooner, and counts the input right. */
const honest = (wants: number) => upstream((body) => ({ prompt: 5, completion: Math.min(wants, outputLimit(body) ?? Infinity) }));

function gatewayOn(up: Upstream, extra: Partial<GatewayConfig> & { provider?: 'openai' | 'openai-compatible'; budget?: GatewayConfig['integrations'][number]['budgets'] } = {}) {
  const { provider = 'openai', budget = [{ type: 'cost', limit: 1 }], ...config } = extra;
  const gateway = createGateway({
    integrations: [
      {
        slug: 'up',
        provider,
        baseURL: 'http://upstream.test/v1',
        credentials: { apiKey: secret.value('sk-upstream-test-key') },
        models: ['m'],
        pricing: { m: PRICE },
        workspaces: { 'team-a': { budgets: budget } },
      } as GatewayConfig['integrations'][number],
    ],
    fetch: up.fetch,
    retry: { retries: 0 },
    ...config,
  });
  const usage: UsageEvent[] = [];
  const overshoots: BudgetOvershootEvent[] = [];
  gateway.on('usage', (e) => usage.push(e));
  gateway.on('budget.overshoot', (e) => overshoots.push(e));
  const chat = (extraBody: Record<string, unknown> = {}) => gateway.chat({ workspace: 'team-a', model: '@up/m', messages: MESSAGES, ...extraBody, stream: false });
  const spent = async () => (await gateway.limits.status({ workspace: 'team-a', integration: 'up', kind: 'budget' }))[0]!;
  return { gateway, usage, overshoots, chat, spent };
}

describe('zero overshoot without max_tokens', () => {
  it('sends the reserved output as the upstream limit: 100 concurrent calls on a $1 budget spend at most $1', async () => {
    // Each call would write 300 tokens ($0.30) if let; the gateway reserves 100 ($0.10 + input).
    const up = honest(300);
    const t = gatewayOn(up, { limits: { defaultMaxOutputTokens: 100 } });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => t.chat()));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBeGreaterThan(0);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(BudgetExceededError);
    // Every call that reached the upstream carried the cap its reservation assumed.
    expect(up.bodies.length).toBe(ok);
    for (const body of up.bodies) {
      expect(body.max_completion_tokens).toBeLessThanOrEqual(100);
      expect(body.max_tokens).toBeUndefined();
    }
    const status = await t.spent();
    expect(status.used).toBeLessThanOrEqual(1);
    expect(status.reserved).toBe(0);
    expect(t.overshoots).toEqual([]);
    // The spend is exactly the calls' costs.
    const costs = t.usage.reduce((sum, e) => sum + (e.costMicros ?? 0), 0);
    expect(Math.round(status.used * 1e6)).toBe(costs);
  });

  it('an OpenAI-compatible server gets the cap as max_tokens (the name such servers know)', async () => {
    const up = honest(300);
    const t = gatewayOn(up, { provider: 'openai-compatible', limits: { defaultMaxOutputTokens: 100 } });
    await t.chat();
    expect(up.bodies[0]).toMatchObject({ max_tokens: 100 });
    expect(up.bodies[0]!.max_completion_tokens).toBeUndefined();
  });

  it('Azure OpenAI gets max_completion_tokens, or max_tokens on an API version older than 2024-09-01', async () => {
    for (const [apiVersion, field] of [
      [undefined, 'max_completion_tokens'],
      ['2024-06-01', 'max_tokens'],
    ] as const) {
      const up = honest(300);
      const gateway = createGateway({
        integrations: [
          {
            slug: 'az',
            provider: 'azure-openai',
            baseURL: 'https://acme.openai.azure.test',
            ...(apiVersion ? { apiVersion } : {}),
            credentials: { apiKey: secret.value('azure-test-key') },
            pricing: { m: PRICE },
            workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 1 }] } },
          },
        ],
        fetch: up.fetch,
        limits: { defaultMaxOutputTokens: 100 },
      });
      await gateway.chat({ workspace: 'team-a', model: '@az/m', messages: MESSAGES });
      expect(up.bodies[0]![field]).toBe(100);
      expect(Object.keys(up.bodies[0]!).filter((k) => k.startsWith('max_'))).toEqual([field]);
    }
  });

  it("a caller's own max_tokens is sent as given, and no cap is added when no limit counts output", async () => {
    const up = honest(10);
    const t = gatewayOn(up);
    await t.chat({ max_tokens: 50 });
    expect(up.bodies[0]).toMatchObject({ max_tokens: 50 });
    expect(up.bodies[0]!.max_completion_tokens).toBeUndefined();
    const free = gatewayOn(up, { budget: [] });
    await free.chat();
    expect(outputLimit(up.bodies[1]!)).toBeNull();
  });
});

describe('the last part of a budget is usable', () => {
  it('a 100-token budget admits a call without max_tokens, with the output that fits sent upstream', async () => {
    const up = honest(1_000);
    const t = gatewayOn(up, { budget: [{ type: 'tokens', limit: 100 }] });
    const res = await t.chat();
    // The default reservation (4,096) did not fit: it shrank to what the budget had left.
    expect(up.bodies[0]!.max_completion_tokens).toBe(100 - INPUT_BOUND);
    expect(res.gateway.usage.outputTokens).toBe(100 - INPUT_BOUND);
    const status = await t.spent();
    expect(status.used).toBe(5 + 100 - INPUT_BOUND);
    expect(status.used).toBeLessThanOrEqual(100);
  });

  it('shrinks no lower than limits.minOutputTokens, and an explicit max_tokens that does not fit is still refused', async () => {
    const up = honest(1_000);
    const t = gatewayOn(up, { budget: [{ type: 'tokens', limit: 100 }], limits: { minOutputTokens: 80 } });
    const refused = await t.chat().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'budget_exceeded', reason: 'reservation-exceeds-remaining' });
    const explicit = gatewayOn(up, { budget: [{ type: 'tokens', limit: 100 }] });
    await expect(explicit.chat({ max_tokens: 500 })).rejects.toMatchObject({ code: 'budget_exceeded' });
    expect(up.bodies).toHaveLength(0);
  });

  it('a cost budget shrinks the output to what its remaining dollars buy', async () => {
    const up = honest(10_000);
    const t = gatewayOn(up, { budget: [{ type: 'cost', limit: 1 }] });
    await t.chat();
    // $1 at $0.001 a token: 1,000 tokens, less the input bound.
    expect(up.bodies[0]!.max_completion_tokens).toBe(1_000 - INPUT_BOUND);
    expect((await t.spent()).used).toBeLessThanOrEqual(1);
  });

  it('minOutputTokens above defaultMaxOutputTokens is a config error naming the path', () => {
    expect(() => gatewayOn(honest(1), { limits: { defaultMaxOutputTokens: 10, minOutputTokens: 20 } })).toThrow(/limits\.minOutputTokens/);
  });
});

describe('usage above the reservation', () => {
  it('is recorded as spent and announced as budget.overshoot with the amount', async () => {
    // An upstream that reports 40 input tokens where the bound allowed fewer, and ignores the cap.
    const up = upstream(() => ({ prompt: INPUT_BOUND + 40, completion: 150 }));
    const t = gatewayOn(up, { budget: [{ type: 'tokens', limit: 1_000 }] });
    await t.chat({ max_tokens: 100 });
    const reserved = INPUT_BOUND + 100;
    const actual = INPUT_BOUND + 40 + 150;
    expect(t.overshoots).toEqual([
      expect.objectContaining({ scope: 'grant:up/team-a', unit: 'tokens', reserved, actual, overshoot: actual - reserved, used: actual, requestId: t.usage[0]!.requestId }),
    ]);
    expect((await t.spent()).used).toBe(actual);
  });

  it('property: random usage (also above the reservation) and random aborts never leave used + reserved above the limit by more than the announced overshoot; one event per call', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ prompt: fc.integer({ min: 0, max: 60 }), completion: fc.integer({ min: 0, max: 200 }), maxTokens: fc.option(fc.integer({ min: 1, max: 150 })), abort: fc.boolean() }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 100, max: 2_000 }),
        async (calls, limit) => {
          let i = 0;
          const plans = calls;
          const up = upstream(() => {
            const c = plans[Math.min(i++, plans.length - 1)]!;
            return { prompt: c.prompt, completion: c.completion };
          });
          const t = gatewayOn(up, { budget: [{ type: 'tokens', limit }], limits: { defaultMaxOutputTokens: 120 } });
          await Promise.allSettled(
            calls.map((c) => {
              const controller = new AbortController();
              const call = t.gateway.chat({ workspace: 'team-a', model: '@up/m', messages: MESSAGES, ...(c.maxTokens === null ? {} : { max_tokens: c.maxTokens }) }, { signal: controller.signal });
              if (c.abort) controller.abort();
              return call;
            }),
          );
          await t.gateway.flush();
          const status = await t.spent();
          const announced = t.overshoots.reduce((sum, e) => sum + e.overshoot, 0);
          expect(status.reserved).toBe(0);
          expect(status.used + status.reserved).toBeLessThanOrEqual(limit + announced);
          expect(t.usage).toHaveLength(calls.length);
          expect(new Set(t.usage.map((e) => e.requestId)).size).toBe(calls.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
