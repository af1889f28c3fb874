/**
 * Benchmarks (never run as tests): `npm run bench`.
 *
 * Governance overhead = a call through the gateway minus the same call on the adapter directly,
 * both against the mock provider with no latency, so that the difference is the gateway's work:
 * validation, target resolution, provisioning checks, the middleware chain, retries wrapper,
 * credentials, the usage event and its sink queue.
 */
import { createGateway, secret } from '../src/index.js';
import { createMockChatAdapter } from '../src/providers/mock/mock-chat-adapter.js';
import { mockOptionsSchema } from '../src/providers/mock/mock-options.js';
import { fmt, percentile, sample } from './stats.js';

const N = Number(process.env.BENCH_N ?? 50_000);
const messages = [{ role: 'user' as const, content: 'Summarize the quarterly report in three bullet points.' }];

const gateway = createGateway({
  integrations: [
    {
      slug: 'mock',
      provider: 'mock',
      credentials: { apiKey: secret.value('bench-key') },
      models: ['gpt-4o-mini', 'gpt-4o'],
      workspaces: { '*': { models: ['gpt-4o-mini', 'gpt-4o'] }, 'team-a': { models: ['gpt-4o-mini'] } },
    },
  ],
  keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock', models: ['gpt-4o-mini'] }],
  sinks: [{ name: 'null', write: () => {} }],
});
let events = 0;
gateway.on('usage', () => events++);

const adapter = createMockChatAdapter(mockOptionsSchema.parse({}));
// The baseline makes its AbortSignal on demand, like the gateway: the mock never asks for one,
// so neither side pays for it and the difference is the gateway's own work.
const call = (body: Parameters<typeof adapter.chat>[0]['body']) => ({
  body,
  credentials: {},
  get signal() {
    return new AbortController().signal;
  },
  fetch,
  attempt: 1,
});
const direct = () => adapter.chat(call({ model: 'gpt-4o-mini', messages, max_tokens: 200 }));
const viaGateway = () => gateway.chat({ key: 'app-1', model: 'gpt-4o-mini', messages, max_tokens: 200, metadata: { user: 'u-1' } });

async function overhead() {
  for (let i = 0; i < 5_000; i++) {
    await direct();
    await viaGateway();
  }
  // Interleaved blocks, so that drift (GC, JIT, CPU frequency) hits both sides alike.
  const blocks = 10;
  const d: number[] = [];
  const g: number[] = [];
  for (let b = 0; b < blocks; b++) {
    d.push(...(await sample(N / blocks, direct)));
    g.push(...(await sample(N / blocks, viaGateway)));
  }
  const ds = Float64Array.from(d).sort();
  const gs = Float64Array.from(g).sort();
  return {
    direct: { p50: percentile(ds, 50), p99: percentile(ds, 99) },
    gateway: { p50: percentile(gs, 50), p99: percentile(gs, 99) },
  };
}

async function throughput(concurrency: number, total: number) {
  let next = 0;
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await viaGateway();
    }),
  );
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  return total / s;
}

async function ttft() {
  const first = async (open: () => Promise<AsyncIterable<unknown>>) => {
    const t = process.hrtime.bigint();
    const stream = await open();
    for await (const _ of stream) break;
    return Number(process.hrtime.bigint() - t) / 1_000;
  };
  const openDirect = async () => {
    const s = await adapter.stream(call({ model: 'gpt-4o-mini', messages, stream: true }));
    return s as AsyncIterable<unknown>;
  };
  const openGateway = () => gateway.chat({ key: 'app-1', model: 'gpt-4o-mini', messages, stream: true });
  const d: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    await first(openDirect);
    await first(openGateway);
  }
  for (let i = 0; i < 10_000; i++) {
    d.push(await first(openDirect));
    g.push(await first(openGateway));
  }
  const ds = Float64Array.from(d).sort();
  const gs = Float64Array.from(g).sort();
  return { direct: percentile(ds, 50), gateway: percentile(gs, 50) };
}

const o = await overhead();
const tp1 = await throughput(1, 50_000);
const tp64 = await throughput(64, 100_000);
const t = await ttft();
await gateway.flush();
const stats = gateway.stats();

console.log(`tollgate bench — node ${process.version}, ${N} calls per side, memory store, mock provider`);
console.log('');
console.log('| what | p50 | p99 | target |');
console.log('|---|---|---|---|');
console.log(`| adapter called directly | ${fmt(o.direct.p50)} | ${fmt(o.direct.p99)} | — |`);
console.log(`| through the gateway | ${fmt(o.gateway.p50)} | ${fmt(o.gateway.p99)} | — |`);
console.log(`| governance overhead | ${fmt(o.gateway.p50 - o.direct.p50)} | ${fmt(o.gateway.p99 - o.direct.p99)} | p50 <= 10 µs, p99 <= 100 µs |`);
console.log(`| streaming: added time to first chunk (p50) | ${fmt(t.gateway - t.direct)} | — | <= 0.5 ms |`);
console.log('');
console.log(`throughput, one process: ${Math.round(tp1).toLocaleString('en-US')} calls/s sequential, ${Math.round(tp64).toLocaleString('en-US')} calls/s at 64 in flight (target >= 100k)`);
console.log(`usage events: ${events.toLocaleString('en-US')} published, sink delivered ${stats.sinks[0]!.delivered.toLocaleString('en-US')}, dropped ${stats.sinks[0]!.dropped}`);
await gateway.close();
