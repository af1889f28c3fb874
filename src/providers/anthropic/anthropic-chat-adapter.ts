import { ProviderError } from '../../errors/provider-error.js';
import { estimateUsage } from '../../limits/estimate-tokens.js';
import type { ChatCompletion } from '../chat-types.js';
import { networkError, providerFetch } from '../shared/provider-fetch.js';
import { readSse } from '../shared/read-sse.js';
import type { ChatAdapter, ProviderCall, ProviderResult, ProviderStream, StreamPart } from '../spec.js';
import { anthropicMessageSchema, type AnthropicRequestBody } from './anthropic-api.js';
import { AnthropicStreamTranslator, MalformedEventError } from './anthropic-stream-translator.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertAnthropicUsage, toCompletionUsage } from './convert-anthropic-usage.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import { readAnthropicError, streamErrorFrame } from './read-anthropic-error.js';

export interface AnthropicChatAdapterOptions {
  /** Name reported in errors and events. */
  provider: string;
  /** The Messages endpoint (`{root}/v1/messages`). */
  url: string;
  /** Request headers, including `x-api-key` and `anthropic-version`, from the resolved credentials. */
  headers: (credentials: Readonly<Record<string, string>>) => Record<string, string>;
  /** `max_tokens` when the request sets none (Anthropic requires it). */
  defaultMaxTokens: number;
}

/** Anthropic's request id header (`request-id: req_...`). */
const REQUEST_ID = 'request-id';

/**
 * The Messages API adapter: OpenAI-shaped requests translated to Anthropic's format and the
 * answers translated back, including streams, with the same edge handling as the OpenAI adapter
 * (malformed answers, error events inside a 200 stream, cut streams).
 */
export function createAnthropicChatAdapter(options: AnthropicChatAdapterOptions): ChatAdapter {
  const { provider } = options;

  const send = (call: ProviderCall, body: AnthropicRequestBody, accept: string) =>
    providerFetch({
      provider,
      fetch: call.fetch,
      url: options.url,
      headers: { ...options.headers(call.credentials), 'content-type': 'application/json', accept },
      body,
      signal: call.signal,
      readErrorBody: readAnthropicError,
      requestIdHeader: REQUEST_ID,
    });

  return {
    provider,

    async chat(call: ProviderCall): Promise<ProviderResult> {
      const { body, jsonTool } = convertToAnthropicRequest(call.body, { stream: false, defaultMaxTokens: options.defaultMaxTokens, warn: (m) => call.warn(m) });
      const response = await send(call, body, 'application/json');
      const requestId = response.headers.get(REQUEST_ID);
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        if (call.signal.aborted) throw call.signal.reason;
        throw networkError(provider, error);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw malformed(provider, 'the response body is not JSON', requestId, response.status);
      }
      const parsed = anthropicMessageSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw malformed(provider, `the response is not a message (${issue?.message ?? 'invalid'} at ${issue?.path.join('.') ?? ''})`, requestId, response.status);
      }
      const message = parsed.data;
      const completion = convertAnthropicResponse(message, { jsonTool, created: Math.floor(Date.now() / 1000), warn: (m) => call.warn(m) });
      const usage = message.usage ? convertAnthropicUsage(message.usage) : estimateUsage(call.body, outputChars(completion));
      completion.usage = toCompletionUsage(usage);
      return {
        completion,
        usage,
        finishReason: mapAnthropicStopReason(message.stop_reason, jsonTool !== null),
        providerRequestId: requestId,
      };
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const { body, jsonTool } = convertToAnthropicRequest(call.body, { stream: true, defaultMaxTokens: options.defaultMaxTokens, warn: (m) => call.warn(m) });
      const response = await send(call, body, 'text/event-stream');
      const requestId = response.headers.get(REQUEST_ID);
      if (!response.body) throw malformed(provider, 'the stream has no body', requestId, response.status);
      const events = readSse(response.body, call.signal);
      const translator = new AnthropicStreamTranslator({
        created: Math.floor(Date.now() / 1000),
        includeUsage: call.body.stream_options?.include_usage === true,
        jsonTool,
        warn: (m) => call.warn(m),
      });

      async function* parts(): AsyncGenerator<StreamPart> {
        try {
          for await (const event of events) {
            let json: unknown;
            try {
              json = JSON.parse(event.data);
            } catch {
              throw malformed(provider, 'a stream event is not JSON', requestId, response.status);
            }
            if (json === null || typeof json !== 'object') throw malformed(provider, 'a stream event is not an object', requestId, response.status);
            const data = json as { type?: unknown };
            if (event.event === 'error' || data.type === 'error') throw streamErrorFrame(provider, json, response.status, requestId);
            let chunks;
            try {
              chunks = translator.push(data);
            } catch (error) {
              if (error instanceof MalformedEventError) throw malformed(provider, error.message, requestId, response.status);
              throw error;
            }
            // The input is known from message_start: reported now, a cut stream is charged it exactly.
            if (data.type === 'message_start' && translator.usage) yield { type: 'usage', usage: translator.usage };
            for (const chunk of chunks) yield { type: 'chunk', chunk };
            if (translator.done) break;
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
        if (!translator.done) {
          throw new ProviderError({
            provider,
            message: 'the stream ended before completion (no message_stop event)',
            upstreamStatus: response.status,
            status: 502,
            isRetryable: true,
            requestId,
          });
        }
        yield { type: 'finish', usage: translator.usage, finishReason: translator.finishReason };
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
    // Anthropic did the work (and may bill for it): asking again could double the cost.
    isRetryable: false,
    requestId,
  });
}

/** Characters a completion produced: its text and its tool calls' names and arguments. */
function outputChars(completion: ChatCompletion): number {
  const message = completion.choices[0]!.message;
  let n = message.content?.length ?? 0;
  for (const call of message.tool_calls ?? []) n += call.function.name.length + call.function.arguments.length;
  return n;
}
