import { ProviderError } from '../../errors/provider-error.js';
import { estimateEmbeddingTokens, estimateUsage } from '../../limits/estimate-tokens.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody, FinishReason } from '../chat-types.js';
import { networkError, providerFetch } from '../shared/provider-fetch.js';
import { readSse } from '../shared/read-sse.js';
import type { ChatAdapter, EmbeddingCall, EmbeddingResult, ProviderCall, ProviderResult, ProviderStream, StreamPart, Usage } from '../spec.js';
import { openaiChatCompletionSchema, openaiChunkSchema, openaiEmbeddingsSchema, openaiErrorBodySchema } from './openai-api.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
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
   * Whether the server takes `stream_options.include_usage` (OpenAI, Azure, vLLM do; some
   * OpenAI-compatible servers reject it). Without it streamed usage is estimated. Default true.
   */
  streamUsage?: boolean;
}

/**
 * The Chat Completions adapter. OpenAI's format is the gateway's own, so the body passes through
 * and the work is in the edges: usage (forced on in streams, so metering never depends on the
 * caller), error bodies, malformed answers, error frames and cut streams.
 */
export function createOpenAIChatAdapter(options: OpenAIChatAdapterOptions): ChatAdapter {
  const { provider } = options;

  const send = (call: ProviderCall | EmbeddingCall, body: unknown, accept: string, url: string) =>
    providerFetch({
      provider,
      fetch: call.fetch,
      url,
      headers: { ...options.headers(call.credentials), 'content-type': 'application/json', accept },
      body,
      signal: call.signal,
      readErrorBody: readOpenAIError,
    });

  return {
    provider,

    async chat(call: ProviderCall): Promise<ProviderResult> {
      const body = { ...call.body, stream: false };
      delete body.stream_options;
      const response = await send(call, body, 'application/json', options.url(call.body.model));
      const requestId = response.headers.get('x-request-id');
      const json = await readJson(response, call, provider, requestId);
      const parsed = openaiChatCompletionSchema.safeParse(json);
      if (!parsed.success) {
        throw malformed(provider, `the response is not a chat completion (${parsed.error.issues[0]?.message ?? 'invalid'} at ${parsed.error.issues[0]?.path.join('.') ?? ''})`, requestId, response.status);
      }
      const completion = parsed.data as unknown as ChatCompletion;
      const usage = parsed.data.usage
        ? convertOpenAIUsage(parsed.data.usage)
        : estimateUsage(call.body, completion.choices.reduce((n, c) => n + outputChars(c.message), 0));
      return {
        completion,
        usage,
        finishReason: mapOpenAIFinishReason(completion.choices[0]?.finish_reason),
        providerRequestId: requestId,
      };
    },

    async embed(call: EmbeddingCall): Promise<EmbeddingResult> {
      const response = await send(call, call.body, 'application/json', options.embeddingsUrl(call.body.model));
      const requestId = response.headers.get('x-request-id');
      const json = await readJson(response, call, provider, requestId);
      const parsed = openaiEmbeddingsSchema.safeParse(json);
      if (!parsed.success) throw malformed(provider, 'the response is not an embeddings list', requestId, response.status);
      const reported = parsed.data.usage?.prompt_tokens;
      const inputTokens = reported ?? estimateEmbeddingTokens(call.body.input, false);
      const usage: Usage = { ...ZERO_OUTPUT, inputTokens, totalTokens: inputTokens, estimated: reported === undefined, raw: parsed.data.usage ?? null };
      return { response: parsed.data as unknown as EmbeddingResult['response'], usage, providerRequestId: requestId };
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const callerWantsUsage = call.body.stream_options?.include_usage === true;
      const streamUsage = options.streamUsage ?? true;
      const body: ChatRequestBody = streamUsage
        ? { ...call.body, stream: true, stream_options: { ...call.body.stream_options, include_usage: true } }
        : { ...call.body, stream: true };
      if (!streamUsage && callerWantsUsage) {
        delete body.stream_options;
        call.warn(`${provider}: stream_options.include_usage is not sent to this server (streamUsage: false); streamed usage is estimated`);
      }
      const response = await send(call, body, 'text/event-stream', options.url(call.body.model));
      const requestId = response.headers.get('x-request-id');
      if (!response.body) throw malformed(provider, 'the stream has no body', requestId, response.status);
      const events = readSse(response.body, call.signal);

      async function* parts(): AsyncGenerator<StreamPart> {
        let usage: Usage | null = null;
        let finishReason: FinishReason | null = null;
        let done = false;
        try {
          for await (const event of events) {
            if (event.data === '[DONE]') {
              done = true;
              break;
            }
            let json: unknown;
            try {
              json = JSON.parse(event.data);
            } catch {
              throw malformed(provider, 'a stream event is not JSON', requestId, response.status);
            }
            const errorFrame = openaiErrorBodySchema.safeParse(json);
            if (event.event === 'error' || errorFrame.success) {
              const e = errorFrame.success ? errorFrame.data.error : undefined;
              throw new ProviderError({
                provider,
                message: e?.message ?? 'the stream reported an error',
                upstreamStatus: response.status,
                status: 502,
                isRetryable: true,
                type: (typeof e?.code === 'string' ? e.code : null) ?? e?.type ?? null,
                body: json,
                requestId,
              });
            }
            const parsed = openaiChunkSchema.safeParse(json);
            if (!parsed.success) throw malformed(provider, 'a stream event is not a chat completion chunk', requestId, response.status);
            const chunk = parsed.data as unknown as ChatCompletionChunk;
            if (parsed.data.usage) usage = convertOpenAIUsage(parsed.data.usage);
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
          if (call.signal.aborted) throw call.signal.reason;
          if (error instanceof ProviderError) throw error;
          throw new ProviderError({
            provider,
            message: `the stream was interrupted: ${error instanceof Error ? error.message : String(error)}`,
            upstreamStatus: response.status,
            status: 502,
            isRetryable: true,
            requestId,
            cause: error,
          });
        }
        // Servers that skip `[DONE]` still end cleanly with a finish reason and usage.
        if (!done && (finishReason === null || usage === null)) {
          throw new ProviderError({
            provider,
            message: 'the stream ended before completion',
            upstreamStatus: response.status,
            status: 502,
            isRetryable: true,
            requestId,
          });
        }
        yield { type: 'finish', usage, finishReason };
      }

      const stream = parts() as AsyncGenerator<StreamPart> & { providerRequestId: string | null };
      stream.providerRequestId = requestId;
      return stream;
    },
  };
}

function malformed(provider: string, message: string, requestId: string | null, status: number): ProviderError {
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

/** Characters a message produced: its text and its tool calls' names and arguments. */
function outputChars(message: ChatCompletion['choices'][number]['message']): number {
  let n = message.content?.length ?? 0;
  for (const call of message.tool_calls ?? []) n += call.function.name.length + call.function.arguments.length;
  return n;
}

/** The body of a 2xx answer as JSON; a network failure while reading is retryable, bad JSON is not. */
async function readJson(response: Response, call: { signal: AbortSignal }, provider: string, requestId: string | null): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason;
    throw networkError(provider, error);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(provider, 'the response body is not JSON', requestId, response.status);
  }
}

const ZERO_OUTPUT = { outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } as const;
