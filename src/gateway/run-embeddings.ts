import { RequestValidationError } from '../errors/request-validation-error.js';
import type { EmbeddingRequestBody } from '../usage/chat-types.js';
import { CallLifecycle, providerBody } from './call-lifecycle.js';
import { callEmbeddings } from './call-provider.js';
import { embeddingsRequestParser } from './embeddings-request-schema.js';
import type { GatewayState } from './gateway-state.js';
import { resolveTarget } from './resolve-target.js';
import type { ChatOptions, EmbeddingsRequest, GatewayEmbeddingResponse } from './types.js';

/**
 * Embeddings through the gateway: the same provisioning, limits (input tokens against token and
 * cost limits, requests against request limits), retries and usage event as chat. Middleware is
 * for chat and does not run here.
 */
export async function runEmbeddings(state: GatewayState, input: unknown, options: ChatOptions = {}): Promise<GatewayEmbeddingResponse> {
  const call = new CallLifecycle(state, 'embeddings', input, options);
  try {
    const data = call.begin(embeddingsRequestParser);
    let policy = call.ready();
    if (policy instanceof Promise) policy = await policy;
    const target = resolveTarget(data, policy, call.record.startedAt);
    call.enter(target);
    const provider = call.provider();
    if (!provider.adapter.embed) {
      throw new RequestValidationError([{ path: 'model', message: `integration '${target.integration.slug}' (provider ${target.integration.provider}) has no embeddings` }]);
    }
    const admitting = call.admitEmbeddings(data.input);
    if (admitting instanceof Promise) await admitting;
    const result = await callEmbeddings(call, providerBody<EmbeddingRequestBody>(data, target.model), provider);
    const cost = call.finish({ usage: result.usage, providerRequestId: result.providerRequestId, servedModel: result.response.model });
    const response = { ...result.response } as GatewayEmbeddingResponse;
    response.gateway = call.answerInfo(result.providerRequestId, result.usage, cost);
    return response;
  } catch (error) {
    throw call.fail(error);
  }
}

export type { EmbeddingsRequest };
