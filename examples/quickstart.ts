/**
 * tollgate quickstart: runs offline with the mock provider.  `npm run example`
 *
 * One integration (provider credentials stored once), provisioned to two teams with different
 * models and budgets, a virtual key for an app with a rate limit, a usage event for every call,
 * and requests that the policy refuses.
 */
import { createGateway, GatewayError, secret } from 'tollgate';

const gateway = createGateway({
  integrations: [
    {
      slug: 'llm-prod',
      provider: 'mock', // swap for 'openai' with credentials: { apiKey: secret.env('OPENAI_API_KEY') }
      credentials: { apiKey: secret.value('demo-key-never-printed') },
      models: ['gpt-4o-mini', 'gpt-4o'],
      workspaces: {
        // every model of the integration, USD 50 a month, an alert at USD 40
        research: { budgets: [{ type: 'cost', limit: 50, alertThreshold: 40, reset: 'monthly' }] },
        // only the small model
        support: { models: ['gpt-4o-mini'] },
      },
      mock: { latencyMs: 20 },
    },
  ],
  keys: [{ id: 'support-bot', workspace: 'support', integration: 'llm-prod', rateLimits: [{ type: 'requests', limit: 2, per: 'minute' }] }],
});

gateway.on('usage', (e) => {
  const tokens = `${e.usage.inputTokens}+${e.usage.outputTokens} tokens`;
  const cost = e.cost === null ? '' : ` $${e.cost.toFixed(6)}`;
  console.log(`  [usage] ${e.status.padEnd(8)} ${e.workspace}/${e.integration}/${e.model ?? '-'} ${tokens}${cost} ${e.latencyMs.toFixed(1)} ms ${e.errorCode ?? ''}`.trimEnd());
});

console.log('1. research asks gpt-4o:');
const res = await gateway.chat({
  workspace: 'research',
  model: '@llm-prod/gpt-4o',
  messages: [{ role: 'user', content: 'Summarize our Q3 report' }],
  max_tokens: 200,
  metadata: { user: 'alice' },
});
console.log(`  -> ${res.choices[0]?.message.content}`);

console.log('2. the support bot streams through its virtual key:');
const stream = await gateway.chat({ key: 'support-bot', model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Where is my order?' }] });
let text = '';
for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
console.log(`  -> ${text}`);

console.log('3. support asks gpt-4o, which its grant does not include:');
try {
  await gateway.chat({ workspace: 'support', model: '@llm-prod/gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
} catch (error) {
  if (!GatewayError.isInstance(error)) throw error;
  console.log(`  -> refused: ${error.code} (${error.status}) ${error.message}`);
}

console.log('4. the support bot hits its rate limit of 2 requests a minute:');
const ask = () => gateway.chat({ key: 'support-bot', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi again' }] });
// The window is the UTC minute: a run that crosses into the next one needs a call more.
for (let i = 0; i < 4; i++) {
  const refused = await ask().then(
    () => false,
    (error: GatewayError & { retryAfterMs?: number }) => (console.log(`  -> refused: ${error.code}, retry in ${error.retryAfterMs} ms`), true),
  );
  if (refused) break;
}

console.log("5. research's budget so far:");
const [budget] = await gateway.limits.status({ workspace: 'research', integration: 'llm-prod' });
console.log(`  -> $${budget?.used} used of $${budget?.limit}, resets ${budget?.resetAt}`);

console.log('6. an admin provisions a new team at runtime, then revokes it:');
await gateway.provisioning.provision({ integration: 'llm-prod', workspace: 'marketing', models: ['gpt-4o-mini'] });
await gateway.chat({ workspace: 'marketing', model: '@llm-prod/gpt-4o-mini', messages: [{ role: 'user', content: 'Tagline?' }] });
await gateway.provisioning.revoke({ integration: 'llm-prod', workspace: 'marketing' });
await gateway
  .chat({ workspace: 'marketing', model: '@llm-prod/gpt-4o-mini', messages: [{ role: 'user', content: 'Again?' }] })
  .catch((error: GatewayError) => console.log(`  -> refused: ${error.code}`));

await gateway.close();
