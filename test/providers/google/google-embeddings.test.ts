// npm test: Gemini's embeddings replayed by msw; milliseconds.
import { describe, expect, it } from 'vitest';
import { RequestValidationError, secret } from '../../../src/index.js';
import { estimateTextTokens } from '../../../src/usage/estimate-tokens.js';
import { failure } from '../../helpers/failure.js';
import {
  ACCESS_TOKEN,
  API_KEY,
  GEMINI_ROOT,
  fixtureJson,
  geminiGateway,
  jsonResponse,
  setupGoogleServer,
  vertexGateway,
  vertexUrl,
} from '../../helpers/gemini-server.js';

const google = setupGoogleServer();

const GEMINI_EMBED = `${GEMINI_ROOT}/models/gemini-embedding-001:batchEmbedContents`;
const texts = ['The quick brown fox', 'jumps over the lazy dog'];
const BATCH = fixtureJson<{ embeddings: Array<{ values: number[] }> }>('gemini/gemini-batch-embed.json');
const PREDICT = fixtureJson<{ predictions: Array<{ embeddings: { values: number[] } }> }>('vertex/vertex-predict-embeddings.json');

/** A batchEmbedContents answer with one vector per request, the i-th vector starting with i. */
async function echoBatch({ request }: { request: Request }) {
  const body = (await request.clone().json()) as { requests: Array<{ content: { parts: Array<{ text: string }> } }> };
  return jsonResponse({ embeddings: body.requests.map((r) => ({ values: [Number(r.content.parts[0]!.text), 0.5] })) });
}

describe('Gemini API embeddings (batchEmbedContents)', () => {
  it('embeds texts as an OpenAI list; the API reports no tokens, so usage is estimated', async () => {
    google.respond(GEMINI_EMBED, () => jsonResponse(BATCH));
    const { gateway, events } = geminiGateway();

    const res = await gateway.embeddings({ workspace: 'team-a', model: '@gemini/gemini-embedding-001', input: texts, dimensions: 8 });

    const sent = google.requests[0]!;
    expect(sent.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(sent.headers['x-goog-api-key']).toBe(API_KEY);
    expect(sent.body).toEqual({
      requests: texts.map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, outputDimensionality: 8 })),
    });

    const { gateway: info, ...response } = res;
    const estimate = texts.reduce((n, t) => n + estimateTextTokens(t), 0);
    expect(response).toEqual({
      object: 'list',
      data: BATCH.embeddings.map((e, index) => ({ object: 'embedding', index, embedding: e.values })),
      model: 'gemini-embedding-001',
      usage: { prompt_tokens: estimate, total_tokens: estimate },
    });
    expect(info.usage).toMatchObject({ inputTokens: estimate, outputTokens: 0, totalTokens: estimate, estimated: true });
    expect(events[0]).toMatchObject({ operation: 'embeddings', status: 'success', provider: 'gemini', usage: { estimated: true } });
    expect(JSON.stringify(events)).not.toContain(API_KEY);
  });

  it('splits more than 100 texts into several batches, keeping the order', async () => {
    google.respond(GEMINI_EMBED, echoBatch);
    const { gateway } = geminiGateway();
    const input = Array.from({ length: 150 }, (_, i) => String(i));

    const res = await gateway.embeddings({ workspace: 'team-a', model: '@gemini/gemini-embedding-001', input });

    expect(google.requests.map((r) => (r.body.requests as unknown[]).length).sort()).toEqual([100, 50].sort());
    expect(res.data.map((d) => (d.embedding as number[])[0])).toEqual(input.map(Number));
    expect(res.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
  });

  it('encodes vectors as base64 float32 when asked, as OpenAI does', async () => {
    google.respond(GEMINI_EMBED, () => jsonResponse(BATCH));
    const { gateway } = geminiGateway();

    const res = await gateway.embeddings({ workspace: 'team-a', model: '@gemini/gemini-embedding-001', input: texts, encoding_format: 'base64' });

    const decoded = Buffer.from(res.data[0]!.embedding as string, 'base64');
    const floats = Array.from(new Float32Array(decoded.buffer, decoded.byteOffset, decoded.byteLength / 4));
    expect(floats).toEqual(BATCH.embeddings[0]!.values.map((v) => Math.fround(v)));
    expect(google.requests[0]!.body).not.toHaveProperty('encoding_format');
  });

  it('rejects token arrays, which Google models do not take, without calling Google', async () => {
    const { gateway, events } = geminiGateway();

    const error = await failure(gateway.embeddings({ workspace: 'team-a', model: '@gemini/gemini-embedding-001', input: [[1, 2, 3]] }));

    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([{ path: 'input', message: 'token arrays are not supported by Google embedding models; send text' }]);
    expect(google.requests).toHaveLength(0);
    expect(events[0]).toMatchObject({ operation: 'embeddings', status: 'rejected' });
  });

  it('reports an error status as a ProviderError', async () => {
    google.respond(GEMINI_EMBED, () => jsonResponse(fixtureJson('gemini/gemini-error-400.json'), { status: 400 }));
    const { gateway } = geminiGateway();

    const error = await failure(gateway.embeddings({ workspace: 'team-a', model: '@gemini/gemini-embedding-001', input: 'x' }));

    expect(error).toMatchObject({ code: 'provider_error', status: 400, type: 'INVALID_ARGUMENT', isRetryable: false });
  });
});

describe('Vertex AI embeddings (predict)', () => {
  it('embeds texts with the predict method and reports the token counts Vertex gives', async () => {
    google.respond(vertexUrl('text-embedding-005', 'predict'), () => jsonResponse(PREDICT));
    const { gateway, events } = vertexGateway({ accessToken: secret.value(ACCESS_TOKEN) });

    const res = await gateway.embeddings({ workspace: 'team-a', model: '@vertex/text-embedding-005', input: texts, dimensions: 8, user: 'u-42' });

    const sent = google.requests[0]!;
    expect(sent.url).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/acme-llm-prod/locations/us-central1/publishers/google/models/text-embedding-005:predict',
    );
    expect(sent.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(sent.body).toEqual({ instances: texts.map((content) => ({ content })), parameters: { outputDimensionality: 8 } });

    const { gateway: info, ...response } = res;
    expect(response).toEqual({
      object: 'list',
      data: PREDICT.predictions.map((p, index) => ({ object: 'embedding', index, embedding: p.embeddings.values })),
      model: 'text-embedding-005',
      usage: { prompt_tokens: 15, total_tokens: 15 },
    });
    expect(info.usage).toEqual({ inputTokens: 15, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: 15, estimated: false });
    expect(events[0]).toMatchObject({
      operation: 'embeddings',
      status: 'success',
      provider: 'vertex-ai',
      warnings: ["parameter 'user' is not supported by Google embeddings; ignored"],
    });
  });

  it('sends gemini-embedding models one text per request, as Vertex requires', async () => {
    google.respond(vertexUrl('gemini-embedding-001', 'predict'), async ({ request }) => {
      const { instances } = (await request.clone().json()) as { instances: Array<{ content: string }> };
      const values = [instances[0]!.content.length, 0.25];
      return jsonResponse({ predictions: [{ embeddings: { statistics: { truncated: false, token_count: 5 }, values } }] });
    });
    const { gateway } = vertexGateway({ accessToken: secret.value(ACCESS_TOKEN) });

    const res = await gateway.embeddings({ workspace: 'team-a', model: '@vertex/gemini-embedding-001', input: texts });

    expect(google.requests).toHaveLength(2);
    for (const r of google.requests) expect((r.body.instances as unknown[]).length).toBe(1);
    expect(res.data.map((d) => (d.embedding as number[])[0])).toEqual(texts.map((t) => t.length));
    expect(res.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });
  });
});
