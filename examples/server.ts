/**
 * tollgate as an OpenAI-compatible server, offline with the mock provider.  `npm run server`
 *
 * One integration granted to one workspace with a monthly budget and rate limits, and a virtual
 * key whose token is made at startup (only its hash is configured). Any OpenAI client can call
 * it; every call logs one usage line. PORT sets the port (default 8787). Ctrl-C stops it.
 */
import { createServer } from 'node:http';
import { createGateway, secret } from 'tollgate';
import { createFetchHandler, generateKey, toNodeListener } from 'tollgate/http';

const port = Number(process.env.PORT ?? 8787);
const { token, hash } = generateKey(); // the token is printed once below and kept nowhere

const gateway = createGateway({
  integrations: [
    {
      slug: 'llm-prod',
      provider: 'mock', // swap for 'openai' with credentials: { apiKey: secret.env('OPENAI_API_KEY') }
      credentials: { apiKey: secret.value('demo-key-never-printed') },
      models: ['gpt-4o-mini', 'gpt-4o'],
      workspaces: {
        // USD 10 a month for the team (an alert at USD 8), 120 requests a minute
        'team-a': {
          budgets: [{ type: 'cost', limit: 10, alertThreshold: 8, reset: 'monthly' }],
          rateLimits: [{ type: 'requests', limit: 120, per: 'minute' }],
        },
      },
      mock: { latencyMs: 20, chunkDelayMs: 15 },
    },
  ],
  keys: [
    {
      id: 'demo-app',
      workspace: 'team-a',
      integration: 'llm-prod',
      hash,
      // the app may use the small model only, 30 requests and 20,000 tokens a minute
      models: ['gpt-4o-mini'],
      rateLimits: [
        { type: 'requests', limit: 30, per: 'minute' },
        { type: 'tokens', limit: 20_000, per: 'minute' },
      ],
    },
  ],
});

gateway.on('usage', (e) => {
  const tokens = `${e.usage.inputTokens}+${e.usage.outputTokens} tokens`;
  const cost = e.cost === null ? '' : ` $${e.cost.toFixed(6)}`;
  const what = `${e.key ?? '-'} ${e.workspace ?? '-'}/${e.integration ?? '-'}/${e.model ?? e.requestedModel ?? '-'}${e.stream ? ' (stream)' : ''}`;
  console.log(`[usage] ${e.httpStatus} ${e.status.padEnd(8)} ${what} ${tokens}${cost} ${e.latencyMs.toFixed(1)} ms ${e.errorCode ?? ''}`.trimEnd());
});
gateway.on('ratelimit.exceeded', (e) => console.log(`[limit] ${e.scope}: ${e.limit} ${e.rateLimit.type} ${'per' in e.rateLimit ? `a ${e.rateLimit.per}` : 'at once'} reached, retry in ${e.retryAfterMs} ms`));

const server = createServer(toNodeListener(createFetchHandler(gateway)));
server.on('error', (error) => {
  console.error(`tollgate server: ${error.message}`);
  process.exit(1);
});
server.listen(port, () => {
  const base = `http://localhost:${port}/v1`;
  console.log(`tollgate server on ${base} (mock provider, no network)

key demo-app, workspace team-a, model gpt-4o-mini; its token, shown only now:
  ${token}

Try it:
curl ${base}/chat/completions \\
  -H 'Authorization: Bearer ${token}' \\
  -H 'Content-Type: application/json' \\
  -d '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}'

Or with the openai package:
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${base}', apiKey: '${token}' });
  const reply = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
  console.log(reply.choices[0].message.content);

Ctrl-C to stop.
`);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: closing`);
  // Stop accepting connections (idle keep-alive ones are closed too) and wait for the calls in
  // flight, 10 s at most; then flush the usage events and close the gateway.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const force = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(force);
  await gateway.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
