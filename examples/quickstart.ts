/**
 * tollgate quickstart: runs offline with the mock provider.  `npm run example`
 *
 * One integration (provider credentials stored once), provisioned to two teams with different
 * models, a virtual key for an app, a usage event for every call, and a request that the policy
 * refuses.
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
        research: {}, // every model of the integration
        support: { models: ['gpt-4o-mini'] }, // only the small one
      },
      mock: { latencyMs: 20 },
    },
  ],
  keys: [{ id: 'support-bot', workspace: 'support', integration: 'llm-prod' }],
});

gateway.on('usage', (e) => {
  const tokens = `${e.usage.inputTokens}+${e.usage.outputTokens} tokens`;
  console.log(`  [usage] ${e.status.padEnd(8)} ${e.workspace}/${e.integration}/${e.model ?? '-'} ${tokens} ${e.latencyMs.toFixed(1)} ms ${e.errorCode ?? ''}`);
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

console.log('4. an admin provisions a new team at runtime, then revokes it:');
gateway.provisioning.provision({ integration: 'llm-prod', workspace: 'marketing', models: ['gpt-4o-mini'] });
await gateway.chat({ workspace: 'marketing', model: '@llm-prod/gpt-4o-mini', messages: [{ role: 'user', content: 'Tagline?' }] });
gateway.provisioning.revoke({ integration: 'llm-prod', workspace: 'marketing' });
await gateway
  .chat({ workspace: 'marketing', model: '@llm-prod/gpt-4o-mini', messages: [{ role: 'user', content: 'Again?' }] })
  .catch((error: GatewayError) => console.log(`  -> refused: ${error.code}`));

await gateway.close();
