// npm test: the price catalog and overrides, computed alone; milliseconds.
import { describe, expect, it } from 'vitest';
import { PricingUnknownError, createGateway, type GatewayConfig, type UsageEvent } from '../../src/index.js';
import { catalogNames } from '../../src/limits/pricing/resolve-price.js';
import { CATALOG, CATALOG_DATE } from '../../src/catalog/catalog.js';

const usage = { inputTokens: 1_000, outputTokens: 1_000, cacheReadTokens: 200 };

function setup(integration: Partial<GatewayConfig['integrations'][number]> = {}, extra: Partial<GatewayConfig> = {}) {
  const gateway = createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all', mock: { usage }, ...integration } as GatewayConfig['integrations'][number]],
    ...extra,
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  const call = (model: string) => gateway.chat({ workspace: 'w', model: `@mock/${model}`, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1_000 });
  return { gateway, events, call };
}

describe('pricing', () => {
  it('has a dated catalog for OpenAI, Anthropic, Google and Bedrock', () => {
    expect(CATALOG_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const family of ['openai', 'anthropic', 'google', 'bedrock'] as const) {
      expect(Object.keys(CATALOG[family]).length).toBeGreaterThan(10);
      for (const [model, price] of Object.entries(CATALOG[family])) {
        expect(price.input, model).toBeGreaterThanOrEqual(0);
        expect(price.output, model).toBeGreaterThanOrEqual(0);
        if (price.cachedInput !== undefined) expect(price.cachedInput, model).toBeLessThanOrEqual(price.input);
      }
    }
  });

  it('prices a call from the catalog: cached input at its rate, in USD, on the result and the event', async () => {
    const { call, events } = setup();
    const res = await call('gpt-4o-mini');
    const p = CATALOG.openai['gpt-4o-mini']!;
    const expected = Math.ceil(800 * p.input + 200 * (p.cachedInput ?? p.input) + 1_000 * p.output) / 1e6;
    expect(res.gateway.cost).toBe(expected);
    expect(events[0]).toMatchObject({ cost: expected, priceSource: 'catalog' });
  });

  it('finds dated snapshots and regional ids under their catalog name', async () => {
    expect(catalogNames('gpt-4o-mini-2024-07-18')).toContain('gpt-4o-mini');
    expect(catalogNames('claude-sonnet-4-5-20250929')).toContain('claude-sonnet-4-5');
    expect(catalogNames('us.anthropic.claude-3-5-haiku-20241022-v1:0')).toContain('anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(catalogNames('models/gemini-2.5-flash')).toContain('gemini-2.5-flash');
    expect(catalogNames('ft:gpt-4o-mini-2024-07-18:acme::abc')).toEqual(['ft:gpt-4o-mini-2024-07-18:acme::abc']);
    const { call } = setup();
    const [a, b] = [await call('gpt-4o-mini'), await call('gpt-4o-mini-2024-07-18')];
    expect(b.gateway.cost).toBe(a.gateway.cost);
  });

  it('an integration override wins over the catalog (negotiated rates, chargeback)', async () => {
    const { call, events } = setup({ pricing: { 'gpt-4o-mini': { input: 1, output: 2 } } });
    const res = await call('gpt-4o-mini');
    expect(res.gateway.cost).toBe((800 + 200 + 2_000) / 1e6);
    expect(events[0]).toMatchObject({ priceSource: 'override' });
  });

  it('custom models carry their own price; a free model (price 0) passes a cost budget at no cost', async () => {
    const { call, events } = setup({
      customModels: [{ id: 'ft:acme', pricing: { input: 3, output: 12 } }, { id: 'local-llama', pricing: { input: 0, output: 0 } }],
      budgets: [{ type: 'cost', limit: 1 }],
    });
    expect((await call('ft:acme')).gateway.cost).toBe((1_000 * 3 + 1_000 * 12) / 1e6);
    expect((await call('local-llama')).gateway.cost).toBe(0);
    expect(events.map((e) => e.priceSource)).toEqual(['custom', 'custom']);
  });

  it('an unpriced model under a cost budget is refused, never charged $0', async () => {
    const { call, events } = setup({ budgets: [{ type: 'cost', limit: 5 }], customModels: [{ id: 'no-price' }] });
    for (const model of ['my-model', 'no-price']) {
      const error = await call(model).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PricingUnknownError);
      expect(error).toMatchObject({ status: 422, code: 'pricing_unknown', model });
    }
    expect(events.map((e) => e.status)).toEqual(['rejected', 'rejected']);
  });

  it('an unpriced model without a cost budget passes, with cost null', async () => {
    const { call } = setup({ budgets: [{ type: 'tokens', limit: 100_000 }] });
    expect((await call('my-model')).gateway.cost).toBeNull();
  });

  it("unpricedModels: 'allow' admits unpriced models without charging the cost budget", async () => {
    const { call, gateway } = setup({ budgets: [{ type: 'cost', limit: 1 }] }, { limits: { unpricedModels: 'allow' } });
    expect((await call('my-model')).gateway.cost).toBeNull();
    const [budget] = await gateway.limits.status({ integration: 'mock' });
    expect(budget).toMatchObject({ used: 0, reserved: 0 });
  });
});
