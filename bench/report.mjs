// The tables of `npm run bench`, rendered from bench/results.json: the bench prints them, and the
// same text is written between markers in README.md and docs/benchmarks.md
// (`<!-- bench:NAME -->` ... `<!-- /bench:NAME -->`), so the figures there are the file's and
// cannot disagree with it. `npm run docs:check` renders them again and fails on any difference.
//
//   node bench/report.mjs --write   rewrites the blocks from bench/results.json (npm run bench does)
//   node bench/report.mjs --print   prints every table
//   node bench/report.mjs           exits 1 when a block differs from bench/results.json
// Plain JavaScript, so that the docs check runs it without a build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PAGES = ['README.md', 'docs/benchmarks.md', 'docs/scaling.md'];

const us = (n) => (n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(1)} µs`);
/** A difference: its sign always written (a negative one is what tollgate saves). */
const signed = (n) => (n < 0 ? `−${us(-n)}` : `+${us(n)}`);
const int = (n) => Math.round(n).toLocaleString('en-US');
const rate = (n) => `${int(n)} calls/s`;
const ms = (n) => (n < 10 ? `${n.toFixed(2)} ms` : `${int(n)} ms`);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const x = (n) => `${n.toFixed(2)}×`;
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
/** `met` or `**not met**` against a target. */
const verdict = (ok) => (ok ? 'met' : '**not met**');

function run(r) {
  return `Run of ${r.date.slice(0, 10)}: Node ${r.node.replace(/^v/, '')}, ${r.cpu}.`;
}

/**
 * The figures issue 33 set targets for, each beside its target: README and the top of
 * docs/benchmarks.md. A part of the bench that did not run has no row.
 */
function headline(r) {
  const t = r.targets;
  const rows = [];
  const row = (what, measured, target, ok) => rows.push([what, measured, target, verdict(ok)]);
  if (r.httpUpstream) {
    const h = r.httpUpstream;
    const added = h.addedMicros.tollgate - h.addedMicros.proxy;
    row('HTTP handler, calls/s over the bare fetch proxy\'s (16 in flight)', x(h.throughputRatio.overProxy), `≥ ${t.httpUpstreamOverProxy}×`, h.throughputRatio.overProxy >= t.httpUpstreamOverProxy);
    row('HTTP handler, added over the bare proxy, p50', us(added), `≤ ${t.httpUpstreamAddedP50Micros} µs`, added <= t.httpUpstreamAddedP50Micros);
    if (h.throughputRatio.overPortkey !== null) row('HTTP handler, calls/s over Portkey OSS\'s', x(h.throughputRatio.overPortkey), `≥ ${t.httpUpstreamOverPortkey}×`, h.throughputRatio.overPortkey >= t.httpUpstreamOverPortkey);
  }
  if (r.upstream) {
    const u = r.upstream;
    row('`gateway.chat` / plain `fetch` of a real upstream, memory store', `${x(u.ratio.memory)} (${signed(u.addedMicros.memory)})`, `≤ ${t.upstreamRatio}×`, u.ratio.memory <= t.upstreamRatio);
    row('the same, Redis store', `${x(u.ratio.redis)} (${signed(u.addedMicros.redis)})`, `≤ ${t.upstreamRedisRatio}×`, u.ratio.redis <= t.upstreamRedisRatio);
    row('streaming: added to first chunk', us(u.streaming.firstChunk.added), `≤ ${t.upstreamFirstChunkAddedMicros} µs`, u.streaming.firstChunk.added <= t.upstreamFirstChunkAddedMicros);
  }
  if (r.scale) {
    const first = r.scale[0];
    const last = r.scale.at(-1);
    const ratio = last.callsPerSecond / first.callsPerSecond;
    row(`calls/s at ${int(last.keys)} active keys / at ${int(first.keys)}`, x(ratio), `≥ ${t.scaleCallsRatio}×`, ratio >= t.scaleCallsRatio);
    row(`\`createGateway\` with ${int(last.keys)} keys`, ms(last.createMs), `≤ ${int(t.scaleCreateMsAt100k)} ms`, last.createMs <= t.scaleCreateMsAt100k);
    row('heap per active key', kb(last.heapPerKeyBytes.active), `≤ ${kb(t.scaleHeapPerKeyBytes)}`, last.heapPerKeyBytes.active <= t.scaleHeapPerKeyBytes);
  }
  if (r.redis) row('Redis store, 64 in flight', rate(r.redis.throughput.concurrent64), `≥ ${int(t.redisCallsPerSecond)} calls/s`, r.redis.throughput.concurrent64 >= t.redisCallsPerSecond);
  const sqlite = r.sql?.find((f) => f.store === 'sqlite');
  if (sqlite) {
    const ok = sqlite.latencyMicros.p50 <= t.sqliteLatencyP50Micros && sqlite.throughput.concurrent64 >= t.sqliteCallsPerSecond64;
    row('SQLite store, p50 / 64 in flight', `${us(sqlite.latencyMicros.p50)} / ${rate(sqlite.throughput.concurrent64)}`, `≤ ${t.sqliteLatencyP50Micros} µs / ≥ ${int(t.sqliteCallsPerSecond64)} calls/s`, ok);
  }
  const postgres = r.sql?.find((f) => f.store === 'postgres');
  if (postgres) row('PostgreSQL store, 64 in flight', rate(postgres.throughput.concurrent64), `≥ ${int(t.postgresCallsPerSecond64)} calls/s`, postgres.throughput.concurrent64 >= t.postgresCallsPerSecond64);
  return `${run(r)}\n\n${table(['measure', 'measured', 'target', ''], rows)}`;
}

function core(r) {
  const d = r.latencyMicros.direct;
  const g = r.latencyMicros.gateway;
  return table(['what', 'p50', 'p99', 'target'], [
    ['mock adapter called directly, for reference', us(d.p50), us(d.p99), ''],
    ['through the gateway, full policy', us(g.p50), us(g.p99), ''],
    ['**governance overhead**', `**${us(r.overheadMicros.p50)}**`, `**${us(r.overheadMicros.p99)}**`, 'p50 ≤ 10 µs, p99 ≤ 100 µs'],
    ['streaming: added time to first chunk', us(r.firstChunkMicros.added), '', '≤ 0.5 ms'],
    ['throughput, 1 in flight', rate(r.throughput.sequential), '', ''],
    ['throughput, 64 in flight', rate(r.throughput.concurrent64), '', '≥ 100,000 calls/s'],
  ]);
}

function redis(r) {
  const x = r.redis;
  const d = r.latencyMicros.direct.p50;
  return table(['what', 'p50', 'p99', 'target'], [
    ['one Redis round trip (`PING`), for reference', us(x.roundTripMicros.p50), '', ''],
    ['**governance overhead, Redis store**', `**${us(x.latencyMicros.p50 - d)}**`, us(x.latencyMicros.p99 - r.latencyMicros.direct.p99), 'p50 ≤ 150 µs'],
    ['throughput, 1 in flight', rate(x.throughput.sequential), '', ''],
    ['**throughput, 64 in flight**', `**${rate(x.throughput.concurrent64)}**`, '', `≥ ${int(r.targets.redisCallsPerSecond)} calls/s`],
    ['throughput, 64 in flight, ioredis `enableAutoPipelining`', rate(x.throughput.concurrent64AutoPipelining), '', ''],
    ['settlements past the store timeout during the run', String(x.deferred), '', '0'],
    ...(x.scriptMicrosPerCall === undefined ? [] : [['Redis\'s own time in the scripts per call, 64 in flight (one shard\'s work per call)', us(x.scriptMicrosPerCall), '', '']]),
  ]);
}

function upstream(r) {
  const u = r.upstream;
  const l = u.latencyMicros;
  const s = u.streaming;
  return [
    table(['what', 'p50', 'p99', 'ratio to fetch (p50)', 'added (p50)', 'target'], [
      ['plain `fetch`, for reference', us(l.fetch.p50), us(l.fetch.p99), '', '', ''],
      ...(l.undici ? [['plain undici `request` (the client tollgate calls providers with), for reference', us(l.undici.p50), us(l.undici.p99), x(l.undici.p50 / l.fetch.p50), us(l.undici.p50 - l.fetch.p50), '']] : []),
      ['`gateway.chat`, memory store', us(l.memory.p50), us(l.memory.p99), `**${x(u.ratio.memory)}**`, us(u.addedMicros.memory), '≤ 1.10×'],
      ['plain `fetch`, beside the Redis side', us(l.fetchBesideRedis.p50), us(l.fetchBesideRedis.p99), '', '', ''],
      ['`gateway.chat`, Redis store', us(l.redis.p50), us(l.redis.p99), `**${x(u.ratio.redis)}**`, us(u.addedMicros.redis), `≤ ${r.targets.upstreamRedisRatio}×`],
      [`streaming (${s.chunks} chunks): first chunk, fetch / gateway`, `${us(s.firstChunk.fetch)} / ${us(s.firstChunk.gateway)}`, '', '', `**${us(s.firstChunk.added)}**`, `≤ ${r.targets.upstreamFirstChunkAddedMicros} µs`],
      ['streaming: each further chunk, fetch / gateway', `${us(s.perChunk.fetch)} / ${us(s.perChunk.gateway)}`, '', '', us(s.perChunk.added), ''],
    ]),
    '',
    `64 in flight: plain \`fetch\` ${rate(u.throughput64.fetch)}, \`gateway.chat\` on the memory store ${rate(u.throughput64.memory)}, on Redis ${rate(u.throughput64.redis)}; Redis settlements past the store timeout: ${u.redisDeferred}.`,
  ].join('\n');
}

function httpUpstream(r) {
  const h = r.httpUpstream;
  const names = { upstream: 'the upstream itself, for reference', tollgate: 'tollgate: `toNodeListener(createFetchHandler(gateway))`, full policy', proxy: 'bare fetch proxy (`node:http` + `fetch`)', portkey: `Portkey OSS (\`${h.portkey}\`)` };
  const rows = Object.entries(h.latencyMicros).map(([name, l]) => [
    names[name] ?? name,
    us(l.p50),
    us(l.p99),
    name === 'upstream' ? '' : us(h.addedMicros[name]),
    h.firstChunkMicros[name] === undefined ? 'n/a' : us(h.firstChunkMicros[name]),
    rate(h.throughput16[name]),
  ]);
  return [
    table(['server', 'p50', 'p99', 'added over the upstream (p50)', 'first chunk (p50)', 'calls/s, 16 in flight'], rows),
    '',
    `tollgate's calls/s: ${x(h.throughputRatio.overProxy)} the bare proxy's (target ≥ ${r.targets.httpUpstreamOverProxy}×)${h.throughputRatio.overPortkey === null ? '' : `, ${x(h.throughputRatio.overPortkey)} Portkey's (target ≥ ${r.targets.httpUpstreamOverPortkey}×)`}. Client: ${h.client}.`,
  ].join('\n');
}

function scale(r) {
  // Runs before the best-of-processes bench have no list of runs.
  const runs = (f) => (f.callsPerSecondRuns ? f.callsPerSecondRuns.map(int).join(' · ') : '');
  return table(
    ['keys', 'createGateway', 'heap per key, configured / active', 'calls/s, 64 in flight (best process)', 'calls/s of each process', 'one provisioning change'],
    r.scale.map((f) => [int(f.keys), ms(f.createMs), `${kb(f.heapPerKeyBytes.configured)} / ${kb(f.heapPerKeyBytes.active)}`, rate(f.callsPerSecond), runs(f), ms(f.changeMs)]),
  );
}

function http(r) {
  const h = r.http;
  return table(['what', 'p50', 'p99', 'target'], [
    ['bare `node:http` server, same mock reply, for reference', us(h.latencyMicros.bare.p50), us(h.latencyMicros.bare.p99), ''],
    ['**added by the handler and the gateway, concurrency 1**', `**${us(h.addedMicros.p50)}**`, us(h.addedMicros.p99), '≤ 0.5 ms'],
    ['**streaming: added time to first chunk**', `**${us(h.firstChunkMicros.added)}**`, '', '≤ 0.5 ms'],
    ['throughput, 16 in flight, bare server, for reference', rate(h.throughput.bare16), '', ''],
    ['throughput, 16 in flight, through the handler', rate(h.throughput.handler16), '', ''],
  ]);
}

function sql(r) {
  return table(['store', 'p50', 'p99', '1 in flight', '64 in flight', 'store round trips per call', 'target'], r.sql.map((f) => [
    f.store === 'sqlite' ? 'SQLite' : 'PostgreSQL',
    us(f.latencyMicros.p50),
    us(f.latencyMicros.p99),
    rate(f.throughput.sequential),
    rate(f.throughput.concurrent64),
    f.roundTripsPerCall === undefined ? '(in process)' : `${f.roundTripsPerCall.toFixed(2)} (counted)`,
    f.store === 'sqlite' ? `p50 ≤ ${r.targets.sqliteLatencyP50Micros} µs, ≥ ${int(r.targets.sqliteCallsPerSecond64)} calls/s at 64 in flight` : `≥ ${int(r.targets.postgresCallsPerSecond64)} calls/s at 64 in flight`,
  ]));
}

function inProcess(r) {
  const p = r.inProcess.p50Micros;
  const a = r.inProcess.addedMicros;
  return table(['way in', 'p50', 'added'], [
    ['`gateway.chat`', us(p.gatewayChat), ''],
    ['`createFetch`, called as a client calls `fetch`, `Response.json()` read', us(p.createFetch), `${us(a.createFetch)} over \`gateway.chat\``],
    ['the `openai` client on `createFetch`', us(p.openaiClient), `${us(a.openaiClient)} over the same client on a \`fetch\` that answers at once (${us(p.openaiClientBare)})`],
  ]);
}

function aiSdk(r) {
  const a = r.aiSdk;
  return `\`generateText\` (${a.sdk.replace('ai ', 'AI SDK ')}) on a model that answers at once: bare ${us(a.p50Micros.bare)}, with \`tollgateMiddleware\` and the full policy ${us(a.p50Micros.middleware)}: **${us(a.p50Micros.added)} added** (p50).`;
}

function keys(r) {
  const k = r.keys;
  return [
    table(['store', 'keys', 'create p50 / p99', 'revoke p50 / p99', 'authenticate p50', 'new gateway ready', 'target (at 100k keys)'], k.figures.map((f, i) => [
      f.store,
      int(f.keys),
      `${f.createMs.p50.toFixed(2)} / ${f.createMs.p99.toFixed(2)} ms`,
      `${f.revokeMs.p50.toFixed(2)} / ${f.revokeMs.p99.toFixed(2)} ms`,
      us(f.authenticateMicros.p50),
      ms(f.readyMs),
      i === 0 ? 'create, revoke ≤ 5 ms; authenticate ≤ 20 µs; ready ≤ 1 s' : '',
    ])),
    '',
    `A key made in one process is applied by a gateway in another process on the same Redis after ${ms(k.propagationMs.p50)} p50 (${ms(k.propagationMs.p99)} p99).`,
  ].join('\n');
}

function endUsers(r) {
  const e = r.endUsers;
  return [
    table(['call', 'p50', 'added'], [
      ['full policy', us(e.p50Micros.base), ''],
      ['+ per-user limits and a concurrency limit, the same user every call', us(e.p50Micros.sameUser), us(e.addedMicros.sameUser)],
      ['+ the same, a new user every call (new counters)', us(e.p50Micros.newUser), us(e.addedMicros.newUser)],
    ]),
    '',
    'One call for each of 1,000,000 distinct users, 64 in flight, calls/s over the first and the last 100,000 users (target: the end at least 0.8 × the start):',
    '',
    table(['store', 'analytics by user', 'start', 'end', 'end / start', 'counters held at the end'], e.millionUsers.map((f) => [
      f.store === 'redis' ? 'Redis' : f.store,
      f.analyticsByUser ? 'yes (default)' : 'no (`analytics: { byUser: false }`)',
      rate(f.startCallsPerSecond),
      rate(f.endCallsPerSecond),
      f.endOverStart.toFixed(2),
      f.counters === null ? '(expire by TTL)' : int(f.counters),
    ])),
  ].join('\n');
}

function sharding(r) {
  return table(['placement', 'processes', 'shards', 'store operations per call', 'on the busiest shard', 'overshoot', 'calls admitted', 'refused with room left elsewhere', 'units stranded by a crash'], r.sharding.map((f) => [
    f.strategy,
    String(f.processes),
    String(f.shards),
    f.opsPerCall.toFixed(2),
    `**${f.busiestShardOpsPerCall.toFixed(2)}**`,
    String(f.overshoot),
    `${(f.admittedShare * 100).toFixed(1)} %`,
    `${(f.falseRefusalShare * 100).toFixed(2)} %`,
    int(f.strandedByCrash),
  ]));
}

const SECTIONS = { headline, sharding, core, redis, upstream, 'http-upstream': httpUpstream, scale, http, sql, 'in-process': inProcess, 'ai-sdk': aiSdk, keys, 'end-users': endUsers };
const PART = { sharding: 'sharding', redis: 'redis', upstream: 'upstream', 'http-upstream': 'httpUpstream', scale: 'scale', http: 'http', sql: 'sql', 'in-process': 'inProcess', 'ai-sdk': 'aiSdk', keys: 'keys', 'end-users': 'endUsers' };

/** Every block the results hold (a part the run skipped has none). */
export function renderBlocks(results) {
  const blocks = {};
  for (const [name, render] of Object.entries(SECTIONS)) {
    if (PART[name] && !results[PART[name]]) continue;
    blocks[name] = render(results);
  }
  return blocks;
}

const BLOCK = /<!-- bench:([a-z-]+) -->\n[\s\S]*?<!-- \/bench:\1 -->/g;

/** `text` with each marked block replaced by its rendering; throws on a block the results lack. */
export function fillBlocks(text, blocks, page) {
  return text.replace(BLOCK, (_, name) => {
    if (blocks[name] === undefined) throw new Error(`${page}: block '${name}' has no figures in bench/results.json (a part of the bench that did not run?)`);
    return `<!-- bench:${name} -->\n${blocks[name]}\n<!-- /bench:${name} -->`;
  });
}

/** The pages whose blocks differ from bench/results.json, with the first differing line. */
export function staleBlocks() {
  const blocks = renderBlocks(JSON.parse(fs.readFileSync(path.join(root, 'bench/results.json'), 'utf8')));
  const stale = [];
  for (const page of PAGES) {
    const text = fs.readFileSync(path.join(root, page), 'utf8');
    if (!text.includes('<!-- bench:')) stale.push({ page, line: 'no <!-- bench:... --> block' });
    const filled = fillBlocks(text, blocks, page);
    if (filled !== text) {
      const a = text.split('\n');
      const b = filled.split('\n');
      const i = a.findIndex((line, j) => line !== b[j]);
      stale.push({ page, line: `line ${i + 1}: "${a[i]}" should be "${b[i]}"` });
    }
  }
  return stale;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const write = process.argv.includes('--write');
  const print = process.argv.includes('--print');
  if (write || print) {
    const blocks = renderBlocks(JSON.parse(fs.readFileSync(path.join(root, 'bench/results.json'), 'utf8')));
    if (print) for (const [name, text] of Object.entries(blocks)) console.log(`\n## ${name}\n\n${text}`);
    if (write) {
      for (const page of PAGES) {
        const file = path.join(root, page);
        fs.writeFileSync(file, fillBlocks(fs.readFileSync(file, 'utf8'), blocks, page));
      }
      console.log(`\nbench figures written into ${PAGES.join(', ')}`);
    }
  } else {
    const stale = staleBlocks();
    for (const s of stale) console.error(`${s.page}: benchmark figures differ from bench/results.json (${s.line}); run \`node bench/report.mjs --write\``);
    process.exit(stale.length > 0 ? 1 : 0);
  }
}
