/**
 * A gateway process for the fleet-policy tests: run with `node --import tsx`, on the Redis of
 * REDIS_PORT under PREFIX. It reads one JSON command a line on stdin and answers one JSON line
 * on stdout, in order: { op: 'create', workspace, count? } | { op: 'revoke', id } |
 * { op: 'auth', token } | { op: 'chat', key } | { op: 'chat', workspace, model } | { op: 'list' } |
 * { op: 'provisioning', method, input } (credentials given as { env } | { ref } | { value }) |
 * { op: 'events' } (the provisioning.changed events so far).
 * Integrations: `mock` (team-a), and `up`, an OpenAI integration on UPSTREAM (every workspace)
 * whose key is the variable UP_KEY_1, with a `vault` resolver that answers `vault-<name>`.
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { GatewayError, createGateway, secret } from '../../src/index.js';
import { redisStore } from '../../src/redis.js';

const client = new Redis({ port: Number(process.env.REDIS_PORT), host: '127.0.0.1' });
const gateway = createGateway({
  integrations: [
    { slug: 'mock', provider: 'mock', workspaces: { 'team-a': {} } },
    { slug: 'up', provider: 'openai', baseURL: process.env.UPSTREAM ?? 'http://127.0.0.1:9/v1', credentials: { apiKey: secret.env('UP_KEY_1') }, workspaces: 'all' },
  ],
  store: redisStore({ client, prefix: process.env.PREFIX! }),
  secretResolvers: { vault: (name) => `vault-${name}` },
  retry: { retries: 0 },
});
const changes: unknown[] = [];
gateway.on('provisioning.changed', (change) => changes.push(change));

type Credential = { env: string } | { ref: string } | { value: string };
type Command =
  | { op: 'create'; workspace: string; count?: number }
  | { op: 'revoke'; id: string }
  | { op: 'auth'; token: string }
  | { op: 'chat'; key?: string; workspace?: string; model?: string }
  | { op: 'list' }
  | { op: 'provisioning'; method: 'provision' | 'revoke' | 'setModels' | 'rotateCredentials'; input: Record<string, unknown> & { credentials?: Record<string, Credential> } }
  | { op: 'events' };

const toSecret = (c: Credential) => ('env' in c ? secret.env(c.env) : 'ref' in c ? secret.ref('vault', c.ref) : secret.value(c.value));

async function run(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'create':
      return Promise.all(Array.from({ length: command.count ?? 1 }, () => gateway.keys.create({ workspace: command.workspace, integration: 'mock' })));
    case 'revoke':
      return gateway.keys.revoke(command.id).then(() => 'revoked');
    case 'auth':
      return gateway.keys.authenticate(command.token);
    case 'chat': {
      const who = command.key !== undefined ? { key: command.key } : { workspace: command.workspace! };
      return gateway.chat({ ...who, model: command.model ?? 'm', messages: [{ role: 'user', content: 'hi' }] }).then((r) => r.choices[0]?.message.content ?? 'ok');
    }
    case 'list':
      return (await gateway.keys.list()).map((k) => k.id);
    case 'provisioning': {
      const { credentials, ...input } = command.input;
      const given = credentials ? { ...input, credentials: Object.fromEntries(Object.entries(credentials).map(([k, c]) => [k, toSecret(c)])) } : input;
      return (gateway.provisioning[command.method] as (input: unknown) => Promise<{ version: number }>)(given);
    }
    case 'events':
      return changes;
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
