import type { ProviderResponse } from '../transport/provider-transport.js';
import { ProviderError } from '../../errors/provider-error.js';
import { estimateEmbeddingTokens, estimateUsage } from '../../usage/estimate-tokens.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody, FinishReason } from '../../usage/chat-types.js';
import { completionOutputChars } from '../shared/completion-usage.js';
import { embeddingUsage } from '../shared/embedding-result.js';
import { providerFetch } from '../shared/provider-fetch.js';
import { providerStream } from '../shared/provider-stream.js';
import { parseEventJson, readJsonBody } from '../shared/read-json.js';
import { readSse } from '../shared/read-sse.js';
import { firstIssue, malformedResponse, streamEndedEarly, streamFailure, type ResponseContext } from '../shared/response-errors.js';
import type { ChatAdapter, EmbeddingCall, EmbeddingResult, ProviderCall, ProviderResult, ProviderStream, StreamPart } from '../spec.js';
import type { Usage } from '../../usage/usage.js';
import { openaiChatCompletionParser, openaiChunkParser, openaiEmbeddingsParser, openaiErrorBodySchema, openaiUsageParser, type OpenAIUsage } from './openai-api.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { createOpenAIResponses } from './openai-responses.js';
import { readOpenAIError } from './read-openai-error.js';

export interface OpenAIChatAdapterOptions {
  /** Name reported in errors and events (`openai`, `azure-openai`, `openai-compatible`). */
  provider: string;
  /** URL of the chat completions endpoint for a model. */
  url: (model: string) => string;
  /** URL of the embeddings endpoint for a model. */
  embeddingsUrl: (model: string) => string;
  /** Request headers, including authentication, from the resolved credentials. */
  headers: (credentials: Readonly<Record<string, string>>) => Record<string, string>;
  /**
   * How the server reports a stream's usage: `ask` (default) it sends it when asked with
   * `stream_options.include_usage` (OpenAI, Azure, vLLM...); `sent` it sends it unasked (in its
   * last chunk or every one) and rejects or ignores the option (Mistral), which is then not
   * sent; `none` it does not report it (or rejects the option): streamed usage is estimated.
   */
  streamUsage?: 'ask' | 'sent' | 'none';
  /** The vendor's usage object as normalized usage (OpenAI's reading by default). */
  convertUsage?: (usage: OpenAIUsage) => Usage;
  /** Where an answer or chunk carries its usage, when not (only) in `usage` (Groq: `x_groq.usage`). */
  usageOf?: (body: Record<string, unknown>) => unknown;
  /**
   * Send the output limit as `max_tokens` rather than `max_completion_tokens` (OpenAI's current
   * name, which it needs for reasoning models): for OpenAI-compatible servers, many of which know
   * only the older name and would ignore the newer one, leaving the answer unbounded.
   */
  legacyMaxTokens?: boolean;
  /** URL of the Responses API, for servers that have it (OpenAI, Azure): it is then passed through. */
  responsesUrl?: string;
  /** The Responses body's `model` for a model id (Azure: its deployment). */
  responsesModel?: (model: string) => string;
}

/**
 * The Chat Completions adapter. OpenAI's format is the gateway's own, so the body passes through
 * and the work is in the edges: usage (forced on in streams, so metering never depends on the
 * caller), error bodies, malformed answers, error frames and cut streams.
 */
export function createOpenAIChatAdapter(options: OpenAIChatAdapterOptions): ChatAdapter {
  const { provider } = options;

  const send = (call: ProviderCall | EmbeddingCall, body: unknown, accept: string, url: string) => {
    if (options.legacyMaxTokens) renameOutputLimit(body as ChatRequestBody);
    return providerFetch({
      provider,
      transport: call.transport,
      url,
      headers: { ...options.headers(call.credentials), 'content-type': 'application/json', accept },
      body,
      signal: call.signal,
      readErrorBody: readOpenAIError,
    });
  };

  const answerOf = (response: ProviderResponse): ResponseContext => ({ provider, status: response.status, requestId: response.headers.get('x-request-id') });
  const convertUsage = options.convertUsage ?? convertOpenAIUsage;
  const usageOf = options.usageOf;
  /** The usage an answer or chunk reports, normalized; null when it reports none. */
  const readUsage = (body: { usage?: OpenAIUsage | null }): Usage | null => {
    if (body.usage) return convertUsage(body.usage);
    if (!usageOf) return null;
    const parsed = openaiUsageParser.safeParse(usageOf(body as Record<string, unknown>));
    return parsed.success ? convertUsage(parsed.data) : null;
  };

  return {
    provider,
    ...(options.responsesUrl ? { responses: createOpenAIResponses({ provider, url: options.responsesUrl, headers: options.headers, ...(options.responsesModel ? { model: options.responsesModel } : {}) }) } : {}),

    async chat(call: ProviderCall): Promise<ProviderResult> {
      const body = { ...call.body, stream: false };
      delete body.stream_options;
      const response = await send(call, body, 'application/json', options.url(call.body.model));
      const ctx = answerOf(response);
      const parsed = openaiChatCompletionParser.safeParse(await readJsonBody(response, call.signal, ctx));
      if (!parsed.success) throw malformedResponse(ctx, `the response is not a chat completion (${firstIssue(parsed.error)})`);
      const completion = parsed.data as unknown as ChatCompletion;
      const usage = readUsage(parsed.data) ?? estimateUsage(call.body, completionOutputChars(completion));
      return {
        completion,
        usage,
        finishReason: mapOpenAIFinishReason(completion.choices[0]?.finish_reason),
        providerRequestId: ctx.requestId,
      };
    },

    async embed(call: EmbeddingCall): Promise<EmbeddingResult> {
      const response = await send(call, call.body, 'application/json', options.embeddingsUrl(call.body.model));
      const ctx = answerOf(response);
      const parsed = openaiEmbeddingsParser.safeParse(await readJsonBody(response, call.signal, ctx));
      if (!parsed.success) throw malformedResponse(ctx, `the response is not an embeddings list (${firstIssue(parsed.error)})`);
      const reported = parsed.data.usage?.prompt_tokens;
      const usage = embeddingUsage({
        inputTokens: reported ?? estimateEmbeddingTokens(call.body.input, false),
        estimated: reported === undefined,
        raw: parsed.data.usage ?? null,
      });
      return { response: parsed.data as unknown as EmbeddingResult['response'], usage, providerRequestId: ctx.requestId };
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const callerWantsUsage = call.body.stream_options?.include_usage === true;
      const streamUsage = options.streamUsage ?? 'ask';
      const body: ChatRequestBody =
        streamUsage === 'ask' ? { ...call.body, stream: true, stream_options: { ...call.body.stream_options, include_usage: true } } : { ...call.body, stream: true };
      if (streamUsage !== 'ask' && body.stream_options) {
        // Not sent to a server that rejects it: it reports usage on its own, or not at all.
        delete body.stream_options;
        if (streamUsage === 'none' && callerWantsUsage) call.warn(`${provider}: stream_options.include_usage is not sent to this server (streamUsage: false); streamed usage is estimated`);
      }
      const response = await send(call, body, 'text/event-stream', options.url(call.body.model));
      const ctx = answerOf(response);
      // `[DONE]` seen: the stream is over, and the rest of the body is read to keep the connection.
      let done = false;
      const events = readSse(response, call.signal, () => done);

      async function* parts(): AsyncGenerator<StreamPart> {
        let usage: Usage | null = null;
        let finishReason: FinishReason | null = null;
        try {
          for await (const event of events) {
            if (event.data === '[DONE]') {
              done = true;
              break;
            }
            const json = parseEventJson(event.data, ctx);
            // An error frame has an `error` member: only such an event is checked as one (a chunk
            // never has it), so that each chunk is validated once.
            const errorFrame = event.event === 'error' || hasErrorMember(json) ? openaiErrorBodySchema.safeParse(json) : null;
            if (event.event === 'error' || errorFrame?.success) {
              const e = errorFrame?.success ? errorFrame.data.error : undefined;
              throw new ProviderError({
                provider,
                message: e?.message ?? 'the stream reported an error',
                upstreamStatus: response.status,
                status: 502,
                isRetryable: true,
                type: (typeof e?.code === 'string' ? e.code : null) ?? e?.type ?? null,
                body: json,
                requestId: ctx.requestId,
              });
            }
            const parsed = openaiChunkParser.safeParse(json);
            if (!parsed.success) throw malformedResponse(ctx, 'a stream event is not a chat completion chunk');
            const chunk = parsed.data as unknown as ChatCompletionChunk;
            usage = readUsage(parsed.data) ?? usage;
            const choices = parsed.data.choices ?? [];
            for (const choice of choices) {
              if (choice.finish_reason && finishReason === null) finishReason = mapOpenAIFinishReason(choice.finish_reason);
            }
            if (choices.length === 0) {
              // The usage-only chunk we asked for: pass it on only if the caller asked for it too.
              // Without usage it is metadata (Azure's prompt filter results): not the caller's.
              if (callerWantsUsage && parsed.data.usage) yield { type: 'chunk', chunk: { ...chunk, choices: [] } };
              continue;
            }
            if (!callerWantsUsage) delete chunk.usage;
            yield { type: 'chunk', chunk };
          }
        } catch (error) {
          throw streamFailure(ctx, error, call.signal);
        }
        // Servers that skip `[DONE]` still end cleanly with a finish reason and usage.
        if (!done && (finishReason === null || usage === null)) throw streamEndedEarly(ctx);
        yield { type: 'finish', usage, finishReason };
      }

      return providerStream(parts(), ctx.requestId);
    },
  };
}

function hasErrorMember(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'error' in json;
}

/** `max_completion_tokens` as `max_tokens`, when the request does not set that already (a body copy: never the caller's). */
function renameOutputLimit(body: ChatRequestBody): void {
  if (body.max_completion_tokens == null) return;
  if (body.max_tokens == null) body.max_tokens = body.max_completion_tokens;
  delete body.max_completion_tokens;
}
