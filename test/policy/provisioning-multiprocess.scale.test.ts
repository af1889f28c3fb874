// npm run test:scale: three gateway processes on one Redis (a process start each, a second or two a test).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayProcess } from '../helpers/gateway-process.js';
import { useTestRedis } from '../helpers/redis-server.js';

/**
 * Runtime provisioning across real processes sharing one Redis (each a gateway: keys-worker.ts):
 * revocations enforced by every process on its next call, other changes by push or the next read of the log, and
 * credential rotation that shares references, never key values.
 */

const redis = useTestRedis({ beforeAll, afterAll });

// An OpenAI-shaped upstream that answers with the Authorization header it was sent.
let upstream: Server;
let upstreamURL = '';
beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1_700_000_000,
          model: 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: req.headers.authorization ?? '' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

const KEYS = { UP_KEY_1: 'sk-first-1111aaaa', UP_KEY_2: 'sk-second-2222bbbb' };
const start = (prefix: string) => gatewayProcess(redis.server.port, prefix, { ...KEYS, UPSTREAM: upstreamURL });

/** Every value stored under `prefix`, whatever its type, as text. */
async function everyValue(prefix: string): Promise<string> {
  const client = redis.client;
  const keys = await client.keys(`*${prefix}*`);
  const parts: string[] = [];
  for (const key of keys) {
    const type = await client.type(key);
    if (type === 'string') parts.push((await client.get(key)) ?? '');
    else if (type === 'list') parts.push(...(await client.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(...(await client.smembers(key)));
    else if (type === 'hash') parts.push(JSON.stringify(await client.hgetall(key)));
    else if (type === 'zset') parts.push(...(await client.zrange(key, 0, -1, 'WITHSCORES')));
    parts.push(key);
  }
  return parts.join('\n');
}

describe.skipIf(!redis.available)('runtime provisioning across processes', () => {
  it("a grant revoked in A is refused by B's very next call, keys included; a grant given in A reaches B without a restart; C, started after, sees both", async () => {
    const prefix = `mpp-${randomUUID()}`;
    const a = start(prefix);
    const b = start(prefix);
    const { id } = ((await a.ask({ op: 'create', workspace: 'team-a' })).result as Array<{ id: string }>)[0]!;
    await expect.poll(async () => (await b.ask({ op: 'chat', key: id })).result, { timeout: 15_000, interval: 20 }).toBeDefined();
    expect((await b.ask({ op: 'chat', workspace: 'team-a', model: '@mock/m' })).error).toBeUndefined();

    expect(await a.ask({ op: 'provisioning', method: 'revoke', input: { integration: 'mock', workspace: 'team-a' } })).toMatchObject({ result: { version: 2 } });
    // No wait: the admission in B checks the revocation in the same round trip.
    expect(await b.ask({ op: 'chat', workspace: 'team-a', model: '@mock/m' })).toEqual({ error: 'workspace_not_provisioned' });
    expect(await b.ask({ op: 'chat', key: id })).toEqual({ error: 'workspace_not_provisioned' });

    expect(await b.ask({ op: 'chat', workspace: 'team-b', model: '@mock/m' })).toEqual({ error: 'workspace_not_provisioned' });
    await a.ask({ op: 'provisioning', method: 'provision', input: { integration: 'mock', workspace: 'team-b' } });
    await expect.poll(async () => (await b.ask({ op: 'chat', workspace: 'team-b', model: '@mock/m' })).error, { timeout: 15_000, interval: 10 }).toBeUndefined();
    // Every process that applied a change announced it, with its version and where it was made.
    const events = (await b.ask({ op: 'events' })).result as Array<{ action: string; version: number; origin: string }>;
    expect(events.map((e) => [e.action, e.version])).toEqual([
      ['revoke', 2],
      ['provision', 3],
    ]);
    expect(new Set(events.map((e) => e.origin)).size).toBe(1);

    // Given back to team-a: its key works again, everywhere.
    await a.ask({ op: 'provisioning', method: 'provision', input: { integration: 'mock', workspace: 'team-a' } });
    await expect.poll(async () => (await b.ask({ op: 'chat', key: id })).error, { timeout: 15_000, interval: 10 }).toBeUndefined();

    const c = start(prefix);
    expect((await c.ask({ op: 'chat', workspace: 'team-b', model: '@mock/m' })).error).toBeUndefined();
    expect((await c.ask({ op: 'chat', key: id })).error).toBeUndefined();
    // A gateway's replay at start is its state, not news: nothing announced.
    expect(await c.ask({ op: 'events' })).toEqual({ result: [] });
    await Promise.all([a.end(), b.end(), c.end()]);
  });

  it('credentials rotated in A are used by B without a restart; only references reach the store, and a value is refused', async () => {
    const prefix = `mpr-${randomUUID()}`;
    const a = start(prefix);
    const b = start(prefix);
    const call = { op: 'chat', workspace: 'team-x', model: '@up/gpt-4o-mini' };
    expect(await b.ask(call)).toEqual({ result: `Bearer ${KEYS.UP_KEY_1}` });

    await a.ask({ op: 'provisioning', method: 'rotateCredentials', input: { integration: 'up', credentials: { apiKey: { env: 'UP_KEY_2' } } } });
    await expect.poll(async () => (await b.ask(call)).result, { timeout: 15_000, interval: 10 }).toBe(`Bearer ${KEYS.UP_KEY_2}`);

    await a.ask({ op: 'provisioning', method: 'rotateCredentials', input: { integration: 'up', credentials: { apiKey: { ref: 'prod-key' } } } });
    await expect.poll(async () => (await b.ask(call)).result, { timeout: 15_000, interval: 10 }).toBe('Bearer vault-prod-key');

    const refused = await a.ask({ op: 'provisioning', method: 'rotateCredentials', input: { integration: 'up', credentials: { apiKey: { value: 'sk-raw-value-3333cccc' } } } });
    expect(refused).toEqual({ error: 'invalid_config' });
    expect(await b.ask(call)).toEqual({ result: 'Bearer vault-prod-key' });
    expect(await a.ask(call)).toEqual({ result: 'Bearer vault-prod-key' });

    const stored = await everyValue(prefix);
    expect(stored).toContain('UP_KEY_2'); // the reference is there...
    for (const value of [KEYS.UP_KEY_1, KEYS.UP_KEY_2, 'vault-prod-key', 'sk-raw-value-3333cccc']) expect(stored).not.toContain(value); // ...no value is
    await Promise.all([a.end(), b.end()]);
  });
});
