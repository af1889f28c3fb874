/**
 * Past one Redis shard, simulated (`npm run bench`, docs/scaling.md): N gateway processes, M store
 * shards, calls spread over keys (Zipf) in workspaces under one integration, a requests-per-minute
 * limit in each of the three scopes. Three ways to place the counters are played against the same
 * calls, and for each the bench counts the store operations per call, the share of them the
 * busiest shard takes (what caps a fleet: a shard's operations per second divided by it), and
 * checks the promise that matters: no limit ever admits more than its limit (overshoot 0).
 *
 * - `one slot` (today): every counter of a namespace under one hash tag, so one shard; a call is
 *   one admission and one settlement, atomic across its scopes.
 * - `slot per scope`: each scope's counters on the shard its name hashes to; a call reserves on
 *   each shard it touches and releases what it reserved when one refuses (no cross-shard atomicity
 *   in Redis Cluster: compensation instead), and settles on each.
 * - `leases`: a process takes a slice of a scope's limit from that scope's shard and admits calls
 *   from its slices without a store operation; when a slice runs out it asks for another (smaller
 *   as the window fills: at most a share of the limit, and of what is left a fair share per process). What all processes hold never exceeds the
 *   limit, so nothing can overshoot; what a process holds unused is refused to the others until the
 *   window ends (stranded), and a process that dies strands its slices the same way.
 *
 * Deterministic (a seeded generator), and store operations take no time here: the transient
 * reservations of `slot per scope` (a refusal seen by another call during the compensation) are
 * not modelled; they can only refuse more, never admit more.
 */

export interface ShardingFigures {
  strategy: 'one slot' | 'slot per scope' | 'leases';
  processes: number;
  shards: number;
  calls: number;
  /** Store operations per call, every shard together. */
  opsPerCall: number;
  /** Operations per call on the busiest shard: a shard doing X operations/s caps the fleet at X / this. */
  busiestShardOpsPerCall: number;
  /** Calls admitted beyond a limit in some window, over every scope (the promise: 0). */
  overshoot: number;
  /** Calls admitted, of all calls. */
  admittedShare: number;
  /** Calls refused although the limits counted together still had room (capacity held unused elsewhere), of all calls. */
  falseRefusalShare: number;
  /** Units of limit a process that died in the second minute left unusable until its window ended. */
  strandedByCrash: number;
}

export interface SimulationSetup {
  processes: number;
  shards: number;
  /** Calls per second, over `minutes` minutes. */
  rate: number;
  minutes: number;
  keys: number;
  workspaces: number;
  /** Requests per minute in each scope. */
  limits: { integration: number; workspace: number; key: number };
  /** A lease is at most this share of a limit. */
  leaseShare: number;
  seed: number;
}

export const DEFAULT_SETUP: SimulationSetup = {
  processes: 8,
  shards: 4,
  rate: 2_000,
  minutes: 3,
  keys: 5_000,
  workspaces: 50,
  // Traffic is 120,000 calls a minute: the integration's limit binds, and the busiest keys' and workspaces'.
  limits: { integration: 100_000, workspace: 6_000, key: 600 },
  leaseShare: 1 / 64,
  seed: 42,
};

/** mulberry32: small, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Key indexes by Zipf (s = 1.1): a few keys make most calls, as in a real fleet. */
function zipf(n: number, next: () => number): () => number {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** 1.1);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  return () => {
    const u = next();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function shardOf(scope: string, shards: number): number {
  let h = 2_166_136_261;
  for (let i = 0; i < scope.length; i++) h = Math.imul(h ^ scope.charCodeAt(i), 16_777_619);
  return (h >>> 0) % shards;
}

interface Call {
  process: number;
  scopes: readonly string[];
  minute: number;
}

/** The same calls for every strategy. */
function calls(setup: SimulationSetup): Call[] {
  const next = random(setup.seed);
  const key = zipf(setup.keys, next);
  const out: Call[] = [];
  const total = setup.rate * 60 * setup.minutes;
  for (let i = 0; i < total; i++) {
    const k = key();
    out.push({ process: Math.floor(next() * setup.processes), scopes: ['integration:i', `workspace:w${k % setup.workspaces}`, `key:k${k}`], minute: Math.floor(i / (setup.rate * 60)) });
  }
  return out;
}

const limitOf = (scope: string, setup: SimulationSetup) => setup.limits[scope.slice(0, scope.indexOf(':')) as keyof SimulationSetup['limits']];

export function simulate(strategy: ShardingFigures['strategy'], setup: SimulationSetup = DEFAULT_SETUP): ShardingFigures {
  const shards = strategy === 'one slot' ? 1 : setup.shards;
  const ops = new Array<number>(setup.shards).fill(0);
  const op = (scope: string) => ops[strategy === 'one slot' ? 0 : shardOf(scope, shards)]!++;
  /** Admitted per scope in the current minute (the truth), and what the limits counted together would still admit. */
  let admitted = new Map<string, number>();
  /** Leases: units handed out per scope this minute, and each process's units left per scope. */
  let leased = new Map<string, number>();
  let held = new Map<string, number>();
  let minute = -1;
  let overshoot = 0;
  let ok = 0;
  let falseRefusals = 0;
  let stranded = 0;
  const crashed = new Set<number>();
  const all = calls(setup);
  const crashAt = Math.floor(all.length / setup.minutes) * 1.5; // half way through the second minute
  for (let i = 0; i < all.length; i++) {
    const call = all[i]!;
    if (call.minute !== minute) {
      minute = call.minute;
      admitted = new Map();
      leased = new Map();
      held = new Map();
    }
    if (i === crashAt) {
      // Process 0 dies holding its slices: what they have left is no one's until the window ends.
      crashed.add(0);
      for (const [id, units] of held) if (id.startsWith('0|')) stranded += units;
    }
    if (crashed.has(call.process)) call.process = (call.process + 1) % setup.processes; // its callers go elsewhere
    const fits = call.scopes.every((s) => (admitted.get(s) ?? 0) < limitOf(s, setup));
    let admit: boolean;
    if (strategy === 'one slot') {
      op('all'); // the admission, every scope in one script
      admit = fits;
      if (admit) op('all'); // the settlement
    } else if (strategy === 'slot per scope') {
      const touched = [...new Set(call.scopes.map((s) => shardOf(s, shards)))];
      // Reserve scope by scope; the first refusal releases what was reserved before it.
      let reserved = 0;
      for (const s of call.scopes) {
        op(s);
        if ((admitted.get(s) ?? 0) >= limitOf(s, setup)) break;
        reserved++;
      }
      admit = reserved === call.scopes.length;
      if (!admit) for (let r = 0; r < reserved; r++) op(call.scopes[r]!);
      else for (const shard of touched) ops[shard]!++; // the settlement, once per shard
    } else {
      admit = true;
      for (const s of call.scopes) {
        const id = `${call.process}|${s}`;
        if ((held.get(id) ?? 0) > 0) continue;
        // Out of units here: a new slice from the scope's shard, a fair share of what is left.
        op(s);
        const limit = limitOf(s, setup);
        const left = limit - (leased.get(s) ?? 0);
        const slice = Math.min(left, Math.max(1, Math.min(Math.floor(limit * setup.leaseShare), Math.floor(left / setup.processes))));
        if (slice <= 0) {
          admit = false;
          break;
        }
        leased.set(s, (leased.get(s) ?? 0) + slice);
        held.set(id, (held.get(id) ?? 0) + slice);
      }
      // Units are taken only when every scope has one: a refused call takes none.
      if (admit) for (const s of call.scopes) held.set(`${call.process}|${s}`, held.get(`${call.process}|${s}`)! - 1);
    }
    if (admit) {
      ok++;
      for (const s of call.scopes) {
        const n = (admitted.get(s) ?? 0) + 1;
        admitted.set(s, n);
        if (n > limitOf(s, setup)) overshoot++;
      }
    } else if (fits) falseRefusals++;
  }
  const total = ops.reduce((a, b) => a + b, 0);
  return {
    strategy,
    processes: setup.processes,
    shards,
    calls: all.length,
    opsPerCall: total / all.length,
    busiestShardOpsPerCall: Math.max(...ops) / all.length,
    overshoot,
    admittedShare: ok / all.length,
    falseRefusalShare: falseRefusals / all.length,
    strandedByCrash: stranded,
  };
}

/** Every strategy, with 8 and with 64 processes. */
export function benchSharding(): ShardingFigures[] {
  const out: ShardingFigures[] = [];
  for (const processes of [8, 64]) {
    for (const strategy of ['one slot', 'slot per scope', 'leases'] as const) out.push(simulate(strategy, { ...DEFAULT_SETUP, processes }));
  }
  return out;
}
