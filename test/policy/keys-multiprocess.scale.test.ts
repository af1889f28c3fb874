// npm run test:scale: three gateway processes on one Redis (a process start each, about a second a test).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayProcess as startGateway } from '../helpers/gateway-process.js';
import { useTestRedis } from '../helpers/redis-server.js';

/** Runtime keys across real processes sharing one Redis (each a gateway: keys-worker.ts). */

const redis = useTestRedis({ beforeAll, afterAll });
const gatewayProcess = (prefix: string) => startGateway(redis.server.port, prefix);

describe.skipIf(!redis.available)('runtime keys across processes', () => {
  it('made in A: B authenticates and governs it without a restart; revoked in A: B refuses it on its next call; C, started after, sees both', async () => {
    const prefix = `mpk-${randomUUID()}`;
    const a = gatewayProcess(prefix);
    const b = gatewayProcess(prefix);
    expect(await b.ask({ op: 'list' })).toEqual({ result: [] });
    const { id, token } = ((await a.ask({ op: 'create', workspace: 'team-a' })).result as Array<{ id: string; token: string }>)[0]!;
    await expect.poll(async () => (await b.ask({ op: 'auth', token })).result, { timeout: 15_000, interval: 20 }).toEqual({ id, workspace: 'team-a', integration: 'mock' });
    expect(await b.ask({ op: 'chat', key: id })).toEqual({ result: 'Mock reply to "hi"' });
    expect(await a.ask({ op: 'revoke', id })).toEqual({ result: 'revoked' });
    // The very next call in B, with no wait: refused in the admission round trip.
    expect(await b.ask({ op: 'chat', key: id })).toEqual({ error: 'key_revoked' });
    const c = gatewayProcess(prefix);
    expect(await c.ask({ op: 'chat', key: id })).toEqual({ error: 'key_revoked' });
    expect(await c.ask({ op: 'auth', token })).toEqual({ result: null });
    await Promise.all([a.end(), b.end(), c.end()]);
  });

  it('two processes creating 100 keys each at once: 200 keys, none lost', async () => {
    const prefix = `mpk-${randomUUID()}`;
    const a = gatewayProcess(prefix);
    const b = gatewayProcess(prefix);
    const [made1, made2] = await Promise.all([a.ask({ op: 'create', workspace: 'team-a', count: 100 }), b.ask({ op: 'create', workspace: 'team-a', count: 100 })]);
    expect([made1.error, made2.error]).toEqual([undefined, undefined]);
    const ids = [...(made1.result as Array<{ id: string }>), ...(made2.result as Array<{ id: string }>)].map((k) => k.id);
    expect(new Set(ids).size).toBe(200);
    const c = gatewayProcess(prefix);
    const listed = (await c.ask({ op: 'list' })).result as string[];
    expect(listed.sort()).toEqual(ids.sort());
    await Promise.all([a.end(), b.end(), c.end()]);
  });
});
