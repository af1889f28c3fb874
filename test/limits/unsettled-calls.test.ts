// npm test: reservations that expire unsettled, on an injected clock, in memory and on a redis-server of its own; a few round trips.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, memoryStore, type GatewayConfig, type Store, type UsageEvent } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { holdCalls } from '../helpers/hold-calls.js';
import { MAX_TOKENS, MESSAGES, PRICE, RESERVED_TOKENS } from '../helpers/limits-gateway.js';
import { useTestRedis } from '../helpers/redis-server.js';

/**
 * A call served is a call counted: a reservation whose process never settles it (the process
 * died, here a gateway that is simply never heard from again) is charged at the worst case it
 * reserved when it expires, reported as `unsettled` by limits.status, by a usage event that any
 * gateway on the store publishes (once), and by analytics.
 */
const redis = useTestRedis({ beforeAll, afterAll });
const TTL = 60_000;
const T0 = Date.parse('2026-11-18T09:30:00Z');
/** USD 0.001 a token: the worst case reserved by one call is RESERVED_TOKENS thousandths of a dollar. */
const WORST_CASE_MICROS = RESERVED_TOKENS * 1_000;

function gatewayOn(store: Store, clock: { now: number }) {
  const config: GatewayConfig = {
    integrations: [
      {
        slug: 'mock',
        provider: 'mock',
        customModels: [{ id: 'm', pricing: PRICE }],
        workspaces: { 'team-a': { budgets: [{ type: 'cost', limit: 10, reset: 'monthly' }], rateLimits: [{ type: 'concurrency', limit: 5 }] } },
        mock: { usage: { inputTokens: 20, outputTokens: 80 } },
      },
    ],
    store,
    clock: () => clock.now,
    limits: { reservationTtlMs: TTL },
    policyPollMs: 3_600_000,
  };
  const gateway = createGateway(config);
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  const call = (user = 'u-1') => gateway.chat({ workspace: 'team-a', model: '@mock/m', messages: MESSAGES, max_tokens: MAX_TOKENS, user, metadata: { feature: 'summary' } });
  const status = async () => gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
  return { gateway, events, call, status };
}

async function deadProcessIsCounted(store: () => Store) {
  const clock = { now: T0 };
  // A: its call is admitted, and A is never heard from again (no settlement, no close).
  const a = gatewayOn(store(), clock);
  holdCalls(a.gateway);
  void a.call('u-dead');
  await expect.poll(async () => (await a.status()).find((s) => s.type === 'cost')!.reserved).toBeGreaterThan(0);
  // B, on the same store, after the reservation's time is up.
  const later = { now: T0 + TTL + 2_000 };
  const b = gatewayOn(store(), later);
  await b.call('u-live');
  const [budget, slots] = await b.status();
  // The dead call's worst case is charged, and says it is not measured; its slot is back.
  expect(budget).toMatchObject({ type: 'cost', used: (WORST_CASE_MICROS + 100_000) / 1e6, reserved: 0, unsettled: WORST_CASE_MICROS / 1e6 });
  expect(slots).toMatchObject({ type: 'concurrency', used: 0, unsettled: 0 });
  await b.gateway.flush();
  const unsettled = b.events.filter((e) => e.status === 'unsettled');
  expect(unsettled).toEqual([
    expect.objectContaining({
      status: 'unsettled',
      errorCode: 'unsettled',
      workspace: 'team-a',
      integration: 'mock',
      provider: 'mock',
      model: 'm',
      requestedModel: '@mock/m',
      user: 'u-dead',
      metadata: { feature: 'summary' },
      costMicros: WORST_CASE_MICROS,
      usage: expect.objectContaining({ totalTokens: RESERVED_TOKENS, estimated: true }),
      startedAt: new Date(T0).toISOString(),
    }),
  ]);
  // Reported once: another gateway on the store takes nothing more.
  const c = gatewayOn(store(), later);
  await c.gateway.flush();
  expect(c.events).toEqual([]);
  await b.gateway.flush();
  expect(b.events.filter((e) => e.status === 'unsettled')).toHaveLength(1);
  const [row] = (await b.gateway.analytics.query({ from: T0 - 60_000, to: later.now + 60_000 })).rows;
  expect(row).toMatchObject({ requests: 2, unsettled: 1, unsettledCost: WORST_CASE_MICROS / 1e6, cost: (WORST_CASE_MICROS + 100_000) / 1e6 });
  await Promise.all([b.gateway.close(), c.gateway.close()]);
}

describe('calls never settled', () => {
  it('in memory: charged at expiry, reported once as unsettled, in status, events and analytics', async () => {
    const shared = memoryStore();
    await deadProcessIsCounted(() => shared);
  });

  it.skipIf(!redis.available)('on Redis: a gateway that never comes back; another charges its call, and one reports it', async () => {
    const prefix = `uns-${randomUUID()}`;
    await deadProcessIsCounted(() => redisStore({ client: redis.newClient(), prefix }));
  });
});
