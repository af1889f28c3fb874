// npm test: embeddings on the mock provider, in process; milliseconds.
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, RequestValidationError, createGateway, type UsageEvent } from '../../src/index.js';

const setup = (grant: Record<string, unknown> = {}, mock: Record<string, unknown> = {}) => {
  const gateway = createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': grant }, mock, customModels: [{ id: 'embed-1', pricing: { input: 1_000, output: 0 } }] }],
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 },
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  return { gateway, events };
};

describe('embeddings', () => {
  it('returns an OpenAI embeddings list with gateway info and one usage event', async () => {
    const { gateway, events } = setup();
    const res = await gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: ['first text', 'second text'], dimensions: 4, metadata: { user: 'u-1' } });
    expect(res).toMatchObject({ object: 'list', model: 'embed-1', data: [{ object: 'embedding', index: 0 }, { object: 'embedding', index: 1 }] });
    expect(res.data[0]!.embedding).toHaveLength(4);
    expect(Math.hypot(...(res.data[0]!.embedding as number[]))).toBeCloseTo(1, 5);
    expect(res.data[0]!.embedding).not.toEqual(res.data[1]!.embedding);
    const inputTokens = Math.ceil('first text'.length / 4) + Math.ceil('second text'.length / 4);
    expect(res.usage).toEqual({ prompt_tokens: inputTokens, total_tokens: inputTokens });
    expect(res.gateway).toMatchObject({ integration: 'mock', workspace: 'team-a', model: 'embed-1', usage: { inputTokens, outputTokens: 0 }, cost: (inputTokens * 1_000) / 1e6 });
    expect(events).toMatchObject([{ operation: 'embeddings', status: 'success', model: 'embed-1', metadata: { user: 'u-1' }, usage: { inputTokens }, stream: false }]);
    // The same text embeds the same.
    const again = await gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: 'first text', dimensions: 4 });
    expect(again.data[0]!.embedding).toEqual(res.data[0]!.embedding);
  });

  it('counts input tokens against token and cost limits, and requests against request limits', async () => {
    const { gateway } = setup({
      budgets: [{ type: 'tokens', limit: 100 }],
      rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }],
    });
    await gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: 'x'.repeat(40) });
    const status = await gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    expect(status).toEqual([
      expect.objectContaining({ kind: 'budget', used: 10, reserved: 0 }),
      expect.objectContaining({ kind: 'rateLimit', used: 1 }),
    ]);
    // The upper bound of 200 characters (200 tokens) does not fit the remaining 90.
    await expect(gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: 'y'.repeat(200) })).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it('encodes vectors as base64 little-endian float32 when asked, as OpenAI does', async () => {
    const { gateway } = setup();
    const floats = await gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: 'first text', dimensions: 4 });
    const encoded = await gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: 'first text', dimensions: 4, encoding_format: 'base64' });
    const bytes = Buffer.from(encoded.data[0]!.embedding as string, 'base64');
    expect(bytes).toHaveLength(16);
    const decoded = [0, 1, 2, 3].map((i) => bytes.readFloatLE(i * 4));
    (floats.data[0]!.embedding as number[]).forEach((value, i) => expect(decoded[i]).toBeCloseTo(value, 6));
  });

  it('token arrays count as their length', async () => {
    const { gateway } = setup();
    const res = await gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: [[1, 2, 3], [4, 5]] });
    expect(res.data).toHaveLength(2);
    expect(res.usage.prompt_tokens).toBe(5);
  });

  it('retries and validates like chat', async () => {
    const { gateway, events } = setup({}, { failures: [{ status: 503 }] });
    await expect(gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: 'hi' })).resolves.toMatchObject({ gateway: { retries: 1 } });
    const error = await gateway.embeddings({ workspace: 'team-a', model: '@mock/embed-1', input: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues[0]!.path).toBe('input');
    expect(events.map((e) => e.status)).toEqual(['success', 'rejected']);
  });
});
