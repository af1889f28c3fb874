// npm test: a redis-server of its own, stopped and started by the tests; about two seconds of store timeouts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError, createGateway, type GatewayConfig, type StoreDegradedEvent } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { useTestRedis } from '../helpers/redis-server.js';

const redis = useTestRedis({ beforeAll, afterAll });
const server = redis.server;

/**
 * A gateway whose client reconnects every 10 ms (ioredis waits up to 2 s by default): a call is
 * answered as soon as the server is back. The client queues commands while reconnecting, for up
 * to 20 attempts, and the gateway's timeout bounds the wait. With `gaveUp`, the client stops
 * reconnecting while the server is down (`stop()` here), so that every command fails at once
 * instead of waiting out the policy log's timeout (5 s), and connects again on `start()`.
 */
function setup(extra: Partial<GatewayConfig> = {}, { gaveUp = false } = {}) {
  let down = false;
  const client = redis.newClient({ maxRetriesPerRequest: 20, retryStrategy: () => (gaveUp && down ? null : 10) });
  const sent = { commands: 0 };
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: never) => {
    sent.commands++;
    return send(command);
  }) as typeof client.sendCommand;
  const stop = async () => {
    down = true;
    await server.stop();
  };
  const start = async () => {
    await server.start();
    down = false;
    if (client.status === 'end') await client.connect();
  };
  const gateway = createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': { rateLimits: [{ type: 'requests', limit: 3, per: 'day' }] } } }],
    store: redisStore({ client, prefix: `f-${randomUUID()}` }),
    storeTimeoutMs: 200,
    ...extra,
  });
  const degraded: StoreDegradedEvent[] = [];
  gateway.on('store.degraded', (e) => degraded.push(e));
  const call = () => gateway.chat({ workspace: 'team-a', model: '@mock/m', messages: [{ role: 'user', content: 'hi' }] });
  return { gateway, degraded, call, sent, stop, start };
}

// Every test closes its gateway: one left open keeps reading the policy log, and its next read
// may meet the client closed by the file's teardown.

describe.skipIf(!redis.available)('redis store failure policy', () => {
  it('fail-closed (default): Redis down refuses calls, announced; Redis back, enforcement resumes', async () => {
    const { gateway, degraded, call } = setup();
    await call();
    await server.stop();
    for (let i = 0; i < 3; i++) await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(degraded.filter((e) => e.operation === 'admit' && e.decision === 'refused')).toHaveLength(3);
    expect(gateway.stats().store.degraded.refused).toBe(3);

    await server.start(); // same port, no data: a new day for the counters
    await expect.poll(() => call().then(() => 'ok', (e: Error) => e.message), { timeout: 15_000 }).toBe('ok');
    await call();
    await call();
    await expect(call()).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    await gateway.close({ timeoutMs: 0 });
  });

  it('fail-open: Redis down lets calls through unchecked, each one announced, and usage recorded when it returns', async () => {
    const { gateway, degraded, call } = setup({ onStoreError: 'fail-open' });
    await call();
    await server.stop();
    for (let i = 0; i < 4; i++) await expect(call()).resolves.toBeDefined();
    expect(degraded.filter((e) => e.operation === 'admit' && e.decision === 'admitted')).toHaveLength(4);
    // Their settlements failed too, and wait for the store.
    expect(degraded.some((e) => e.operation === 'settle' && e.decision === 'deferred')).toBe(true);

    await server.start();
    await gateway.flush();
    expect(degraded.filter((e) => e.decision === 'lost')).toHaveLength(0);
    // The calls made while Redis was down are counted once it is back (3 a day: already past).
    await expect(call()).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    const [limit] = await gateway.limits.status({ workspace: 'team-a', integration: 'mock' });
    expect(limit).toMatchObject({ used: 4, reserved: 0 });
    await gateway.close({ timeoutMs: 0 });
  });

  it('counts at most one Redis command to admit and one to settle (fewer when they go together); analytics add one per batch, not per call', async () => {
    const client = redis.newClient();
    const gateway = createGateway({
      integrations: [
        {
          slug: 'mock',
          provider: 'mock',
          budgets: [{ type: 'tokens', limit: 1_000_000 }],
          workspaces: { 'team-a': { rateLimits: [{ type: 'requests', limit: 1_000, per: 'minute' }, { type: 'tokens', limit: 1_000_000, per: 'hour' }] } },
        },
      ],
      store: redisStore({ client, prefix: `cmd-${randomUUID()}` }),
      // Analytics are written once per interval, the policy log and unsettled calls read once per
      // poll: long ones, so that none falls inside the count.
      analytics: { flushIntervalMs: 60_000 },
      policyPollMs: 3_600_000,
    });
    const call = () => gateway.chat({ workspace: 'team-a', model: '@mock/m', messages: [{ role: 'user', content: 'hi' }] });
    // A settlement or an admission goes to Redis at the end of the turn of the event loop it was
    // issued in, together with whatever else was issued in that turn.
    const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));
    await call(); // registers the budgets and loads the admission script
    await endOfTurn(); // the settlement, alone: its script
    await Promise.all([call(), call()]); // calls issued together: the batch script
    await gateway.flush(); // and the analytics script
    await endOfTurn();
    const stats = async () => {
      const info = await client.info('commandstats');
      const calls = new Map<string, number>();
      for (const [, name, n] of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) calls.set(name!, Number(n));
      return calls;
    };
    // Every command the client sends goes through sendCommand: count them at the source too.
    const sent: string[] = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string }) => {
      sent.push(command.name);
      return send(command as never);
    }) as typeof client.sendCommand;
    const before = await stats();
    sent.length = 0;
    for (let i = 0; i < 10; i++) await call();
    await endOfTurn(); // the last settlement sent
    const commands = [...sent];
    // One admission and one settlement per call at most; a settlement goes with the next call's
    // admission when they are issued in the same turn of the event loop (one batch command).
    expect(commands.length).toBeGreaterThanOrEqual(10);
    expect(commands.length).toBeLessThanOrEqual(20);
    expect(new Set(commands)).toEqual(new Set(['evalsha']));
    const after = await stats();
    const delta = [...after].map(([name, n]) => [name, n - (before.get(name) ?? 0)] as const).filter(([name, n]) => n > 0 && name !== 'info');
    // Commands run inside scripts are counted too; what crossed the network is EVALSHA only.
    const evalsha = delta.find(([name]) => name === 'evalsha')?.[1];
    expect(evalsha).toBe(commands.length);
    expect(delta.find(([name]) => name === 'eval')).toBeUndefined();
    // flush(): one script to take the calls other processes never settled, and the 10 calls'
    // analytics in one more, when the batch is written.
    sent.length = 0;
    await gateway.flush();
    expect(sent).toEqual(['evalsha', 'evalsha']);
    expect(gateway.stats().analytics).toEqual({ recorded: 13, pending: 0, dropped: 0 });
    await gateway.close({ timeoutMs: 0 });
  });

  it('a client still connecting, with its offline queue off, is waited for (within storeTimeoutMs): the first call passes', async () => {
    const client = redis.newClient({ enableOfflineQueue: false });
    const { gateway, call, degraded } = setup({ store: redisStore({ client, prefix: `c-${randomUUID()}` }), storeTimeoutMs: 5_000 });
    expect(client.status).not.toBe('ready');
    await expect(call()).resolves.toMatchObject({ object: 'chat.completion' });
    expect(degraded).toEqual([]);
    expect((await gateway.limits.status({ workspace: 'team-a', integration: 'mock' }))[0]).toMatchObject({ used: 1 });
    await gateway.close({ timeoutMs: 0 });
  });

  it('a policy log that cannot be read is announced once (store.degraded, policy), not at every read', async () => {
    const { gateway, degraded, call, sent, stop, start } = setup({ policyPollMs: 20 }, { gaveUp: true });
    await call();
    await stop();
    const policy = () => degraded.filter((e) => e.operation === 'policy');
    await expect.poll(() => policy().length, { timeout: 15_000 }).toBe(1);
    // The reads that follow fail too (nothing else is sent: no call is made): still one announcement.
    const after = sent.commands;
    await expect.poll(() => sent.commands, { timeout: 15_000 }).toBeGreaterThanOrEqual(after + 3);
    expect(policy()).toMatchObject([{ decision: 'deferred', store: 'redis' }]);
    await start();
    await gateway.close({ timeoutMs: 0 });
  });

  it('a key or provisioning change while Redis is down rejects with StoreUnavailableError and is applied nowhere', async () => {
    const { gateway, call, stop, start } = setup({}, { gaveUp: true });
    await call();
    await stop();
    await expect(gateway.provisioning.provision({ integration: 'mock', workspace: 'team-b' })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(gateway.keys.create({ workspace: 'team-a' })).rejects.toBeInstanceOf(StoreUnavailableError);
    await start();
    const chatAs = (workspace: string) => gateway.chat({ workspace, model: '@mock/m', messages: [{ role: 'user', content: 'hi' }] });
    await expect.poll(() => call().then(() => 'ok', (e: Error) => e.message), { timeout: 15_000 }).toBe('ok');
    expect(await gateway.keys.list()).toEqual([]);
    await expect(chatAs('team-b')).rejects.toMatchObject({ code: 'workspace_not_provisioned' });
    await expect(gateway.provisioning.provision({ integration: 'mock', workspace: 'team-b' })).resolves.toEqual({ version: 1 });
    await expect(chatAs('team-b')).resolves.toBeDefined();
    await gateway.close({ timeoutMs: 0 });
  });
});
