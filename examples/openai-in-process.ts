/**
 * The official `openai` client, governed in process: runs offline with the mock provider.
 * `npx tsx examples/openai-in-process.ts`
 *
 * The app's code stays as it is; the client gets tollgate's `fetch`. No server, no socket: each
 * request is served by the gateway in this process, with its allowlist, budget, rate limit and a
 * usage event per call.
 */
import OpenAI from 'openai';
import { createGateway, secret } from 'tollgate';
import { createFetch } from 'tollgate/http';

const gateway = createGateway({
  integrations: [
    {
      slug: 'llm-prod',
      provider: 'mock', // swap for 'openai' with credentials: { apiKey: secret.env('OPENAI_API_KEY') }
      credentials: { apiKey: secret.value('demo-key-never-printed') },
      models: ['gpt-4o-mini'],
      workspaces: { support: { rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }] } },
    },
  ],
});
gateway.on('usage', (e) => console.log(`usage: ${e.workspace} ${e.model} ${e.status} ${e.usage.inputTokens}+${e.usage.outputTokens} tokens`));

// Any baseURL: the path picks the route. The workspace is chosen here, in code, so the client's
// apiKey is only a placeholder (the client requires one).
const openai = new OpenAI({
  apiKey: 'unused',
  baseURL: 'http://tollgate/v1',
  fetch: createFetch(gateway, { workspace: 'support', integration: 'llm-prod' }),
  maxRetries: 0,
});

const reply = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
console.log(`reply: ${reply.choices[0]?.message.content}`);

const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Stream it' }], stream: true });
let text = '';
for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
console.log(`streamed: ${text}`);

try {
  await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'A third call' }] });
} catch (error) {
  if (!(error instanceof OpenAI.RateLimitError)) throw error;
  console.log(`refused: ${error.status} ${error.code}, retry after ${error.headers?.get('retry-after')} s`);
}
await gateway.close();
