import { GatewayError } from '../errors/gateway-error.js';
import { ProviderError } from '../errors/provider-error.js';
import { GatewayClosedError } from '../errors/runtime-errors.js';
import type { ChatCompletion, ChatRequestBody } from '../usage/chat-types.js';
import { CallLifecycle } from './call-lifecycle.js';
import type { CallAttributes } from '../limits/limit-plan.js';
import { callAttributes, describeCall, enterTarget, parseChatCall } from './call-entry.js';
import { externalIntegrationError } from '../providers/external/external-provider.js';
import type { GatewayState } from './gateway-state.js';
import { meterStream } from './metered-stream.js';
import { callProvider, providerStepOptions } from './provider-step.js';
import { resolveTarget, type Target } from './resolve-target.js';
import { runChain } from './run-chain.js';
import type { ChatContext, ChatOptions, ChatOutcome, GatewayChatCompletion, GatewayInfo, GatewayStream, TargetInfo } from './types.js';
import { publicUsage, type CallRecord } from './usage-record.js';

/**
 * The request path: validate; then for the model and, if it fails, each fallback in turn:
 * resolve the target, check access, admit (reserve on every limit of every scope, or refuse),
 * run the middleware chain and the provider call. Settle the reservation with the actual usage
 * and publish one usage event, whatever the outcome.
 */
export async function runChat(state: GatewayState, input: unknown, options: ChatOptions = {}): Promise<GatewayChatCompletion | GatewayStream> {
  const call = new CallLifecycle(state, 'chat', input, options);
  const record = call.record;
  let ctx: CallContext | undefined;
  try {
    if (state.closed) throw new GatewayClosedError();
    const data = parseChatCall(input, record);

    // Runtime changes made before this gateway started are applied before its first call.
    const replaying = state.policyLog.ready();
    if (replaying) await replaying;
    // One policy snapshot for the whole call: a concurrent provisioning change applies to the next call.
    const policy = state.policy;
    const models = data.fallbacks ? [data.model, ...data.fallbacks] : [data.model];
    // Every target is resolved now: a mistake in a fallback shows at once, not during an outage.
    const now = record.startedAt;
    const targets = models.map((model) => resolveTarget({ model, workspace: data.workspace, key: data.key }, policy, now));
    let outcome: ChatOutcome | undefined;
    let info: TargetInfo | undefined;
    // Made for the first target, kept for the fallbacks: the tier is the request's, asked once.
    let attributes: CallAttributes | undefined;
    for (let i = 0; outcome === undefined; i++) {
      record.fallbackIndex = i;
      try {
        const target = targets[i]!;
        info = enterTarget(target, record);
        if (target.integration.provider === 'external') throw externalIntegrationError(target.integration.slug);
        ctx = new CallContext(record.requestId, providerBody(data, target.model), info, record.metadata, options.signal, record.startedAt, call);
        attributes ??= callAttributes(state, target, data, record.metadata);
        const admitting = call.admit(state.limiter.admit(record.requestId, policy, target, ctx.request, attributes, record));
        if (admitting) await admitting;
        // No output limit of the caller's: the one reserved goes upstream, so the answer cannot
        // cost more than the reservation (adapters send it as their provider's own limit).
        const cap = call.admission!.outputCap;
        if (cap !== null) ctx.request.max_completion_tokens = cap;
        outcome = await runTarget(state, target, ctx);
      } catch (error) {
        if (ctx) record.retries += ctx.retries;
        ctx = undefined;
        if (i === targets.length - 1 || !fallsBack(error, i)) throw error;
        // Left for the next target: its reservation released, the reason recorded on the event.
        (record.attempts ??= []).push({
          integration: record.target?.integration ?? null,
          model: models[i]!,
          errorCode: GatewayError.isInstance(error) ? error.code : 'internal_error',
          httpStatus: GatewayError.isInstance(error) ? error.status : 500,
        });
        call.release();
      }
    }
    record.retries += ctx!.retries;
    const target = info!;

    // Results are built property by property: on Node 20, `{ ...a, b }` costs microseconds
    // (it leaves V8's fast clone path), which is the gateway's whole overhead budget.
    if (outcome.type === 'completion') {
      const { result } = outcome;
      const usage = result.usage;
      const cost = call.finish({
        usage,
        finishReason: result.finishReason,
        providerRequestId: result.providerRequestId,
        servedModel: result.completion.model,
        toolCallCount: countToolCalls(result.completion),
      });
      // A copy, so that an object a middleware returns (a cache) is never changed. Copied by hand:
      // adding `gateway` to a spread copy leaves V8's fast path and costs about 1.5 µs.
      const completion = {} as Record<string, unknown>;
      const source = result.completion as unknown as Record<string, unknown>;
      for (const name in source) completion[name] = source[name];
      const gateway = describeCall(target, record.requestId, result.providerRequestId) as GatewayInfo;
      gateway.usage = publicUsage(usage);
      gateway.cost = cost;
      gateway.retries = record.retries;
      gateway.fallbackIndex = record.fallbackIndex;
      gateway.latencyMs = Math.round((performance.now() - record.t0) * 1000) / 1000;
      completion.gateway = gateway;
      return completion as unknown as GatewayChatCompletion;
    }

    const providerRequestId = outcome.providerRequestId;
    const chunks = meterStream(
      outcome.parts,
      ctx!.request,
      record.t0,
      (end) => {
        end.providerRequestId = providerRequestId;
        call.finish(end);
      },
      { signal: options.signal, idleTimeoutMs: state.streamIdleTimeoutMs, warn: (message) => call.warn(message) },
    ) as GatewayStream & { gateway: GatewayStream['gateway'] };
    chunks.gateway = describeCall(target, record.requestId, providerRequestId);
    return chunks;
  } catch (error) {
    if (ctx) record.retries += ctx.retries;
    call.finish({ error });
    throw error;
  }
}

function countToolCalls(completion: ChatCompletion): number {
  let n = 0;
  for (const choice of completion.choices) n += choice.message.tool_calls?.length ?? 0;
  return n;
}

/** The middleware chain and the provider call, for one target. */
function runTarget(state: GatewayState, target: Target, ctx: CallContext): Promise<ChatOutcome> {
  const integration = target.integration;
  return runChain(state.middlewares, ctx, (c) => callProvider(c as CallContext, providerStepOptions(state, integration)));
}

/**
 * A target is left for the next one when the provider failed in a way worth retrying elsewhere
 * (after its own retries): a 429, a 5xx, a network error, a timeout. So is a fallback the policy
 * refuses (not provisioned, a limit), so that the list is tried to its end; the first target's
 * refusal by the policy is the caller's answer.
 */
function fallsBack(error: unknown, index: number): boolean {
  if (ProviderError.isInstance(error)) return error.isRetryable;
  return index > 0 && GatewayError.isInstance(error) && error.status < 500 && error.status !== 499;
}


/** The middleware context of one call on one target. `state` is made on first use: most calls never touch it. */
class CallContext implements ChatContext {
  retries = 0;
  #state: Map<string | symbol, unknown> | undefined;

  constructor(
    readonly requestId: string,
    public request: ChatRequestBody,
    readonly target: TargetInfo,
    readonly metadata: Readonly<Record<string, string>>,
    readonly signal: AbortSignal | undefined,
    readonly startedAt: number,
    readonly call: CallLifecycle,
  ) {}

  get state(): Map<string | symbol, unknown> {
    return (this.#state ??= new Map());
  }

  /** Where the provider step adds the time it waited (upstream, between retries). */
  get timing(): CallRecord {
    return this.call.record;
  }

  warn(message: string): void {
    this.call.warn(message);
  }

  get warnings(): readonly string[] {
    return this.call.warnings;
  }
}

/** Fields of the request that are the gateway's, never sent to a provider. */
const GATEWAY_FIELDS = new Set(['workspace', 'key', 'metadata', 'model', 'fallbacks']);

/** The body a provider receives: the caller's body without the gateway's fields, with the provider's model id. */
function providerBody(data: Record<string, unknown>, model: string): ChatRequestBody {
  const body: Record<string, unknown> = { model };
  for (const name in data) if (!GATEWAY_FIELDS.has(name)) body[name] = data[name];
  return body as ChatRequestBody;
}


