// npm test: fallbacks between mock integrations, in process; milliseconds.
import { describe, expect, it } from 'vitest';
import {
  BudgetExceededError,
  ModelNotAllowedError,
  ProviderError,
  RequestValidationError,
  WorkspaceNotProvisionedError,
  createGateway,
  type GatewayConfig,
  type MockOptions,
  type UsageEvent,
} from '../../src/index.js';

const setup = (primary: MockOptions, extra: Partial<GatewayConfig> = {}, backupGrant: Record<string, unknown> = {}) => {
  const gateway = createGateway({
    integrations: [
      { slug: 'primary', provider: 'mock', workspaces: 'all', mock: primary, budgets: [{ type: 'tokens', limit: 1_000_000 }] },
      { slug: 'backup', provider: 'mock', workspaces: { 'team-a': backupGrant }, mock: { reply: 'from backup' } },
      { slug: 'third', provider: 'mock', workspaces: 'all', mock: { reply: 'from third' } },
    ],
    retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 },
    ...extra,
  });
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  const call = (fallbacks: string[], extraRequest: Record<string, unknown> = {}) =>
    gateway.chat({ workspace: 'team-a', model: '@primary/m', fallbacks, messages: [{ role: 'user', content: 'hi' }], ...extraRequest });
  return { gateway, events, call };
};

describe('fallbacks', () => {
  it('a retryable failure after the retries moves on to the next target, recorded on the event', async () => {
    const { call, events, gateway } = setup({ failures: [{ status: 503, times: 2 }] });
    const res = await call(['@backup/m2']);
    expect(res.choices[0]?.message.content).toBe('from backup');
    expect(res.gateway).toMatchObject({ integration: 'backup', model: 'm2', fallbackIndex: 1, retries: 1 });
    expect(events).toMatchObject([
      {
        status: 'success',
        integration: 'backup',
        model: 'm2',
        fallbackIndex: 1,
        retries: 1,
        attempts: [{ integration: 'primary', model: '@primary/m', errorCode: 'provider_error', httpStatus: 503 }],
      },
    ]);
    // The primary's reservation was released; its request counted.
    const [budget] = await gateway.limits.status({ integration: 'primary' });
    expect(budget).toMatchObject({ used: 0, reserved: 0 });
  });

  it('a failure that is not retryable is the answer: no fallback', async () => {
    const { call, events } = setup({ failures: [{ status: 400 }] });
    await expect(call(['@backup/m2'])).rejects.toMatchObject({ code: 'provider_error', status: 400 });
    expect(events).toMatchObject([{ status: 'error', integration: 'primary', fallbackIndex: 0, attempts: [] }]);
  });

  it('the first target refused by the policy is the answer; a fallback refused is skipped', async () => {
    const refused = setup({});
    await refused.gateway.provisioning.revoke({ integration: 'primary', workspace: 'team-a' });
    await expect(refused.call(['@backup/m2'])).rejects.toBeInstanceOf(WorkspaceNotProvisionedError);
    expect(refused.events).toMatchObject([{ status: 'rejected', fallbackIndex: 0, attempts: [] }]);

    // team-b cannot use backup: it is skipped and the third target serves.
    const { call, events } = setup({ failures: [{ status: 503, times: 2 }] });
    const res = await call(['@backup/m2', '@third/m3'], { workspace: 'team-b' });
    expect(res.gateway).toMatchObject({ integration: 'third', fallbackIndex: 2 });
    expect(events[0]!.attempts.map((a) => a.errorCode)).toEqual(['provider_error', 'workspace_not_provisioned']);
  });

  it('each target is governed by its own limits', async () => {
    const { call, events } = setup({ failures: [{ status: 503, times: 10 }] }, {}, { budgets: [{ type: 'tokens', limit: 100 }] });
    // backup's budget cannot hold this call's worst case: skipped; no target left after it.
    const error = await call(['@backup/m2'], { max_tokens: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ scope: 'grant:backup/team-a' });
    expect(events).toMatchObject([{ status: 'rejected', fallbackIndex: 1, attempts: [{ integration: 'primary' }] }]);
  });

  it('when every target fails, the last error is thrown', async () => {
    const gateway = createGateway({
      integrations: [
        { slug: 'a', provider: 'mock', workspaces: 'all', mock: { failures: [{ status: 503, times: 10 }] } },
        { slug: 'b', provider: 'mock', workspaces: 'all', mock: { failures: [{ status: 429, retryAfterMs: 1, times: 10 }] } },
      ],
      retry: { retries: 0 },
    });
    const error = await gateway.chat({ workspace: 'w', model: '@a/m', fallbacks: ['@b/m'], messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 429 });
  });

  it('a mistake in a fallback fails the request at once, even when the first target would serve', async () => {
    const { call } = setup({});
    await expect(call(['@nowhere/m'])).rejects.toMatchObject({ code: 'integration_not_found' });
    await expect(call(['backup-without-slug'])).rejects.toBeInstanceOf(RequestValidationError);
    await expect(call(['@backup/m2'], { fallbacks: new Array(11).fill('@backup/m2') })).rejects.toBeInstanceOf(RequestValidationError);
  });

  it('a key keeps its fallbacks on its own integration', async () => {
    const gateway = createGateway({
      integrations: [
        { slug: 'primary', provider: 'mock', workspaces: 'all', mock: { failures: [{ status: 503, times: 10 }] } },
        { slug: 'backup', provider: 'mock', workspaces: 'all' },
      ],
      keys: [{ id: 'app', workspace: 'team-a', integration: 'primary' }],
      retry: { retries: 0 },
    });
    await expect(gateway.chat({ key: 'app', model: 'm', fallbacks: ['@backup/m'], messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      ModelNotAllowedError,
    );
  });

  it('a stream that fails before its first chunk falls back; the stream comes from the next target', async () => {
    const { call, events } = setup({ failures: [{ status: 500, times: 2 }] });
    const stream = await call(['@backup/m2'], { stream: true });
    let text = '';
    for await (const chunk of stream as unknown as AsyncIterable<{ choices: Array<{ delta: { content?: string | null } }> }>) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('from backup');
    expect(events).toMatchObject([{ status: 'success', stream: true, integration: 'backup', fallbackIndex: 1 }]);
  });
});

describe('fallbackOn: refusals by the gateway\u2019s own limits that fall back', () => {
  const models = (fallbackOn?: string[]) => {
    const gateway = createGateway({
      integrations: [
        {
          slug: 'a',
          provider: 'mock',
          // The big model has a budget of its own inside the grant: spent, the small one still serves.
          workspaces: { 'team-a': { budgets: [{ type: 'tokens', limit: 100, models: ['big'] }], rateLimits: [{ type: 'requests', limit: 1, per: 'minute', models: ['big'] }] } },
          mock: { reply: 'ok' },
        },
      ],
    });
    const events: UsageEvent[] = [];
    gateway.on('usage', (e) => events.push(e));
    const call = (max_tokens: number) =>
      gateway.chat({ workspace: 'team-a', model: '@a/big', fallbacks: ['@a/small'], ...(fallbackOn ? { fallbackOn } : {}), max_tokens, messages: [{ role: 'user', content: 'hi' }] } as never);
    return { gateway, events, call };
  };

  it("a budget that refuses @a/big sends the call to @a/small when fallbackOn names budget_exceeded, and the event names the refusal", async () => {
    const { call, events } = models(['budget_exceeded']);
    const res = await call(500);
    expect(res.gateway).toMatchObject({ model: 'small', fallbackIndex: 1 });
    expect(events).toMatchObject([{ status: 'success', model: 'small', fallbackIndex: 1, attempts: [{ integration: 'a', model: '@a/big', errorCode: 'budget_exceeded', httpStatus: 429 }] }]);
  });

  it('only then: without fallbackOn the refusal is the answer; fallbackOn naming rate limits does not catch a budget', async () => {
    await expect(models().call(500)).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(models(['rate_limit_exceeded']).call(500)).rejects.toBeInstanceOf(BudgetExceededError);
    // A rate limit of big, named: the second call goes to small.
    const { call, events } = models(['rate_limit_exceeded']);
    await call(10);
    expect((await call(10)).gateway).toMatchObject({ model: 'small', fallbackIndex: 1 });
    expect(events[1]).toMatchObject({ attempts: [{ errorCode: 'rate_limit_exceeded' }] });
  });

  it('fallbackOn without fallbacks, or naming another code, is a 400 naming the field', async () => {
    const { gateway } = models();
    await expect(gateway.chat({ workspace: 'team-a', model: '@a/big', fallbackOn: ['budget_exceeded'], messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ code: 'invalid_request', issues: [{ path: 'fallbackOn' }] });
    await expect(gateway.chat({ workspace: 'team-a', model: '@a/big', fallbacks: ['@a/small'], fallbackOn: ['provider_error' as never], messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ code: 'invalid_request', issues: [{ path: 'fallbackOn[0]' }] });
  });
});
