import { RequestValidationError } from '../errors/request-validation-error.js';
import { assertNesting } from './request-depth.js';
import { responseOf, responsesEventsOf } from '../responses/chat-as-response.js';
import { translateResponsesRequest } from '../responses/translate-request.js';
import type { ResponsesEvent, ResponsesRequestBody } from '../usage/responses-types.js';
import type { ChatRequestBody } from '../usage/chat-types.js';
import { CallLifecycle, providerBody } from './call-lifecycle.js';
import { chatRequestParser } from './chat-request-schema.js';
import type { GatewayState } from './gateway-state.js';
import { meterStream, type ChunkMeasure } from './metered-stream.js';
import { callResponses } from './call-provider.js';
import { resolveTarget } from './resolve-target.js';
import { runChat } from './run-chat.js';
import type { ChatOptions, ChatRequest, GatewayChatCompletion, GatewayStream, GatewayResponse, GatewayResponsesStream } from './types.js';

/**
 * The Responses API through the gateway. Where the target's provider serves it (OpenAI, Azure
 * OpenAI) and no user middleware is installed, the body is passed through and the provider's
 * own response or events come back; elsewhere the request is translated to a chat call and its
 * answer back. Either way the call is validated, provisioned, admitted as the chat call it
 * amounts to, and metered with one usage event. With middleware installed, calls are translated,
 * so that the middleware sees every call, as a chat request.
 */
export async function runResponses(state: GatewayState, input: unknown, options: ChatOptions = {}): Promise<GatewayResponse | GatewayResponsesStream> {
  if (!passesThrough(state, input)) return translated(state, input, options);
  const call = new CallLifecycle(state, 'chat', input, options);
  const record = call.record;
  try {
    const source = input as Record<string, unknown>;
    // Every field of it goes upstream as it is, those chat does not know included. The chat call
    // it amounts to is what is validated, admitted and estimated (reasoning items count as
    // input here, as they do upstream).
    assertNesting(source);
    const chat = asChat(source, 'count');
    const data = call.begin(chatRequestParser, chat.request);
    let policy = call.ready();
    if (policy instanceof Promise) policy = await policy;
    const target = resolveTarget({ model: data.model, workspace: data.workspace, key: data.key }, policy, record.startedAt);
    call.enter(target);
    const provider = call.provider();
    const estimate = providerBody<ChatRequestBody>(data, target.model);
    let cap = call.admit(estimate);
    if (cap instanceof Promise) cap = await cap;
    const body = providerBody<ResponsesRequestBody>(source, target.model, true);
    // The output limit reserved goes upstream (reasoning included), so the answer cannot cost more than the reservation.
    if (cap !== null) body.max_output_tokens = cap;

    if (!chat.stream) {
      const result = await callResponses(call, body, provider, false);
      const cost = call.finish({
        usage: result.usage,
        finishReason: result.finishReason,
        providerRequestId: result.providerRequestId,
        servedModel: result.response.model,
        toolCallCount: result.response.output.filter((item) => (item as { type?: unknown }).type === 'function_call').length,
      });
      const response = { ...result.response } as GatewayResponse;
      response.gateway = call.answerInfo(result.providerRequestId, result.usage, cost);
      return response;
    }

    const opened = await callResponses(call, body, provider, true);
    const providerRequestId = opened.providerRequestId;
    const events = meterStream(
      opened.parts,
      estimate,
      record.t0,
      (end) => {
        end.providerRequestId = providerRequestId;
        call.finish(end);
      },
      { signal: options.signal, idleTimeoutMs: state.streamIdleTimeoutMs, warn: (message) => call.warn(message) },
      measureResponsesEvent,
    ) as GatewayResponsesStream & { gateway: GatewayResponsesStream['gateway'] };
    events.gateway = call.streamInfo(providerRequestId);
    return events;
  } catch (error) {
    throw call.fail(error);
  }
}

/** Whether the request goes through as it is: its target resolves to an adapter that serves the Responses API. */
function passesThrough(state: GatewayState, input: unknown): boolean {
  if (state.middlewares.length > 0 || typeof input !== 'object' || input === null) return false;
  const { model, workspace, key } = input as { model?: unknown; workspace?: unknown; key?: unknown };
  if (typeof model !== 'string' || (workspace !== undefined && typeof workspace !== 'string') || (key !== undefined && typeof key !== 'string')) return false;
  try {
    const target = resolveTarget({ model, workspace, key } as ChatRequest, state.policy, state.clock());
    return target.integration.provider !== 'external' && state.adapters.get(target.integration.slug)?.responses !== undefined;
  } catch {
    // Not resolvable: the translated path refuses it, with its usage event.
    return false;
  }
}

/** The Responses request as a chat request, with the gateway's fields. */
function asChat(source: Record<string, unknown>, reasoning: 'drop' | 'count') {
  if (source.fallbacks !== undefined) throw new RequestValidationError([{ path: 'fallbacks', message: 'Responses calls take one model: fallbacks are served by gateway.chat' }]);
  const translation = translateResponsesRequest(source, reasoning);
  const request = translation.chat;
  if (source.workspace !== undefined) request.workspace = source.workspace;
  if (source.key !== undefined) request.key = source.key;
  return { request, stream: translation.stream, echo: translation.echo };
}

/** Served by chat: the request translated, the completion or chunks translated back. */
async function translated(state: GatewayState, input: unknown, options: ChatOptions): Promise<GatewayResponse | GatewayResponsesStream> {
  let chat: ReturnType<typeof asChat>;
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RequestValidationError([{ path: '', message: 'the request must be an object' }]);
    assertNesting(input);
    chat = asChat(input as Record<string, unknown>, 'drop');
  } catch (error) {
    // Refused before it became a chat call: its usage event is still sent.
    throw new CallLifecycle(state, 'chat', input, options).fail(error);
  }
  if (chat.stream) {
    const stream = (await runChat(state, chat.request, options)) as GatewayStream;
    const events = responsesEventsOf(stream, stream.gateway.requestId, chat.echo) as AsyncIterableIterator<ResponsesEvent> & { gateway: GatewayResponsesStream['gateway'] };
    events.gateway = stream.gateway;
    return events;
  }
  const { gateway, ...completion } = (await runChat(state, chat.request, options)) as GatewayChatCompletion;
  const response = responseOf(completion, gateway.requestId, chat.echo) as GatewayResponse;
  response.gateway = gateway;
  return response;
}

/** Responses events: the model from `response.created`, the output from every text and argument delta, function calls as items. */
const measureResponsesEvent: ChunkMeasure<ResponsesEvent> = (event, tally) => {
  const type = event.type;
  if (type === 'response.created') tally.servedModel ??= (event.response as { model?: string } | undefined)?.model ?? null;
  else if (typeof event.delta === 'string' && type.endsWith('.delta')) tally.outputChars += event.delta.length;
  else if (type === 'response.output_item.added' && (event.item as { type?: unknown } | undefined)?.type === 'function_call') tally.toolCallCount++;
};
