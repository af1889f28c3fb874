import type { ProviderResponse } from '../transport/provider-transport.js';
import type { z } from 'zod';
import { ProviderError } from '../../errors/provider-error.js';
import { estimateTextTokens } from '../../usage/estimate-tokens.js';
import type { FinishReason } from '../../usage/chat-types.js';
import type { ResponseObject, ResponsesEvent } from '../../usage/responses-types.js';
import type { Usage } from '../../usage/usage.js';
import { providerFetch } from '../shared/provider-fetch.js';
import { providerStream } from '../shared/provider-stream.js';
import { parseEventJson, readJsonBody } from '../shared/read-json.js';
import { readSse } from '../shared/read-sse.js';
import { firstIssue, malformedResponse, streamEndedEarly, streamFailure, type ResponseContext } from '../shared/response-errors.js';
import type { ResponsesAdapter, ResponsesCall, ResponsesResult, StreamPart } from '../spec.js';
import { openaiResponseParser, openaiResponsesEventParser, type openaiResponseSchema, type openaiResponsesUsageSchema } from './openai-api.js';
import { readOpenAIError } from './read-openai-error.js';

export interface OpenAIResponsesOptions {
  provider: string;
  /** URL of the Responses endpoint (the model goes in the body, on Azure too). */
  url: string;
  /** The body's `model` for a model id (Azure: its deployment). Default: the id. */
  model?: (model: string) => string;
  headers: (credentials: Readonly<Record<string, string>>) => Record<string, string>;
}

/** The events that end a Responses stream; each carries the final response, usage included. */
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * The Responses API passed through (OpenAI, Azure OpenAI): the body goes as the caller sent it
 * (with the provider's model id and the output limit the gateway reserved), and the answer and
 * events come back unchanged. The work is reading the usage: from the response, or from the last
 * lifecycle event of a stream; error events and cut streams are provider errors.
 */
export function createOpenAIResponses(options: OpenAIResponsesOptions): ResponsesAdapter {
  const { provider } = options;
  // A body of its own (never the caller's), with `stream` as the method needs it.
  const send = (call: ResponsesCall, stream: boolean) =>
    providerFetch({
      provider,
      transport: call.transport,
      url: options.url,
      headers: { ...options.headers(call.credentials), 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' },
      body: { ...call.body, model: options.model ? options.model(call.body.model) : call.body.model, stream },
      signal: call.signal,
      readErrorBody: readOpenAIError,
    });
  const contextOf = (response: ProviderResponse): ResponseContext => ({ provider, status: response.status, requestId: response.headers.get('x-request-id') });

  return {
    async create(call: ResponsesCall): Promise<ResponsesResult> {
      const response = await send(call, false);
      const ctx = contextOf(response);
      const parsed = openaiResponseParser.safeParse(await readJsonBody(response, call.signal, ctx));
      if (!parsed.success) throw malformedResponse(ctx, `the response is not a Responses API response (${firstIssue(parsed.error)})`);
      const answer = parsed.data;
      const usage = answer.usage ? convertResponsesUsage(answer.usage) : estimateResponseUsage(call, answer.output);
      return { response: answer as unknown as ResponseObject, usage, finishReason: finishReasonOf(answer), providerRequestId: ctx.requestId };
    },

    async stream(call: ResponsesCall) {
      const response = await send(call, true);
      const ctx = contextOf(response);
      // `[DONE]` seen: the stream is over, and the rest of the body is read to keep the connection.
      let done = false;
      const events = readSse(response, call.signal, () => done);

      async function* parts(): AsyncGenerator<StreamPart<ResponsesEvent>> {
        let final: z.infer<typeof openaiResponseSchema> | null = null;
        try {
          for await (const message of events) {
            if (message.data === '[DONE]') {
              done = true;
              break;
            }
            const json = parseEventJson(message.data, ctx);
            const parsed = openaiResponsesEventParser.safeParse(json);
            if (!parsed.success) throw malformedResponse(ctx, `a stream event is not a Responses event (${firstIssue(parsed.error)})`);
            const event = parsed.data;
            if (event.type === 'error') {
              const e = json as { code?: unknown; message?: unknown };
              throw new ProviderError({
                provider,
                message: typeof e.message === 'string' ? e.message : 'the stream reported an error',
                upstreamStatus: response.status,
                status: 502,
                isRetryable: true,
                type: typeof e.code === 'string' ? e.code : null,
                body: json,
                requestId: ctx.requestId,
              });
            }
            yield { type: 'chunk', chunk: event as ResponsesEvent };
            if (FINAL_EVENTS.has(event.type) && event.response) {
              final = event.response;
              break;
            }
          }
        } catch (error) {
          throw streamFailure(ctx, error, call.signal);
        }
        if (!final) throw streamEndedEarly(ctx, 'no response.completed event');
        yield { type: 'finish', usage: final.usage ? convertResponsesUsage(final.usage) : null, finishReason: finishReasonOf(final) };
      }

      return providerStream(parts(), ctx.requestId);
    },
  };
}

/** Responses usage in the gateway's shape. */
export function convertResponsesUsage(usage: z.infer<typeof openaiResponsesUsageSchema>): Usage {
  const input = usage.input_tokens;
  const output = usage.output_tokens;
  return {
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: usage.input_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: usage.output_tokens_details?.reasoning_tokens ?? 0,
    totalTokens: usage.total_tokens ?? input + output,
    estimated: false,
    raw: usage,
  };
}

/** A response's end as a chat finish reason: a function call, the output limit, a content filter. */
function finishReasonOf(response: z.infer<typeof openaiResponseSchema>): FinishReason | null {
  if (response.status === 'incomplete') {
    const reason = response.incomplete_details?.reason;
    return reason === 'max_output_tokens' ? 'length' : reason === 'content_filter' ? 'content_filter' : null;
  }
  if (response.status !== 'completed') return null;
  return response.output.some((item) => item.type === 'function_call') ? 'tool_calls' : 'stop';
}

/** Usage of a response that reports none: the input and the output, estimated from their text. */
function estimateResponseUsage(call: ResponsesCall, output: unknown[]): Usage {
  const inputTokens = estimateTextTokens(JSON.stringify(call.body.input ?? '')) + estimateTextTokens(String(call.body.instructions ?? ''));
  const outputTokens = estimateTextTokens(JSON.stringify(output));
  return { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: inputTokens + outputTokens, estimated: true, raw: null };
}
