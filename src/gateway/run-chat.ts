import { randomUUID } from 'node:crypto';
import { toConfigIssues } from '../config/format-issues.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { GatewayClosedError } from '../errors/runtime-errors.js';
import type { ChatRequestBody } from '../providers/chat-types.js';
import { chatRequestSchema } from './chat-request-schema.js';
import { checkAccess } from './check-access.js';
import type { GatewayState } from './gateway-state.js';
import { meterStream } from './metered-stream.js';
import { callProvider } from './provider-step.js';
import { resolveTarget } from './resolve-target.js';
import { runChain } from './run-chain.js';
import type { ChatContext, ChatOptions, GatewayChatCompletion, GatewayStream } from './types.js';
import { buildUsageEvent, type CallEnd, type CallRecord } from './usage-record.js';

/**
 * The request path: validate, resolve the target, check access, run the middleware chain and
 * the provider call, then publish one usage event, whatever the outcome.
 */
export async function runChat(state: GatewayState, input: unknown, options: ChatOptions = {}): Promise<GatewayChatCompletion | GatewayStream> {
  const record: CallRecord = {
    requestId: randomUUID(),
    startedAt: state.clock(),
    t0: performance.now(),
    stream: typeof input === 'object' && input !== null && (input as { stream?: unknown }).stream === true,
    target: null,
    metadata: {},
    retries: 0,
  };
  const publish = (end: CallEnd) => state.dispatcher.publishUsage(buildUsageEvent(record, end, state.clock()));

  let ctx: ChatContext | undefined;
  try {
    if (state.closed) throw new GatewayClosedError();
    const parsed = chatRequestSchema.safeParse(input);
    if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error));
    const { workspace, key, metadata, model, ...body } = parsed.data;
    if (metadata) record.metadata = metadata;

    // One policy snapshot for the whole call: a concurrent provisioning change applies to the next call.
    const policy = state.policy;
    const target = resolveTarget({ model, workspace, key }, policy);
    const integration = target.integration;
    record.target = {
      integration: integration.slug,
      provider: integration.provider,
      workspace: target.workspace,
      key: target.key?.id ?? null,
      model: target.model,
    };
    checkAccess(target);

    ctx = {
      requestId: record.requestId,
      request: { ...body, model: target.model } as ChatRequestBody,
      target: record.target,
      metadata: record.metadata,
      signal: options.signal,
      startedAt: record.startedAt,
      retries: 0,
      state: new Map(),
    };
    const adapter = state.adapters.get(integration.slug)!;
    const outcome = await runChain(state.middlewares, ctx, (c) =>
      callProvider(c, {
        adapter,
        credentials: integration.config.credentials,
        retry: state.retry,
        timeoutMs: integration.config.timeoutMs ?? state.timeoutMs,
        fetch: state.fetch,
      }),
    );
    record.retries = ctx.retries;

    if (outcome.type === 'completion') {
      const { result } = outcome;
      publish({ usage: result.usage, finishReason: result.finishReason, providerRequestId: result.providerRequestId, servedModel: result.completion.model });
      const { raw: _raw, ...usage } = result.usage;
      return {
        ...result.completion,
        gateway: {
          ...record.target,
          requestId: record.requestId,
          usage,
          cost: null,
          retries: record.retries,
          latencyMs: Math.round((performance.now() - record.t0) * 1000) / 1000,
          providerRequestId: result.providerRequestId,
        },
      };
    }

    const request = ctx.request;
    const chunks = meterStream(outcome.parts, request, record.t0, (end) => publish({ ...end, providerRequestId: outcome.providerRequestId }));
    return Object.assign(chunks, {
      gateway: { ...record.target, requestId: record.requestId, providerRequestId: outcome.providerRequestId },
    });
  } catch (error) {
    if (ctx) record.retries = ctx.retries;
    publish({ error });
    throw error;
  }
}
