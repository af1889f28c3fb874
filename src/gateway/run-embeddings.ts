import { toConfigIssues } from '../errors/format-issues.js';
import { assertNesting } from './request-depth.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { GatewayClosedError } from '../errors/runtime-errors.js';
import type { EmbeddingRequestBody } from '../usage/chat-types.js';
import { CallLifecycle } from './call-lifecycle.js';
import { externalIntegrationError } from '../providers/external/external-provider.js';
import { answerInfo, callAttributes, enterTarget } from './call-entry.js';
import { embeddingsRequestSchema } from './embeddings-request-schema.js';
import type { GatewayState } from './gateway-state.js';
import { callEmbeddings, providerStepOptions } from './provider-step.js';
import { resolveTarget } from './resolve-target.js';
import type { ChatOptions, EmbeddingsRequest, GatewayEmbeddingResponse } from './types.js';
import type { RequestSummarySource } from './usage-record.js';

const GATEWAY_FIELDS = new Set(['workspace', 'key', 'metadata', 'model']);

/**
 * Embeddings through the gateway: the same provisioning, limits (input tokens against token and
 * cost limits, requests against request limits), retries and usage event as chat. Middleware is
 * for chat and does not run here.
 */
export async function runEmbeddings(state: GatewayState, input: unknown, options: ChatOptions = {}): Promise<GatewayEmbeddingResponse> {
  const call = new CallLifecycle(state, 'embeddings', input, options);
  const record = call.record;
  const host = { signal: options.signal, retries: 0, warn: (message: string) => call.warn(message), timing: record };
  try {
    if (state.closed) throw new GatewayClosedError();
    assertNesting(input);
    const parsed = embeddingsRequestSchema.safeParse(input);
    if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error));
    const data = parsed.data;
    record.body = data as RequestSummarySource;
    if (data.metadata) record.metadata = data.metadata;
    const replaying = state.policyLog.ready();
    if (replaying) await replaying;
    const policy = state.policy;
    const target = resolveTarget(data, policy, call.record.startedAt);
    const info = enterTarget(target, record);
    if (target.integration.provider === 'external') throw externalIntegrationError(target.integration.slug);
    const integration = target.integration;
    const adapter = state.adapters.get(integration.slug)!;
    if (!adapter.embed) {
      throw new RequestValidationError([{ path: 'model', message: `integration '${integration.slug}' (provider ${integration.provider}) has no embeddings` }]);
    }
    const body: Record<string, unknown> = { model: target.model };
    for (const name in data) if (!GATEWAY_FIELDS.has(name)) body[name] = (data as Record<string, unknown>)[name];

    const admitting = call.admit(state.limiter.admitEmbeddings(record.requestId, policy, target, data.input, callAttributes(state, target, data, record.metadata), record));
    if (admitting) await admitting;
    const result = await callEmbeddings(host, body as EmbeddingRequestBody, providerStepOptions(state, integration));
    record.retries = host.retries;
    const cost = call.finish({ usage: result.usage, providerRequestId: result.providerRequestId, servedModel: result.response.model });
    const response = { ...result.response } as GatewayEmbeddingResponse;
    response.gateway = answerInfo(info, record, result.providerRequestId, result.usage, cost);
    return response;
  } catch (error) {
    record.retries = host.retries;
    call.finish({ error });
    throw error;
  }
}

export type { EmbeddingsRequest };
