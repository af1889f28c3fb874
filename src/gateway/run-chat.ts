import { GatewayError } from '../errors/gateway-error.js';
import { ProviderError } from '../errors/provider-error.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import type { ChatCompletion, ChatRequestBody } from '../usage/chat-types.js';
import { CallLifecycle, providerBody } from './call-lifecycle.js';
import { callProvider } from './call-provider.js';
import { chatRequestParser } from './chat-request-schema.js';
import type { GatewayState } from './gateway-state.js';
import { meterStream } from './metered-stream.js';
import { resolveTarget } from './resolve-target.js';
import { runChain } from './run-chain.js';
import type { ChatContext, ChatOptions, ChatOutcome, GatewayChatCompletion, GatewayStream, TargetInfo } from './types.js';
import type { CallRecord } from './usage-record.js';

/**
 * Chat: the call's pipeline (see CallLifecycle) for the model and, if it fails, each fallback in
 * turn: enter the target, admit, run the middleware chain and the provider call. One usage
 * event, whatever the outcome.
 */
export async function runChat(state: GatewayState, input: unknown, options: ChatOptions = {}): Promise<GatewayChatCompletion | GatewayStream> {
  const call = new CallLifecycle(state, 'chat', input, options);
  const record = call.record;
  try {
    const data = call.begin(chatRequestParser);
    if (data.fallbackOn && !data.fallbacks) throw new RequestValidationError([{ path: 'fallbackOn', message: 'names refusals that send the call to its fallbacks: give fallbacks too' }]);
    let policy = call.ready();
    if (policy instanceof Promise) policy = await policy;
    const models = data.fallbacks ? [data.model, ...data.fallbacks] : [data.model];
    // Every target is resolved now: a mistake in a fallback shows at once, not during an outage.
    const now = record.startedAt;
    const targets = models.map((model) => resolveTarget({ model, workspace: data.workspace, key: data.key }, policy, now));
    let outcome: ChatOutcome | undefined;
    let ctx: ChainContext | undefined;
    for (let i = 0; outcome === undefined; i++) {
      record.fallbackIndex = i;
      try {
        const target = targets[i]!;
        const info = call.enter(target);
        const provider = call.provider();
        ctx = new ChainContext(record.requestId, providerBody(data, target.model), info, record.metadata, options.signal, record.startedAt, call);
        let cap = call.admit(ctx.request);
        if (cap instanceof Promise) cap = await cap;
        // No output limit of the caller's: the one reserved goes upstream (adapters send it as
        // their provider's own limit).
        if (cap !== null) ctx.request.max_completion_tokens = cap;
        outcome = await runChain(state.middlewares, ctx, (c) => callProvider(c as ChainContext, provider));
      } catch (error) {
        if (i === targets.length - 1 || !fallsBack(error, i, data.fallbackOn)) throw error;
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

    if (outcome.type === 'completion') {
      const { result } = outcome;
      const cost = call.finish({
        usage: result.usage,
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
      completion.gateway = call.answerInfo(result.providerRequestId, result.usage, cost);
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
    chunks.gateway = call.streamInfo(providerRequestId);
    return chunks;
  } catch (error) {
    throw call.fail(error);
  }
}

function countToolCalls(completion: ChatCompletion): number {
  let n = 0;
  for (const choice of completion.choices) n += choice.message.tool_calls?.length ?? 0;
  return n;
}

/**
 * A target is left for the next one when the provider failed in a way worth retrying elsewhere
 * (after its own retries): a 429, a 5xx, a network error, a timeout. So is a fallback the policy
 * refuses (not provisioned, a limit), so that the list is tried to its end. The first target's
 * refusal by the policy is the caller's answer, unless the request names it in `fallbackOn`.
 */
function fallsBack(error: unknown, index: number, fallbackOn: readonly string[] | undefined): boolean {
  if (ProviderError.isInstance(error)) return error.isRetryable;
  if (!GatewayError.isInstance(error)) return false;
  if (fallbackOn?.includes(error.code)) return true;
  return index > 0 && error.status < 500 && error.status !== 499;
}


/** The middleware context of one call on one target. `state` is made on first use: most calls never touch it. */
class ChainContext implements ChatContext {
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

  /** Retries so far, every target's: counted on the call's record by the provider step. */
  get retries(): number {
    return this.call.record.retries;
  }

  /** Where the provider step counts retries and the time it waited (upstream, between retries). */
  get record(): CallRecord {
    return this.call.record;
  }

  warn(message: string): void {
    this.call.warn(message);
  }

  get warnings(): readonly string[] {
    return this.call.warnings;
  }
}
