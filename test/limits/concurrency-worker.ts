/**
 * A gateway process for the concurrency tests: run with `node --import tsx`, on the Redis of
 * REDIS_PORT under PREFIX, with an OpenAI-compatible integration on UPSTREAM whose workspace
 * `team-a` may run LIMIT calls at once. One JSON command a line on stdin, one JSON answer a line:
 * { op: 'burst', calls, waitMs? } fires that many calls at once (each waiting for capacity up to
 * waitMs) and answers how many were served and how many refused by a rate limit.
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createGateway, RateLimitExceededError } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';
import { countingIntegration } from '../helpers/counting-upstream.js';

const client = new Redis({ port: Number(process.env.REDIS_PORT), host: '127.0.0.1' });
const gateway = createGateway({
  integrations: [countingIntegration(process.env.UPSTREAM!, Number(process.env.LIMIT))],
  store: redisStore({ client, prefix: process.env.PREFIX! }),
  retry: { retries: 0 },
});

// Stopped by the test; never left running if it is not.
setTimeout(() => process.exit(1), 120_000).unref();

for await (const line of createInterface({ input: process.stdin })) {
  const { calls, waitMs } = JSON.parse(line) as { op: 'burst'; calls: number; waitMs?: number };
  const outcomes = await Promise.all(
    Array.from({ length: calls }, () =>
      gateway.chat({ workspace: 'team-a', model: '@up/m', messages: [{ role: 'user', content: 'hi' }] }, waitMs === undefined ? {} : { wait: { maxMs: waitMs } }).then(
        () => 'served',
        (error: unknown) => (RateLimitExceededError.isInstance(error) ? 'refused' : String(error)),
      ),
    ),
  );
  const count = (what: string) => outcomes.filter((o) => o === what).length;
  process.stdout.write(`${JSON.stringify({ result: { served: count('served'), refused: count('refused'), other: outcomes.filter((o) => o !== 'served' && o !== 'refused') } })}\n`);
}
await gateway.close();
client.disconnect();
