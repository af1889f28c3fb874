// npm test: every adapter called directly against its provider's recorded answers; milliseconds.
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, REGION, eventStreamResponse, fixtureJson as bedrockJson, jsonResponse as bedrockAnswer, streamFrames } from '../../helpers/bedrock-server.js';
import { API_KEY as ANTHROPIC_KEY, fixtureJson as anthropicJson, fixtureText as anthropicText, jsonResponse as anthropicAnswer, sseResponse as anthropicStream } from '../../helpers/anthropic-server.js';
import { API_KEY as GEMINI_KEY, fixtureJson as googleJson, fixtureText as googleText, jsonResponse as googleAnswer, sseResponse as googleStream } from '../../helpers/gemini-server.js';
import { API_KEY as OPENAI_KEY, fixtureJson as openaiJson, fixtureText as openaiText, jsonResponse as openaiAnswer, sseResponse as openaiStream } from '../../helpers/openai-server.js';
import { fixtureReader } from '../../helpers/fixture-reader.js';
import { describeAdapterConformance } from './adapter-conformance.js';

const { fixtureJson: azureJson } = fixtureReader(new URL('../../fixtures/azure/', import.meta.url));

/**
 * The adapter conformance suite on each provider, against answers recorded as each provider
 * documents them (test/fixtures). What is the provider's own (tool calls, cache and reasoning
 * details, signing, stream error frames) stays in test/providers/<provider>/.
 */

const HELLO = 'Hello! How can I help you today?';

// OpenAI's recordings: OpenAI's own, and those of Azure OpenAI and OpenAI-compatible servers,
// which speak its wire format (each with its own authentication).
const openaiFormat = {
  chat: { answer: () => openaiAnswer(openaiJson('openai-chat.json'), { requestId: 'req_chat' }), text: HELLO, usage: { inputTokens: 1290, outputTokens: 10 }, finishReason: 'stop', requestId: 'req_chat' },
  stream: { answer: () => openaiStream(openaiText('openai-stream.chunks.txt'), { requestId: 'req_stream' }), text: HELLO, usage: { inputTokens: 1290, outputTokens: 10, cacheReadTokens: 1152 }, requestId: 'req_stream' },
  // retry-after-ms (OpenAI's own header) wins over retry-after.
  rateLimited: { answer: () => new Response(JSON.stringify(openaiJson('openai-error-429.json')), { status: 429, headers: openaiJson<Record<string, string>>('openai-error-429.headers.json') }), retryAfterMs: 120 },
  badRequest: { answer: () => openaiAnswer(openaiJson('openai-error-400.json'), { status: 400 }), body: openaiJson('openai-error-400.json') },
  serverError: () => openaiAnswer(openaiJson('openai-error-500.json'), { status: 500 }),
  embeddings: { model: 'text-embedding-3-small', input: ['Hello', 'World'], answer: () => openaiAnswer(openaiJson('openai-embeddings.json')), dimensions: 4 },
};

describeAdapterConformance('openai', {
  ...openaiFormat,
  provider: 'openai',
  settings: { baseURL: 'http://openai.test/v1' },
  credentials: { apiKey: OPENAI_KEY },
  model: 'gpt-4o-mini',
  authenticated: (request) => request.headers.get('authorization') === `Bearer ${OPENAI_KEY}`,
});

describeAdapterConformance('anthropic', {
  provider: 'anthropic',
  settings: { baseURL: 'http://anthropic.test' },
  credentials: { apiKey: ANTHROPIC_KEY },
  model: 'claude-sonnet-4-5-20250929',
  authenticated: (request) => request.headers.get('x-api-key') === ANTHROPIC_KEY && request.headers.get('anthropic-version') !== null,
  chat: { answer: () => anthropicAnswer(anthropicJson('anthropic-messages.json'), { requestId: 'req_chat' }), text: HELLO, usage: { inputTokens: 19, outputTokens: 12 }, finishReason: 'stop', requestId: 'req_chat' },
  // message_start: 12 uncached + 1843 read from the cache; message_delta: 12 output tokens.
  stream: { answer: () => anthropicStream(anthropicText('anthropic-stream.chunks.txt'), { requestId: 'req_stream' }), text: HELLO, usage: { inputTokens: 1855, outputTokens: 12, cacheReadTokens: 1843 }, requestId: 'req_stream' },
  rateLimited: { answer: () => new Response(JSON.stringify(anthropicJson('anthropic-error-429.json')), { status: 429, headers: anthropicJson<Record<string, string>>('anthropic-error-429.headers.json') }), retryAfterMs: 12_000 },
  badRequest: { answer: () => anthropicAnswer(anthropicJson('anthropic-error-400.json'), { status: 400 }), body: anthropicJson('anthropic-error-400.json') },
  serverError: () => anthropicAnswer(anthropicJson('anthropic-error-529.json'), { status: 529 }),
});

describeAdapterConformance('bedrock', {
  provider: 'bedrock',
  credentials: { region: REGION, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  // Signed with SigV4 for the region's bedrock service, by the access key given.
  authenticated: (request) => (request.headers.get('authorization') ?? '').startsWith(`AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/`) && request.headers.get('authorization')!.includes(`/${REGION}/bedrock/aws4_request`),
  // Bedrock: 18 uncached input tokens + 1152 cache reads + 256 cache writes.
  chat: { answer: () => bedrockAnswer(bedrockJson('bedrock-converse.json'), { requestId: 'b-chat' }), text: HELLO, usage: { inputTokens: 1426, outputTokens: 12, cacheReadTokens: 1152, cacheWriteTokens: 256 }, finishReason: 'stop', requestId: 'b-chat' },
  stream: { answer: () => eventStreamResponse(streamFrames('bedrock-stream.events.json'), { requestId: 'b-stream' }), text: HELLO, usage: { inputTokens: 1170, outputTokens: 12, cacheReadTokens: 1152 }, requestId: 'b-stream' },
  rateLimited: { answer: () => bedrockAnswer(bedrockJson('bedrock-error-429.json'), { status: 429, errorType: 'ThrottlingException', headers: { 'retry-after': '2' } }), retryAfterMs: 2_000 },
  badRequest: { answer: () => bedrockAnswer(bedrockJson('bedrock-error-400.json'), { status: 400, errorType: 'ValidationException' }), body: bedrockJson('bedrock-error-400.json') },
  serverError: () => bedrockAnswer(bedrockJson('bedrock-error-503.json'), { status: 503, errorType: 'ServiceUnavailableException' }),
  embeddings: { model: 'amazon.titan-embed-text-v2:0', input: ['Hello'], answer: () => bedrockAnswer(bedrockJson('bedrock-titan-embedding.json')), dimensions: 4 },
});

describeAdapterConformance('gemini', {
  provider: 'gemini',
  credentials: { apiKey: GEMINI_KEY },
  model: 'gemini-2.5-flash',
  // In a header, never in the URL (where every log of the URL would keep it).
  authenticated: (request) => request.headers.get('x-goog-api-key') === GEMINI_KEY && !request.url.includes(GEMINI_KEY),
  chat: { answer: () => googleAnswer(googleJson('gemini/gemini-generate.json')), text: HELLO, usage: { inputTokens: 9, outputTokens: 9 }, finishReason: 'stop', requestId: 'pQxHaP7WN5-Hz7IPq9S3gA0' },
  // Thinking tokens are output tokens (and reasoning tokens).
  stream: { answer: () => googleStream(googleText('gemini/gemini-stream.chunks.txt')), text: HELLO, usage: { inputTokens: 9, outputTokens: 41, reasoningTokens: 32 }, requestId: 'TX5HaLa1Gbrwz7IP9Ovy2Ag' },
  // google.rpc.RetryInfo's retryDelay: '34s'.
  rateLimited: { answer: () => googleAnswer(googleJson('gemini/gemini-error-429.json'), { status: 429 }), retryAfterMs: 34_000 },
  badRequest: { answer: () => googleAnswer(googleJson('gemini/gemini-error-400.json'), { status: 400 }), body: googleJson('gemini/gemini-error-400.json') },
  serverError: () => googleAnswer(googleJson('gemini/gemini-error-503.json'), { status: 503 }),
  embeddings: { model: 'gemini-embedding-001', input: ['Hello', 'World'], answer: () => googleAnswer(googleJson('gemini/gemini-batch-embed.json')), dimensions: 8 },
});

describeAdapterConformance('azure-openai', {
  ...openaiFormat,
  provider: 'azure-openai',
  settings: { resourceName: 'acme', apiVersion: '2024-10-21', deployments: { 'gpt-4o-mini': 'chat-prod' } },
  credentials: { apiKey: 'azure-key-0123456789' },
  // The deployment stands for the model in the URL.
  model: 'gpt-4o-mini',
  authenticated: (request) => request.headers.get('api-key') === 'azure-key-0123456789' && request.url.startsWith('https://acme.openai.azure.com/openai/deployments/'),
  badRequest: { answer: () => openaiAnswer(azureJson('azure-content-filter-400.json'), { status: 400 }), body: azureJson('azure-content-filter-400.json') },
});

describeAdapterConformance('openai-compatible', {
  ...openaiFormat,
  provider: 'openai-compatible',
  settings: { baseURL: 'http://vllm.test/v1', streamUsage: true },
  credentials: { apiKey: 'local-key' },
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  authenticated: (request) => request.headers.get('authorization') === 'Bearer local-key' && request.url.startsWith('http://vllm.test/v1/'),
});
