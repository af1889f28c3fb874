import type { ProviderResponse } from '../transport/provider-transport.js';
import { redactProviderError } from '../../secrets/redact-secrets.js';
import { ProviderError } from '../../errors/provider-error.js';
import { estimateUsage } from '../../usage/estimate-tokens.js';
import { completionOutputChars } from '../shared/completion-usage.js';
import { isRetryableStatus } from '../shared/is-retryable-status.js';
import { providerStream } from '../shared/provider-stream.js';
import { parseEventJson, readJsonBody } from '../shared/read-json.js';
import { readSse } from '../shared/read-sse.js';
import { firstIssue, malformedResponse, streamEndedEarly, streamFailure, type ResponseContext } from '../shared/response-errors.js';
import type { ChatAdapter, EmbeddingCall, EmbeddingResult, ProviderCall, ProviderResult, ProviderStream, StreamPart } from '../spec.js';
import { convertGeminiResponse } from './convert-gemini-response.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { convertToGeminiRequest } from './convert-to-gemini-request.js';
import { geminiErrorBodySchema, geminiResponseParser } from './gemini-api.js';
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

  const answerOf = (response: ProviderResponse): ResponseContext => ({ provider, status: response.status, requestId: response.headers.get(REQUEST_ID_HEADER) });

  const adapter: ChatAdapter = {
    provider,

    async chat(call: ProviderCall): Promise<ProviderResult> {
      const warn = (message: string) => call.warn(message);
      const request = convertToGeminiRequest(call.body, warn);
      const { response } = await postGemini(transport, call, call.body.model, 'generateContent', request, 'application/json');
      const ctx = answerOf(response);
      const parsed = geminiResponseParser.safeParse(await readJsonBody(response, call.signal, ctx));
      if (!parsed.success) throw malformedResponse(ctx, `the response is not a GenerateContentResponse (${firstIssue(parsed.error)})`);
      const data = parsed.data;
      const requestId = data.responseId || ctx.requestId;
      if (!data.candidates?.length && !data.promptFeedback?.blockReason) {
        throw malformedResponse({ ...ctx, requestId }, 'the response has neither candidates nor a prompt block reason');
      }
      const reported = data.usageMetadata ? convertGeminiUsage(data.usageMetadata) : null;
      const { completion, finishReason } = convertGeminiResponse(data, call.body.model, reported, warn);
      const usage = reported ?? estimateUsage(call.body, completionOutputChars(completion));
      return { completion, usage, finishReason, providerRequestId: requestId };
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const warn = (message: string) => call.warn(message);
      const request = convertToGeminiRequest(call.body, warn);
      const { response, secrets } = await postGemini(transport, call, call.body.model, 'streamGenerateContent', request, 'text/event-stream');
      // The request id becomes Gemini's responseId once the first event names it.
      const ctx = answerOf(response);
      const events = readSse(response, call.signal);
      const converter = new GeminiChunkConverter({ model: call.body.model, includeUsage: call.body.stream_options?.include_usage === true, warn });

      async function* parts(): AsyncGenerator<StreamPart> {
        try {
          for await (const event of events) {
            const json = parseEventJson(event.data, ctx);
            const frame = geminiErrorBodySchema.safeParse(json);
            if (frame.success) throw errorFrame(provider, frame.data.error, json, ctx.status, ctx.requestId);
            const parsed = geminiResponseParser.safeParse(json);
            if (!parsed.success) throw malformedResponse(ctx, 'a stream event is not a GenerateContentResponse');
            const chunks = converter.convert(parsed.data);
            if (converter.responseId) stream.providerRequestId = ctx.requestId = converter.responseId;
            // Every event carries the usage so far: reported, a cut stream is charged its exact prompt.
            if (parsed.data.usageMetadata && converter.usage) yield { type: 'usage', usage: converter.usage };
            for (const chunk of chunks) yield { type: 'chunk', chunk };
          }
        } catch (error) {
          const failure = streamFailure(ctx, error, call.signal);
          throw ProviderError.isInstance(failure) ? redactProviderError(failure, secrets) : failure;
        }
        // Gemini ends a stream by closing it after the event with the finish reason: without one, it was cut.
        if (!converter.complete) throw streamEndedEarly(ctx);
        const usageChunk = converter.usageChunk();
        if (usageChunk) yield { type: 'chunk', chunk: usageChunk };
        yield { type: 'finish', usage: converter.usage, finishReason: converter.finishReason };
      }

      const stream = providerStream(parts(), ctx.requestId);
      return stream;
    },
  };
  const embed = options.embed;
  if (embed) adapter.embed = (call) => embed(transport, call);
  return adapter;
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
