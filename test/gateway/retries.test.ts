// npm test: retries with millisecond backoffs on the mock provider; milliseconds.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/index.js';
import { retryDelay } from '../../src/util/retry.js';
import { ask, gatewayWithEvents } from '../helpers/mock-gateway.js';
import type { MockOptions } from '../../src/index.js';

const fast = { retries: 2, minDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 50 };
const mockWith = (mock: MockOptions, retry = fast) =>
  gatewayWithEvents({ integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all', mock }], retry });

describe('retries', () => {
  it('retries 429, 5xx and network errors, then succeeds; the event counts retries', async () => {
    const { gateway, events } = mockWith({ failures: [{ status: 429, retryAfterMs: 1 }, { status: 503 }] });
    const res = await gateway.chat(ask('@mock/m'));
    expect(res.gateway.retries).toBe(2);
    expect(events).toMatchObject([{ status: 'success', retries: 2 }]);

    const network = mockWith({ failures: [{ message: 'ECONNRESET' }] });
    await expect(network.gateway.chat(ask('@mock/m'))).resolves.toMatchObject({ gateway: { retries: 1 } });
  });

  it('gives up after the configured retries with the last ProviderError', async () => {
    const { gateway, events } = mockWith({ failures: [{ status: 500, times: 5 }] });
    const error = await gateway.chat(ask('@mock/m')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 500, upstreamStatus: 500, isRetryable: true, provider: 'mock' });
    expect(events).toMatchObject([{ status: 'error', errorCode: 'provider_error', upstreamStatus: 500, retries: 2, httpStatus: 500 }]);
    // 3 attempts used 3 failures: the next call meets the remaining 2, then succeeds on its 3rd attempt.
    await expect(gateway.chat(ask('@mock/m'))).resolves.toMatchObject({ gateway: { retries: 2 } });
  });

  it('does not retry a 4xx other than 408/409/429', async () => {
    const { gateway } = mockWith({ failures: [{ status: 400, message: 'bad' }] });
    await expect(gateway.chat(ask('@mock/m'))).rejects.toMatchObject({ status: 400, isRetryable: false });
    await expect(gateway.chat(ask('@mock/m'))).resolves.toMatchObject({ gateway: { retries: 0 } });
  });

  it('returns a 429 at once when its Retry-After is beyond maxRetryAfterMs', async () => {
    const { gateway, events } = mockWith({ failures: [{ status: 429, retryAfterMs: 60_000 }] });
    const error = await gateway.chat(ask('@mock/m')).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    expect(events[0]).toMatchObject({ retries: 0 });
  });

  it('retries: 0 disables retries', async () => {
    const { gateway } = mockWith({ failures: [{ status: 503 }] }, { ...fast, retries: 0 });
    await expect(gateway.chat(ask('@mock/m'))).rejects.toMatchObject({ status: 503 });
  });

  it('computes exponential backoff with jitter, and honors Retry-After', () => {
    const policy = { retries: 5, minDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };
    expect([0, 1, 2, 3, 4, 5].map((n) => retryDelay(null, n, policy, () => 0))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    // Jitter takes off up to 25 %.
    expect(retryDelay(null, 1, policy, () => 1)).toBe(750);
    expect(retryDelay(2500, 0, policy)).toBe(2500);
    expect(retryDelay(61_000, 0, policy)).toBeNull();
  });

  it('error.retriedByGateway: true once the retries ran out or a Retry-After was too long to wait for; false without retries', async () => {
    const rejection = async (mock: MockOptions, retry = fast) => {
      const error = await mockWith(mock, retry).gateway.chat(ask('@mock/m')).then(() => null, (e: unknown) => e);
      expect(ProviderError.isInstance(error)).toBe(true);
      return (error as ProviderError).retriedByGateway;
    };
    expect(await rejection({ failures: [{ status: 503 }, { status: 503 }, { status: 503 }] })).toBe(true);
    expect(await rejection({ failures: [{ status: 503 }] }, { ...fast, retries: 0 })).toBe(false);
    expect(await rejection({ failures: [{ status: 429, retryAfterMs: 60_000 }] })).toBe(true);
    expect(await rejection({ failures: [{ status: 400 }] })).toBe(false);
  });
});
