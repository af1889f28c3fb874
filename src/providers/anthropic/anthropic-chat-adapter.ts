import type { ProviderResponse } from '../transport/provider-transport.js';
import { estimateUsage } from '../../usage/estimate-tokens.js';
import { completionOutputChars, toCompletionUsage } from '../shared/completion-usage.js';
import { providerFetch } from '../shared/provider-fetch.js';
import { providerStream } from '../shared/provider-stream.js';
import { parseEventJson, readJsonBody } from '../shared/read-json.js';
import { readSse } from '../shared/read-sse.js';
import { firstIssue, malformedResponse, streamEndedEarly, streamFailure, type ResponseContext } from '../shared/response-errors.js';
import type { ChatAdapter, ProviderCall, ProviderResult, ProviderStream, StreamPart } from '../spec.js';
import { anthropicMessageParser, type AnthropicRequestBody } from './anthropic-api.js';
import { AnthropicStreamTranslator, MalformedEventError } from './anthropic-stream-translator.js';
import { convertAnthropicResponse } from './convert-anthropic-response.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
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
      transport: call.transport,
      url: options.url,
      headers: { ...options.headers(call.credentials), 'content-type': 'application/json', accept },
      body,
      signal: call.signal,
      readErrorBody: readAnthropicError,
      requestIdHeader: REQUEST_ID,
    });

  const answerOf = (response: ProviderResponse): ResponseContext => ({ provider, status: response.status, requestId: response.headers.get(REQUEST_ID) });

  return {
    provider,

    async chat(call: ProviderCall): Promise<ProviderResult> {
      const { body, jsonTool } = convertToAnthropicRequest(call.body, { stream: false, defaultMaxTokens: options.defaultMaxTokens, warn: (m) => call.warn(m) });
      const response = await send(call, body, 'application/json');
      const ctx = answerOf(response);
      const parsed = anthropicMessageParser.safeParse(await readJsonBody(response, call.signal, ctx));
      if (!parsed.success) throw malformedResponse(ctx, `the response is not a message (${firstIssue(parsed.error)})`);
      const message = parsed.data;
      const completion = convertAnthropicResponse(message, { jsonTool, created: Math.floor(Date.now() / 1000), warn: (m) => call.warn(m) });
      const usage = message.usage ? convertAnthropicUsage(message.usage) : estimateUsage(call.body, completionOutputChars(completion));
      completion.usage = toCompletionUsage(usage);
      return {
        completion,
        usage,
        finishReason: mapAnthropicStopReason(message.stop_reason, jsonTool !== null),
        providerRequestId: ctx.requestId,
      };
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const { body, jsonTool } = convertToAnthropicRequest(call.body, { stream: true, defaultMaxTokens: options.defaultMaxTokens, warn: (m) => call.warn(m) });
      const response = await send(call, body, 'text/event-stream');
      const ctx = answerOf(response);
      const translator = new AnthropicStreamTranslator({
        created: Math.floor(Date.now() / 1000),
        includeUsage: call.body.stream_options?.include_usage === true,
        jsonTool,
        warn: (m) => call.warn(m),
      });
      // After message_stop the stream is over: the rest of the body is read to keep the connection.
      const events = readSse(response, call.signal, () => translator.done);

      async function* parts(): AsyncGenerator<StreamPart> {
        try {
          for await (const event of events) {
            const json = parseEventJson(event.data, ctx);
            if (json === null || typeof json !== 'object') throw malformedResponse(ctx, 'a stream event is not an object');
            const data = json as { type?: unknown };
            if (event.event === 'error' || data.type === 'error') throw streamErrorFrame(provider, json, ctx.status, ctx.requestId);
            let chunks;
            try {
              chunks = translator.push(data);
            } catch (error) {
              if (error instanceof MalformedEventError) throw malformedResponse(ctx, error.message);
              throw error;
            }
            // The input is known from message_start: reported now, a cut stream is charged it exactly.
            if (data.type === 'message_start' && translator.usage) yield { type: 'usage', usage: translator.usage };
            for (const chunk of chunks) yield { type: 'chunk', chunk };
            if (translator.done) break;
          }
        } catch (error) {
          throw streamFailure(ctx, error, call.signal);
        }
        if (!translator.done) throw streamEndedEarly(ctx, 'no message_stop event');
        yield { type: 'finish', usage: translator.usage, finishReason: translator.finishReason };
      }

      return providerStream(parts(), ctx.requestId);
    },
  };
}

