// npm test: a one-node Redis Cluster of its own on a free port; about two seconds until it reports ok.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { redisAvailable, TestRedis } from '../helpers/redis-server.js';

/**
 * A real Redis Cluster (one node holding all 16384 slots): Redis refuses, with CROSSSLOT, any
 * script whose keys hash to different slots, even on one node. Every script of the store runs
 * here through ioredis's Cluster client.
 */
const available = redisAvailable();
let dir = '';
let node: TestRedis;
let cluster: Cluster;

beforeAll(async () => {
  if (!available) return;
  dir = await mkdtemp(join(tmpdir(), 'tollgate-cluster-'));
  // Announced as 127.0.0.1: by default a node advertises an empty address, which clients cannot reach.
  node = new TestRedis(['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-announce-ip', '127.0.0.1']);
  await node.start();
  const admin = node.client();
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  for (let i = 0; i < 200 && !String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'); i++) await new Promise((r) => setTimeout(r, 25));
  admin.disconnect();
  cluster = new Cluster([{ host: '127.0.0.1', port: node.port }], { redisOptions: { maxRetriesPerRequest: 1 } });
});

afterAll(async () => {
  if (!available) return;
  cluster.disconnect();
  await node.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('redis store on a Redis Cluster', () => {
  it('admits, settles, reads, registers budgets and keeps analytics without CROSSSLOT', async () => {
    const gateway = createGateway({
      integrations: [
        {
          slug: 'llm',
          provider: 'mock',
          pricing: { m: { input: 1, output: 1 } },
          budgets: [{ type: 'cost', limit: 5, alertThreshold: 1 }],
          workspaces: { w: { rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }, { type: 'tokens', limit: 100_000, per: 'hour' }] } },
        },
      ],
      workspaces: { w: { budgets: [{ type: 'tokens', limit: 1_000_000 }] } },
      store: redisStore({ client: cluster, prefix: `cl-${randomUUID()}` }),
      storeTimeoutMs: 2_000,
    });
    for (let i = 0; i < 5; i++) await gateway.chat({ workspace: 'w', model: '@llm/m', messages: [{ role: 'user', content: 'hi' }] });
    const status = await gateway.limits.status({ workspace: 'w', integration: 'llm' });
    expect(status.find((s) => s.kind === 'rateLimit' && s.type === 'requests')).toMatchObject({ used: 5, reserved: 0 });
    const result = await gateway.analytics.query({ from: Date.now() - 60_000 });
    expect(result.rows[0]!.requests).toBe(5);
    expect(gateway.stats().store.degraded).toEqual({ refused: 0, admitted: 0, deferred: 0, 'recorded-late': 0, lost: 0 });
    await gateway.close();
  });

  it('the cluster does refuse a script across slots (the check above can fail)', async () => {
    await expect(cluster.eval("return redis.call('GET', KEYS[1])", 2, '{a}x', '{b}y')).rejects.toThrow(/CROSSSLOT/);
  });
});
