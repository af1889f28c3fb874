import { createGateway, memoryStore } from '../../src/index.js';
const PRICE = { input: 1000, output: 1000 };
function gw(workspaces: any, store?: any) {
  return createGateway({ integrations: [{ slug: 'mock', provider: 'mock', customModels: [{ id: 'm', pricing: PRICE }], workspaces: { '*': {} }, mock: { usage: { inputTokens: 20, outputTokens: 80 } } } as any], workspaces, analytics: false, ...(store ? { store } : {}) });
}
const perUser = { each: [{ by: 'user', budgets: [{ type: 'cost', limit: 1 }], rateLimits: [{ type: 'requests', limit: 5, per: 'minute' }] }] };
async function run(name: string, g: any, user: (i: number) => string | undefined, n = 200_000) {
  const msgs = [{ role: 'user', content: 'Hello' }];
  for (let i = 0; i < 20000; i++) await g.chat({ workspace: 'team-a', model: '@mock/m', messages: msgs, max_tokens: 80, user: user(i + 10_000_000) });
  const t = performance.now();
  for (let i = 0; i < n; i++) await g.chat({ workspace: 'team-a', model: '@mock/m', messages: msgs, max_tokens: 80, user: user(i) });
  const us = ((performance.now() - t) * 1000) / n;
  console.log(name.padEnd(40), us.toFixed(2), 'µs/call', Math.round(1e6 / us), 'calls/s');
}
await run('no limits', gw({}), () => undefined);
await run('workspace budget', gw({ 'team-a': { budgets: [{ type: 'cost', limit: 1e9 }] } }), () => undefined);
await run('per-user, 1 user', gw({ 'team-a': { each: [{ by: 'user', budgets: [{ type: 'cost', limit: 1e9 }] }] } }), () => 'u');
await run('per-user budget+rl, distinct users', gw({ 'team-a': perUser }, memoryStore({ maxCounters: 50_000 })), (i) => `user-${i}`);
await run('per-user budget+rl, 1 user (big limits)', gw({ 'team-a': { each: [{ by: 'user', budgets: [{ type: 'cost', limit: 1e9 }], rateLimits: [{ type: 'requests', limit: 1e9, per: 'minute' }] }] } }), () => 'u');
await run('per-user budget+rl, distinct, no bound', gw({ 'team-a': perUser }, memoryStore({ maxCounters: 10_000_000 })), (i) => `user-${i}`);
