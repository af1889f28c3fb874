/**
 * LangChain's ChatOpenAI governed in process, offline: `npx tsx examples/langchain-in-process.ts`
 * (`@langchain/openai` 1.x needs Node 22 or later).
 */
import { ChatOpenAI } from '@langchain/openai';
import { createGateway } from 'tollgate';
import { createFetch } from 'tollgate/http';

const gateway = createGateway({
  integrations: [{ slug: 'llm-prod', provider: 'mock', models: ['gpt-4o-mini'], workspaces: { support: {} } }],
});
gateway.on('usage', (e) => console.log(`usage: ${e.workspace} ${e.model} ${e.status} ${e.usage.inputTokens}+${e.usage.outputTokens} tokens`));

const chat = new ChatOpenAI({
  model: 'gpt-4o-mini',
  apiKey: 'unused', // the workspace is chosen in code, below
  configuration: { baseURL: 'http://tollgate/v1', fetch: createFetch(gateway, { workspace: 'support', integration: 'llm-prod' }) },
});
const reply = await chat.invoke('Hello');
console.log(`reply: ${String(reply.content)} (${reply.usage_metadata?.total_tokens} tokens)`);
let streamed = '';
for await (const chunk of await chat.stream('Stream it')) streamed += String(chunk.content);
console.log(`streamed: ${streamed}`);
await gateway.close();
