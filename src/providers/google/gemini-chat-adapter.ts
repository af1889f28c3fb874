import { redactProviderError } from '../../config/redact-secrets.js';
import { ProviderError } from '../../errors/provider-error.js';
import { estimateUsage } from '../../limits/estimate-tokens.js';
import type { ChatCompletion } from '../chat-types.js';
import { isRetryableStatus } from '../shared/is-retryable-status.js';
import { networkError } from '../shared/provider-fetch.js';
import { readSse } from '../shared/read-sse.js';
import type { ChatAdapter, EmbeddingCall, EmbeddingResult, ProviderCall, ProviderResult, ProviderStream, StreamPart } from '../spec.js';
import { convertGeminiResponse } from './convert-gemini-response.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { convertToGeminiRequest } from './convert-to-gemini-request.js';
import { geminiErrorBodySchema, geminiResponseSchema } from './gemini-api.js';
import { GeminiChunkConverter } from './gemini-chunk-converter.js';
import { postGemini, REQUEST_ID_HEADER, type GeminiTransport } from './gemini-fetch.js';
import { retryDelayFromBody } from './read-gemini-error.js';

export interface GeminiChatAdapterOptions {
  /** Embeddings, which the Gemini API and Vertex AI serve through different methods. */
  embed?: (transport: GeminiTransport, call: EmbeddingCall) => Promise<EmbeddingResult>;
}

/**
 * The Gemini `generateContent` adapter, shared by the Gemini API and Vertex AI (same wire
 * format, another URL and authentication: the transport). Translates the OpenAI request into
 * contents, tools and generation config, and the answer (whole or streamed as SSE) back into
 * OpenAI completions and chunks, with usage normalized.
 */
export function createGeminiChatAdapter(transport: GeminiTransport, options: GeminiChatAdapterOptions = {}): ChatAdapter {
  const { provider } = transport;

  const adapter: ChatAdapter = {
    provider,

    async chat(call: ProviderCall): Promise<ProviderResult> {
      const warn = (message: string) => call.warn(message);
      const request = convertToGeminiRequest(call.body, warn);
      const { response } = await postGemini(transport, call, call.body.model, 'generateContent', request, 'application/json');
      const headerId = response.headers.get(REQUEST_ID_HEADER);
      const json = await readJson(response, call.signal, provider, headerId);
      const parsed = geminiResponseSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw malformed(provider, `the response is not a GenerateContentResponse (${issue?.message ?? 'invalid'} at ${issue?.path.join('.') ?? ''})`, headerId, response.status);
      }
      const data = parsed.data;
      const requestId = data.responseId || headerId;
      if (!data.candidates?.length && !data.promptFeedback?.blockReason) {
        throw malformed(provider, 'the response has neither candidates nor a prompt block reason', requestId, response.status);
      }
      const reported = data.usageMetadata ? convertGeminiUsage(data.usageMetadata) : null;
      const { completion, finishReason } = convertGeminiResponse(data, call.body.model, reported, warn);
      const usage = reported ?? estimateUsage(call.body, completion.choices.reduce((n, c) => n + outputChars(c.message), 0));
      return { completion, usage, finishReason, providerRequestId: requestId };
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const warn = (message: string) => call.warn(message);
      const request = convertToGeminiRequest(call.body, warn);
      const { response, secrets } = await postGemini(transport, call, call.body.model, 'streamGenerateContent', request, 'text/event-stream');
      const headerId = response.headers.get(REQUEST_ID_HEADER);
      if (!response.body) throw malformed(provider, 'the stream has no body', headerId, response.status);
      const events = readSse(response.body, call.signal);
      const converter = new GeminiChunkConverter({ model: call.body.model, includeUsage: call.body.stream_options?.include_usage === true, warn });

      async function* parts(): AsyncGenerator<StreamPart> {
        try {
          for await (const event of events) {
            let json: unknown;
            try {
              json = JSON.parse(event.data);
            } catch {
              throw malformed(provider, 'a stream event is not JSON', stream.providerRequestId, response.status);
            }
            const frame = geminiErrorBodySchema.safeParse(json);
            if (frame.success) throw errorFrame(provider, frame.data.error, json, response.status, stream.providerRequestId);
            const parsed = geminiResponseSchema.safeParse(json);
            if (!parsed.success) throw malformed(provider, 'a stream event is not a GenerateContentResponse', stream.providerRequestId, response.status);
            const chunks = converter.convert(parsed.data);
            if (converter.responseId) stream.providerRequestId = converter.responseId;
            // Every event carries the usage so far: reported, a cut stream is charged its exact prompt.
            if (parsed.data.usageMetadata && converter.usage) yield { type: 'usage', usage: converter.usage };
            for (const chunk of chunks) yield { type: 'chunk', chunk };
          }
        } catch (error) {
          if (call.signal.aborted) throw call.signal.reason;
          if (ProviderError.isInstance(error)) throw redactProviderError(error, secrets);
          throw new ProviderError({
            provider,
            message: `the stream was interrupted: ${error instanceof Error ? error.message : String(error)}`,
            upstreamStatus: response.status,
            status: 502,
            isRetryable: true,
            requestId: stream.providerRequestId,
            cause: error,
          });
        }
        // Gemini ends a stream by closing it after the event with the finish reason: without one, it was cut.
        if (!converter.complete) {
          throw new ProviderError({
            provider,
            message: 'the stream ended before completion',
            upstreamStatus: response.status,
            status: 502,
            isRetryable: true,
            requestId: stream.providerRequestId,
          });
        }
        const usageChunk = converter.usageChunk();
        if (usageChunk) yield { type: 'chunk', chunk: usageChunk };
        yield { type: 'finish', usage: converter.usage, finishReason: converter.finishReason };
      }

      const stream = parts() as AsyncGenerator<StreamPart> & { providerRequestId: string | null };
      stream.providerRequestId = headerId;
      return stream;
    },
  };
  const embed = options.embed;
  if (embed) adapter.embed = (call) => embed(transport, call);
  return adapter;
}

/** Reads a 2xx body as JSON; a body that is not JSON is a malformed answer (502, not retried). */
export async function readJson(response: Response, signal: AbortSignal, provider: string, requestId: string | null): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw networkError(provider, error);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(provider, 'the response body is not JSON', requestId, response.status);
  }
}

export function malformed(provider: string, message: string, requestId: string | null, status: number): ProviderError {
  return new ProviderError({
    provider,
    message: `malformed response: ${message}`,
    upstreamStatus: status,
    status: 502,
    // The provider did the work (and may bill for it): asking again could double the cost.
    isRetryable: false,
    requestId,
  });
}

/** An error sent as an event of a 200 stream: Google's status, retried when its code says so. */
function errorFrame(
  provider: string,
  error: { code?: number | null; message?: string | null; status?: string | null },
  body: unknown,
  upstreamStatus: number,
  requestId: string | null,
): ProviderError {
  return new ProviderError({
    provider,
    message: error.message ?? 'the stream reported an error',
    upstreamStatus,
    status: 502,
    isRetryable: typeof error.code === 'number' ? isRetryableStatus(error.code) : true,
    retryAfterMs: retryDelayFromBody(body),
    type: error.status ?? null,
    body,
    requestId,
  });
}

/** Characters a message produced: its text and its tool calls' names and arguments. */
function outputChars(message: ChatCompletion['choices'][number]['message']): number {
  let n = message.content?.length ?? 0;
  for (const call of message.tool_calls ?? []) n += call.function.name.length + call.function.arguments.length;
  return n;
}
