// npm test: Bedrock's embeddings replayed by msw; milliseconds.
import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../../src/index.js';
import { bedrockProvider } from '../../../src/providers/bedrock/bedrock-provider.js';
import type { EmbeddingCall } from '../../../src/providers/spec.js';
import { ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, createTestGateway, fixtureJson, invokeUrl, jsonResponse, setupBedrockServer } from '../../helpers/bedrock-server.js';
import { fetchTransport } from '../../../src/providers/transport/fetch-transport.js';

const bedrock = setupBedrockServer();

// The adapter's `embed`, called directly (edge cases), then through `gateway.embeddings`.
const adapter = bedrockProvider.createAdapter({ slug: 'bedrock-prod', provider: 'bedrock', headers: {}, defaultMaxOutputTokens: 4096 });

const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';

function embedCall(body: EmbeddingCall['body']): EmbeddingCall & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    body,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, region: REGION },
    signal: new AbortController().signal,
    fetch: (input, init) => globalThis.fetch(input, init),
    transport: fetchTransport((input, init) => globalThis.fetch(input, init)),
    attempt: 1,
    warn: (message) => warnings.push(message),
    warnings,
  };
}

describe('Bedrock adapter: embeddings (InvokeModel)', () => {
  it('embeds a text with Titan Text Embeddings V2 and reports its input tokens', async () => {
    const fixture = fixtureJson<{ embedding: number[] }>('bedrock-titan-embedding.json');
    bedrock.respond(invokeUrl(TITAN), () => jsonResponse(fixture, { requestId: '9e8d7c6b-5a49-4838-a271-605f4e3d2c1b' }));

    const call = embedCall({ model: TITAN, input: 'The quick brown fox', dimensions: 256 });
    const result = await adapter.embed!(call);

    const sent = bedrock.requests[0]!;
    expect(sent.url).toBe('https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(sent.body).toEqual({ inputText: 'The quick brown fox', dimensions: 256 });
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, /);
    expect(result.response).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: fixture.embedding }],
      model: TITAN,
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
    expect(result.usage).toMatchObject({ inputTokens: 7, outputTokens: 0, totalTokens: 7, estimated: false });
    expect(result.providerRequestId).toBe('9e8d7c6b-5a49-4838-a271-605f4e3d2c1b');
    expect(call.warnings).toEqual([]);
  });

  it('sends a Titan array input as one call per text, keeping the order, and sums the tokens', async () => {
    const texts = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    bedrock.respond(invokeUrl(TITAN), async ({ request }) => {
      const { inputText } = (await request.json()) as { inputText: string };
      const i = texts.indexOf(inputText);
      return jsonResponse({ embedding: [i, i + 0.5], inputTextTokenCount: i + 1 });
    });

    const result = await adapter.embed!(embedCall({ model: TITAN, input: texts }));

    expect(bedrock.requests).toHaveLength(5);
    expect(bedrock.requests.map((r) => r.body.inputText).sort()).toEqual([...texts].sort());
    expect(result.response.data).toEqual(texts.map((_, i) => ({ object: 'embedding', index: i, embedding: [i, i + 0.5] })));
    expect(result.usage.inputTokens).toBe(1 + 2 + 3 + 4 + 5);
  });

  it('embeds texts with Cohere Embed (input_type search_document), usage from the token-count header', async () => {
    const fixture = fixtureJson<{ embeddings: number[][] }>('bedrock-cohere-embedding.json');
    bedrock.respond(invokeUrl(COHERE), () => jsonResponse(fixture, { headers: { 'x-amzn-bedrock-input-token-count': '11' } }));

    const result = await adapter.embed!(embedCall({ model: COHERE, input: ['the quick brown fox', 'jumps over the lazy dog'] }));

    expect(bedrock.requests).toHaveLength(1);
    expect(bedrock.requests[0]!.url).toBe(invokeUrl(COHERE));
    expect(bedrock.requests[0]!.body).toEqual({ texts: ['the quick brown fox', 'jumps over the lazy dog'], input_type: 'search_document' });
    expect(result.response).toEqual({
      object: 'list',
      data: fixture.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      model: COHERE,
      usage: { prompt_tokens: 11, total_tokens: 11 },
    });
    expect(result.usage).toMatchObject({ inputTokens: 11, estimated: false });
  });

  it('passes a Cohere input_type through, and estimates the tokens when Bedrock does not report them', async () => {
    bedrock.respond(invokeUrl(COHERE), () => jsonResponse({ embeddings: { float: [[0.1, 0.2]] }, id: 'x', response_type: 'embeddings_by_type' }));

    const result = await adapter.embed!(embedCall({ model: COHERE, input: 'where is the fox?', input_type: 'search_query' }));

    expect(bedrock.requests[0]!.body).toEqual({ texts: ['where is the fox?'], input_type: 'search_query' });
    expect(result.response.data).toEqual([{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }]);
    expect(result.usage.estimated).toBe(true);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it('honors encoding_format base64 (little-endian float32, as OpenAI)', async () => {
    bedrock.respond(invokeUrl(TITAN), () => jsonResponse({ embedding: [0.5, -1], inputTextTokenCount: 2 }));

    const result = await adapter.embed!(embedCall({ model: TITAN, input: 'hi', encoding_format: 'base64' }));

    const encoded = result.response.data[0]!.embedding as string;
    const bytes = Buffer.from(encoded, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([0.5, -1]);
  });

  it('rejects models without a text-embedding API and token-array inputs, before calling Bedrock', async () => {
    await expect(adapter.embed!(embedCall({ model: 'anthropic.claude-3-5-haiku-20241022-v1:0', input: 'hi' }))).rejects.toBeInstanceOf(RequestValidationError);
    await expect(adapter.embed!(embedCall({ model: TITAN, input: [[1, 2, 3]] }))).rejects.toThrow(/token arrays are not supported/);
    expect(bedrock.requests).toHaveLength(0);
  });
});

describe('Bedrock embeddings through gateway.embeddings', () => {
  it('returns the OpenAI-shaped list with the gateway info, metering the input tokens', async () => {
    bedrock.respond(invokeUrl(TITAN), async ({ request }) => {
      const { inputText } = (await request.json()) as { inputText: string };
      return jsonResponse({ embedding: [inputText.length, 0.25], inputTextTokenCount: inputText.length });
    });
    const { gateway, events } = createTestGateway({ pricing: { [TITAN]: { input: 0.02, output: 0 } } });

    const res = await gateway.embeddings({ workspace: 'team-a', model: `@bedrock-prod/${TITAN}`, input: ['one', 'three'] });

    expect(res.data).toEqual([
      { object: 'embedding', index: 0, embedding: [3, 0.25] },
      { object: 'embedding', index: 1, embedding: [5, 0.25] },
    ]);
    expect(res.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(res.gateway).toMatchObject({ integration: 'bedrock-prod', provider: 'bedrock', model: TITAN, usage: { inputTokens: 8, outputTokens: 0 } });
    // 8 tokens x USD 0.02 per 1M = 0.16 micro-dollars, rounded up to one.
    expect(res.gateway.cost).toBe(0.000001);
    expect(bedrock.requests).toHaveLength(2);
    expect(events[0]).toMatchObject({ status: 'success', provider: 'bedrock', usage: { inputTokens: 8 } });
  });

  it('embeds with Cohere through the gateway', async () => {
    bedrock.respond(invokeUrl(COHERE), () => jsonResponse(fixtureJson('bedrock-cohere-embedding.json'), { headers: { 'x-amzn-bedrock-input-token-count': '11' } }));
    const { gateway } = createTestGateway();

    const res = await gateway.embeddings({ workspace: 'team-a', model: `@bedrock-prod/${COHERE}`, input: ['the quick brown fox', 'jumps over the lazy dog'] });

    expect(res.data).toHaveLength(2);
    expect(res.gateway.usage).toMatchObject({ inputTokens: 11, estimated: false });
  });
});
