/**
 * A gateway process for the multi-process Redis tests: run with `node --import tsx`, configured
 * by environment variables, it prints one JSON line with its results.
 */
import { Redis } from 'ioredis';
import { createGateway, type BudgetAlertEvent } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';

const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const mode = env('MODE'); // 'burst' | 'hang'
const client = new Redis({ port: Number(env('REDIS_PORT')), host: '127.0.0.1' });
const now = Number(env('NOW'));
const gateway = createGateway({
  integrations: [
    {
      slug: 'mock',
      provider: 'mock',
      customModels: [{ id: 'm', pricing: { input: 1_000, output: 1_000 } }],
      workspaces: { 'team-a': JSON.parse(env('GRANT')) },
      mock: { latencyMs: Number(process.env.LATENCY_MS ?? 50), usage: { inputTokens: Number(process.env.INPUT_TOKENS ?? 10), outputTokens: Number(process.env.OUTPUT_TOKENS ?? 60) } },
    },
  ],
  store: redisStore({ client, prefix: env('PREFIX') }),
  clock: () => now,
  limits: { reservationTtlMs: Number(process.env.TTL_MS ?? 60_000) },
  storeTimeoutMs: 5_000,
});
const alerts: BudgetAlertEvent[] = [];
gateway.on('budget.alert', (e) => alerts.push(e));
const request = { workspace: 'team-a', model: '@mock/m', messages: [{ role: 'user' as const, content: 'Hello' }], max_tokens: Number(env('MAX_TOKENS')) };

if (mode === 'hang') {
  gateway.use(async (_ctx, next) => {
    // Admitted: the reservation is in Redis. Tell the parent, then hang in the provider call.
    console.log(JSON.stringify({ admitted: true }));
    return next();
  });
  await gateway.chat(request);
} else {
  const results = await Promise.allSettled(Array.from({ length: Number(env('CALLS')) }, () => gateway.chat(request)));
  const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ gateway: { cost: number | null } }>).value);
  const refused = results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as { code?: string }).code ?? 'unknown');
  await gateway.close();
  client.disconnect();
  console.log(JSON.stringify({ ok: ok.length, costMicros: ok.reduce((n, r) => n + Math.round(r.gateway.cost! * 1e6), 0), refused, alerts: alerts.length }));
}
