import { randomUUID } from 'node:crypto';
import { toConfigIssues } from '../config/format-issues.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { GatewayClosedError } from '../errors/runtime-errors.js';
import type { ChatRequestBody } from '../providers/chat-types.js';
import type { Admission } from '../limits/limiter.js';
import { microsToUsd } from '../limits/money.js';
import { chatRequestSchema } from './chat-request-schema.js';
import { checkAccess } from './check-access.js';
import type { GatewayState } from './gateway-state.js';
import { meterStream } from './metered-stream.js';
import { callProvider } from './provider-step.js';
import { resolveTarget } from './resolve-target.js';
import { runChain } from './run-chain.js';
import type { ChatContext, ChatOptions, GatewayChatCompletion, GatewayInfo, GatewayStream, TargetInfo } from './types.js';
import { buildUsageEvent, publicUsage, type CallEnd, type CallRecord } from './usage-record.js';

/**
 * The request path: validate, resolve the target, check access, admit (reserve on every limit of
 * every scope, or refuse), run the middleware chain and the provider call, settle the reservation
 * with the actual usage, then publish one usage event, whatever the outcome.
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
  let admission: Admission | null = null;
  let finished = false;
  /**
   * Settles the reservation with the call's usage (none known for a failed call: its tokens and
   * cost are released) and publishes the usage event once the store has recorded it. The caller
   * does not wait for a remote store: until then the reservation holds the call's worst case.
   * Runs once, whatever path gets there first. Returns the call's cost in USD.
   */
  const finish = (end: CallEnd): number | null => {
    if (finished) return null;
    finished = true;
    if (ctx && ctx.warnings.length > 0) end.warnings = ctx.warnings.slice();
    let micros: number | null = null;
    let settled: Promise<void> | void = undefined;
    if (admission) {
      ({ cost: micros, settled } = state.limiter.settle(admission, end.usage ?? null));
      end.priceSource = admission.price?.source ?? null;
    }
    end.cost = micros === null ? null : microsToUsd(micros);
    if (settled instanceof Promise) void settled.then(() => publish(end));
    else publish(end);
    return end.cost;
  };

  let ctx: ChatContext | undefined;
  try {
    if (state.closed) throw new GatewayClosedError();
    const parsed = chatRequestSchema.safeParse(input);
    if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error));
    const data = parsed.data;
    if (data.metadata) record.metadata = data.metadata;

    // One policy snapshot for the whole call: a concurrent provisioning change applies to the next call.
    const policy = state.policy;
    const target = resolveTarget(data, policy);
    const integration = target.integration;
    const info: TargetInfo = {
      integration: integration.slug,
      provider: integration.provider,
      workspace: target.workspace,
      key: target.key?.id ?? null,
      model: target.model,
    };
    record.target = info;
    checkAccess(target);

    ctx = new CallContext(record.requestId, providerBody(data, target.model), info, record.metadata, options.signal, record.startedAt);
    const admitted = state.limiter.admit(record.requestId, policy, target, ctx.request);
    admission = admitted instanceof Promise ? await admitted : admitted;
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

    // Results are built property by property: on Node 20, `{ ...a, b }` costs microseconds
    // (it leaves V8's fast clone path), which is the gateway's whole overhead budget.
    if (outcome.type === 'completion') {
      const { result } = outcome;
      const usage = result.usage;
      const cost = finish({ usage, finishReason: result.finishReason, providerRequestId: result.providerRequestId, servedModel: result.completion.model });
      // A copy, so that an object a middleware returns (a cache) is never changed. Copied by hand:
      // adding `gateway` to a spread copy leaves V8's fast path and costs about 1.5 µs.
      const completion = {} as Record<string, unknown>;
      const source = result.completion as unknown as Record<string, unknown>;
      for (const name in source) completion[name] = source[name];
      const gateway = describe(info, record.requestId, result.providerRequestId) as GatewayInfo;
      gateway.usage = publicUsage(usage);
      gateway.cost = cost;
      gateway.retries = record.retries;
      gateway.latencyMs = Math.round((performance.now() - record.t0) * 1000) / 1000;
      completion.gateway = gateway;
      return completion as unknown as GatewayChatCompletion;
    }

    const providerRequestId = outcome.providerRequestId;
    const stream = meterStream(outcome.parts, ctx.request, record.t0, (end) => {
      end.providerRequestId = providerRequestId;
      finish(end);
    }) as GatewayStream & { gateway: GatewayStream['gateway'] };
    stream.gateway = describe(info, record.requestId, providerRequestId);
    return stream;
  } catch (error) {
    if (ctx) record.retries = ctx.retries;
    finish({ error });
    throw error;
  }
}

/** Fields of the request that are the gateway's, never sent to a provider. */
const GATEWAY_FIELDS = new Set(['workspace', 'key', 'metadata', 'model']);

/** The body a provider receives: the caller's body without the gateway's fields, with the provider's model id. */
function providerBody(data: Record<string, unknown>, model: string): ChatRequestBody {
  const body: Record<string, unknown> = { model };
  for (const name in data) if (!GATEWAY_FIELDS.has(name)) body[name] = data[name];
  return body as ChatRequestBody;
}

/** Where a call went, as results show it (`res.gateway`, `stream.gateway`). */
function describe(info: TargetInfo, requestId: string, providerRequestId: string | null): GatewayStream['gateway'] {
  return {
    integration: info.integration,
    provider: info.provider,
    workspace: info.workspace,
    key: info.key,
    model: info.model,
    requestId,
    providerRequestId,
  };
}

/** The middleware context of one call. `state` is made on first use: most calls never touch it. */
class CallContext implements ChatContext {
  retries = 0;
  #state: Map<string | symbol, unknown> | undefined;
  #warnings: string[] | undefined;

  constructor(
    readonly requestId: string,
    public request: ChatRequestBody,
    readonly target: TargetInfo,
    readonly metadata: Readonly<Record<string, string>>,
    readonly signal: AbortSignal | undefined,
    readonly startedAt: number,
  ) {}

  get state(): Map<string | symbol, unknown> {
    return (this.#state ??= new Map());
  }

  warn(message: string): void {
    const warnings = (this.#warnings ??= []);
    if (!warnings.includes(message)) warnings.push(message);
  }

  get warnings(): readonly string[] {
    return this.#warnings ?? NO_WARNINGS;
  }
}

const NO_WARNINGS: readonly string[] = Object.freeze([]);
