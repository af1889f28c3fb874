// npm test: Gemini's usage metadata replayed by msw; milliseconds.
import { describe, expect, it } from 'vitest';
import { fixtureJson, geminiGateway, geminiUrl, jsonResponse, setupGoogleServer } from '../../helpers/gemini-server.js';

const google = setupGoogleServer();

const URL_PRO = geminiUrl('gemini-2.5-pro', 'generateContent');
const messages = [{ role: 'user' as const, content: 'Summarize the cached report in one sentence.' }];

describe('Gemini adapter: usage and cost', () => {
  it('normalizes cached and thinking tokens: cached inside input, thoughts inside output', async () => {
    const fixture = fixtureJson<{ usageMetadata: Record<string, number> }>('gemini/gemini-generate-thinking-cached.json');
    google.respond(URL_PRO, () => jsonResponse(fixture));
    const { gateway, events } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-pro', messages });

    // promptTokenCount (1234) already includes the 1024 cached tokens; total = 1234 + 57 + 123.
    const usage = { inputTokens: 1234, outputTokens: 180, cacheReadTokens: 1024, cacheWriteTokens: 0, reasoningTokens: 123, totalTokens: 1414, estimated: false };
    expect(fixture.usageMetadata.totalTokenCount).toBe(usage.totalTokens);
    expect(res.gateway.usage).toEqual(usage);
    expect(events[0]!.usage).toEqual(usage);
    expect(events[0]!.rawUsage).toEqual(fixture.usageMetadata);
  });

  it('counts the tool-use prompt as input', async () => {
    const fixture = fixtureJson<{ usageMetadata: Record<string, unknown> }>('gemini/gemini-generate.json');
    fixture.usageMetadata = {
      promptTokenCount: 55,
      candidatesTokenCount: 51,
      totalTokenCount: 251,
      toolUsePromptTokenCount: 89,
      toolUsePromptTokensDetails: [{ modality: 'TEXT', tokenCount: 89 }],
      thoughtsTokenCount: 56,
    };
    google.respond(geminiUrl('gemini-2.0-flash', 'generateContent'), () => jsonResponse(fixture));
    const { gateway } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.0-flash', messages });

    expect(res.gateway.usage).toEqual({ inputTokens: 144, outputTokens: 107, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 56, totalTokens: 251, estimated: false });
  });

  it('charges a cost budget the exact cost: cached input at the cached rate, thinking at the output rate, rounded up to the micro-dollar', async () => {
    google.respond(URL_PRO, () => jsonResponse(fixtureJson('gemini/gemini-generate-thinking-cached.json')));
    const { gateway, events } = geminiGateway({
      integration: {
        pricing: { 'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.125 } },
        workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 1 }] } },
      },
    });

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-pro', messages, max_tokens: 1000 });

    // (1234 - 1024) x $1.25 + 1024 x $0.125 + (57 + 123) x $10 per 1M tokens
    //   = 262,500,000 + 128,000,000 + 1,800,000,000 micro-dollars per 1M tokens = 2,190.5 micro-dollars -> 2,191.
    expect(res.gateway.cost).toBe(0.002191);
    expect(events[0]).toMatchObject({ cost: 0.002191, priceSource: 'override' });
    const status = await gateway.limits.status({ workspace: 'team-a', integration: 'gemini' });
    expect(status.find((s) => s.kind === 'budget' && s.type === 'cost')).toMatchObject({ used: 0.002191, reserved: 0, remaining: 1 - 0.002191 });
  });

  it('prices a model from the built-in catalog when there is no override', async () => {
    google.respond(URL_PRO, () => jsonResponse(fixtureJson('gemini/gemini-generate-thinking-cached.json')));
    const { gateway, events } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-pro', messages });

    expect(events[0]!.priceSource).toBe('catalog');
    expect(res.gateway.cost).toBeGreaterThan(0);
  });
});
