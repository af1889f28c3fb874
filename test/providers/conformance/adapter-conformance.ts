import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/index.js';
import { providers } from '../../../src/providers/registry.js';
import type { AdapterSettings } from '../../../src/providers/provider-definition.js';
import type { ChatAdapter, EmbeddingCall, ProviderCall, StreamPart } from '../../../src/providers/spec.js';
import type { ChatCompletionChunk, ChatRequestBody, EmbeddingRequestBody } from '../../../src/usage/chat-types.js';
import type { Usage } from '../../../src/usage/usage.js';
import { fetchTransport } from '../../../src/providers/transport/fetch-transport.js';

/**
 * One adapter, as the conformance suite calls it: its settings, the credentials it is given, and
 * answers recorded from its provider (each shaped as the provider documents it), with what the
 * recording says the normalized result must be.
 */
export interface AdapterCase {
  provider: string;
  settings?: Omit<AdapterSettings, 'slug' | 'provider' | 'defaultMaxOutputTokens'>;
  credentials: Record<string, string>;
  /** The provider's model id. */
  model: string;
  /** Whether a request carries the credentials as the provider expects them (a header, a signature). */
  authenticated(request: Request): boolean;
  chat: { answer(): Response; text: string; usage: Partial<Usage>; finishReason: string; requestId: string };
  stream: { answer(): Response; text: string; usage: Partial<Usage>; requestId: string | null };
  /** A 429 with the wait the provider asks for. */
  rateLimited: { answer(): Response; retryAfterMs: number | null };
  badRequest: { answer(): Response; body: unknown };
  serverError(): Response;
  embeddings?: { model: string; input: string[]; answer(): Response; dimensions: number };
}

const MESSAGES: ChatRequestBody['messages'] = [{ role: 'user', content: 'Hello' }];

/** A fetch that answers from `answers` in turn and keeps every request it was given. */
function replay(...answers: Array<() => Response | Promise<Response>>) {
  const requests: Request[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(new Request(input, init));
    const next = answers.shift();
    if (!next) throw new Error('no more recorded answers');
    return next();
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

function call<Body>(c: AdapterCase, body: Body, fetch: typeof globalThis.fetch, warnings: string[] = []) {
  return { body, credentials: c.credentials, signal: new AbortController().signal, fetch, transport: fetchTransport(fetch), attempt: 1, warn: (m: string) => warnings.push(m) };
}

const adapterOf = (c: AdapterCase): ChatAdapter =>
  providers.get(c.provider)!.createAdapter({ slug: `${c.provider}-test`, provider: c.provider, defaultMaxOutputTokens: 4096, ...c.settings });

const totalOf = (usage: Usage) => usage.inputTokens + usage.outputTokens;

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(ProviderError.isInstance(error), `expected a ProviderError, got ${String(error)}`).toBe(true);
  return error as ProviderError;
}

/**
 * What every adapter must do, called directly (no gateway): one request per call, authenticated
 * as its provider expects; a whole answer and a stream normalized to OpenAI's shapes with the
 * recorded usage; each failure a ProviderError saying whether a retry may pass and how long the
 * provider asked to wait.
 */
export function describeAdapterConformance(name: string, c: AdapterCase): void {
  describe(`adapter conformance: ${name}`, () => {
    it('chat: one authenticated request naming the model; an OpenAI chat.completion with the recorded text, usage, finish reason and request id', async () => {
      const { fetch, requests } = replay(c.chat.answer);
      const result = await adapterOf(c).chat(call(c, { model: c.model, messages: MESSAGES, max_tokens: 64 }, fetch) as ProviderCall);
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request!.method).toBe('POST');
      expect(c.authenticated(request!)).toBe(true);
      expect(decodeURIComponent(request!.url) + (await request!.text())).toContain(c.model);
      expect(result.completion).toMatchObject({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: c.chat.text } }] });
      expect(result.usage).toMatchObject({ ...c.chat.usage, estimated: false });
      expect(result.usage.totalTokens).toBe(totalOf(result.usage));
      expect(result.finishReason).toBe(c.chat.finishReason);
      expect(result.completion.choices[0]!.finish_reason).toBe(c.chat.finishReason);
      expect(result.providerRequestId).toBe(c.chat.requestId);
    });

    it('stream: OpenAI chunks with the recorded text, then exactly one finish, last, with the recorded usage', async () => {
      const { fetch, requests } = replay(c.stream.answer);
      const stream = await adapterOf(c).stream(call(c, { model: c.model, messages: MESSAGES, max_tokens: 64, stream: true }, fetch) as ProviderCall);
      const parts: StreamPart[] = [];
      for await (const part of stream) parts.push(part);
      expect(requests).toHaveLength(1);
      expect(c.authenticated(requests[0]!)).toBe(true);
      const finishes = parts.filter((p) => p.type === 'finish');
      expect(finishes).toHaveLength(1);
      expect(parts.at(-1)!.type).toBe('finish');
      const chunks = parts.flatMap((p) => (p.type === 'chunk' ? [p.chunk as ChatCompletionChunk] : []));
      for (const chunk of chunks) expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(c.stream.text);
      const finish = finishes[0] as Extract<StreamPart, { type: 'finish' }>;
      expect(finish.usage).toMatchObject({ ...c.stream.usage, estimated: false });
      expect(finish.usage!.totalTokens).toBe(totalOf(finish.usage!));
      expect(stream.providerRequestId).toBe(c.stream.requestId);
    });

    it('a 429: retryable, with the wait the provider asked for', async () => {
      const { fetch } = replay(c.rateLimited.answer);
      const error = await failure(adapterOf(c).chat(call(c, { model: c.model, messages: MESSAGES }, fetch) as ProviderCall));
      expect(error).toMatchObject({ upstreamStatus: 429, status: 429, isRetryable: true, retryAfterMs: c.rateLimited.retryAfterMs });
    });

    it('a 400: not retryable, with the provider\'s error body', async () => {
      const { fetch } = replay(c.badRequest.answer);
      const error = await failure(adapterOf(c).chat(call(c, { model: c.model, messages: MESSAGES }, fetch) as ProviderCall));
      expect(error).toMatchObject({ upstreamStatus: 400, isRetryable: false, body: c.badRequest.body });
    });

    it('a server error, and no answer at all: retryable', async () => {
      const server = await failure(adapterOf(c).chat(call(c, { model: c.model, messages: MESSAGES }, replay(c.serverError).fetch) as ProviderCall));
      expect(server.isRetryable).toBe(true);
      expect(server.upstreamStatus).toBeGreaterThanOrEqual(500);
      const unreachable = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }));
      const network = await failure(adapterOf(c).chat(call(c, { model: c.model, messages: MESSAGES }, replay(unreachable).fetch) as ProviderCall));
      expect(network).toMatchObject({ upstreamStatus: null, isRetryable: true });
    });

    const embeddings = c.embeddings;
    if (!embeddings) {
      it('no embeddings: the adapter has no embed (the gateway refuses the call, naming the integration)', () => {
        expect(adapterOf(c).embed).toBeUndefined();
      });
      return;
    }
    it("embeddings: one authenticated request; one vector per input, in order, in OpenAI's list shape", async () => {
      const adapter = adapterOf(c);
      const { fetch, requests } = replay(embeddings.answer);
      const result = await adapter.embed!(call(c, { model: embeddings.model, input: embeddings.input } as EmbeddingRequestBody, fetch) as EmbeddingCall);
      expect(requests).toHaveLength(1);
      expect(c.authenticated(requests[0]!)).toBe(true);
      expect(result.response.object).toBe('list');
      expect(result.response.data.map((d) => d.index)).toEqual(embeddings.input.map((_, i) => i));
      for (const d of result.response.data) expect(d.embedding).toHaveLength(embeddings.dimensions);
      expect(result.usage.outputTokens).toBe(0);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
    });
  });
}
