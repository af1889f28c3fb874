// npm test: two module copies of the package loaded in this process; milliseconds.
import { describe, expect, it, vi } from 'vitest';
import * as first from '../../src/index.js';

describe('errors across two copies of the package', () => {
  it('isInstance recognizes an error created by another copy, where instanceof cannot', async () => {
    vi.resetModules();
    const second = (await import('../../src/index.js')) as typeof first;
    expect(second.GatewayError).not.toBe(first.GatewayError);

    const error = new second.RateLimitExceededError({ scope: 'key:k', limit: 1, remaining: 0, resetAt: new Date(0).toISOString(), retryAfterMs: 5 });
    expect(error instanceof first.GatewayError).toBe(false);
    expect(first.GatewayError.isInstance(error)).toBe(true);
    expect(first.RateLimitExceededError.isInstance(error)).toBe(true);
    expect(first.BudgetExceededError.isInstance(error)).toBe(false);

    // And the other way round, with an error thrown by a real call of the other copy.
    const gateway = second.createGateway({ integrations: [{ slug: 'm', provider: 'mock', workspaces: {} }] });
    const thrown = await gateway.chat({ workspace: 'w', model: '@m/x', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(first.WorkspaceNotProvisionedError.isInstance(thrown)).toBe(true);
  });
});
