/**
 * A gateway process for the fleet-policy tests: run with `node --import tsx`, on the Redis of
 * REDIS_PORT under PREFIX. It reads one JSON command a line on stdin and answers one JSON line
 * on stdout, in order: { op: 'create', workspace, count? } | { op: 'revoke', id } |
 * { op: 'auth', token } | { op: 'chat', key } | { op: 'list' }.
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { GatewayError, createGateway } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';

const client = new Redis({ port: Number(process.env.REDIS_PORT), host: '127.0.0.1' });
const gateway = createGateway({
  integrations: [{ slug: 'mock', provider: 'mock', workspaces: { 'team-a': {} } }],
  store: redisStore({ client, prefix: process.env.PREFIX! }),
});

type Command = { op: 'create'; workspace: string; count?: number } | { op: 'revoke'; id: string } | { op: 'auth'; token: string } | { op: 'chat'; key: string } | { op: 'list' };

async function run(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'create':
      return Promise.all(Array.from({ length: command.count ?? 1 }, () => gateway.keys.create({ workspace: command.workspace })));
    case 'revoke':
      return gateway.keys.revoke(command.id).then(() => 'revoked');
    case 'auth':
      return gateway.keys.authenticate(command.token);
    case 'chat':
      return gateway.chat({ key: command.key, model: 'm', messages: [{ role: 'user', content: 'hi' }] }).then(() => 'ok');
    case 'list':
      return (await gateway.keys.list()).map((k) => k.id);
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const answer = await run(JSON.parse(line) as Command).then(
    (result) => ({ result }),
    (error: unknown) => ({ error: GatewayError.isInstance(error) ? error.code : String(error) }),
  );
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
await gateway.close();
client.disconnect();
