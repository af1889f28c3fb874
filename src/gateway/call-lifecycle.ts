import { randomUUID } from 'node:crypto';
import type { Policy, Target } from '../config/policy.js';
import { toConfigIssues } from '../errors/format-issues.js';
import { waitSchema } from '../config/config-schema.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { GatewayClosedError, RequestAbortedError } from '../errors/runtime-errors.js';
import { noteWaited, RateLimitExceededError } from '../errors/limit-errors.js';
import type { Admission } from '../limits/reserve-call.js';
import type { CallAttributes } from '../limits/limit-plan.js';
import { refusedLimits } from '../limits/refusal.js';
import { costBreakdown, microsToUsd } from '../limits/money.js';
import type { MaybePromise } from '../stores/store.js';
import { externalIntegrationError } from '../providers/external/external-provider.js';
import type { ChatRequestBody, EmbeddingRequestBody } from '../usage/chat-types.js';
import type { Usage } from '../usage/usage.js';
import { providerOptions, type ProviderOptions } from './call-provider.js';
import type { GatewayState } from './gateway-state.js';
import { refusedCaller } from './refused-caller.js';
import { assertNesting } from './request-depth.js';
import { checkAccess } from './resolve-target.js';
import type { ChatOptions, GatewayInfo, GatewayStream, TargetInfo, WaitOptions } from './types.js';
import { buildUsageEvent, ledgerEntry, parseTraceparent, publicUsage, type CallEnd, type CallRecord, type RequestSummarySource } from './usage-record.js';
import { rateLimitHeadroom } from '../limits/rate-limit-headroom.js';
import type { SchemaParser } from '../util/compiled-on-use.js';

/** The request id becomes the trace and span ids of a call without a caller's trace: it must be a UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The record of a call in progress: a class, not a literal, as the call holds it until it ends (see CallEvent). */
class OpenRecord implements CallRecord {
  t0 = performance.now();
  trace: CallRecord['trace'] = null;
  body: CallRecord['body'] = null;
  target: TargetInfo | null = null;
  metadata: Record<string, string> = {};
  retries = 0;
  fallbackIndex = 0;
  attempts: CallRecord['attempts'] = null;
  upstreamMs = 0;
  retryWaitMs = 0;
  admissionMs = 0;
  waitedMs = 0;

  constructor(
    readonly requestId: string,
    readonly operation: CallRecord['operation'],
    readonly startedAt: number,
    readonly stream: boolean,
    readonly requestedModel: string | null,
  ) {}
}

/** Where a call went: its target's names (see OpenRecord for why a class). */
class Entered implements TargetInfo {
  readonly integration: string;
  readonly provider: string;
  readonly workspace: string;
  readonly key: string | null;
  readonly model: string;

  constructor(target: Target) {
    this.integration = target.integration.slug;
    this.provider = target.integration.provider;
    this.workspace = target.workspace;
    this.key = target.key?.id ?? null;
    this.model = target.model;
  }
}

/**
 * One gateway call from entry to its usage event, in the order every operation (chat,
 * embeddings, Responses, `admit`) follows:
 *
 *   begin(schema)      the gateway is open; the request validated and recorded
 *   ready()            runtime policy replayed: the one policy snapshot the call uses
 *   enter(target)      where it is counted (recorded), then its provisioning checked
 *   provider()         the adapter and its options (an `external` integration has none)
 *   admit(body)        every limit of every scope reserved, or the call refused
 *   finish(end)        the reservation settled with the usage; one usage event
 *
 * `fail(error)` finishes a call that threw, wherever it was: a path that forgot to finish would
 * keep `inFlight` up and make `close()` wait its whole timeout. The record is where everything
 * about the call is counted (retries and waits included); the event is built from it.
 */
export class CallLifecycle {
  readonly record: CallRecord;
  admission: Admission | null = null;
  readonly signal: AbortSignal | undefined;
  #policy: Policy | null = null;
  #target: Target | null = null;
  #info: TargetInfo | null = null;
  /** Made for the first target, kept for the fallbacks: the tier is the request's, asked once. */
  #attributes: CallAttributes | undefined;
  #warnings: string[] | undefined;
  #finished = false;
  readonly #state: GatewayState;
  readonly #input: unknown;
  /** The call's `wait`, or the gateway's: checked when the call is admitted. */
  readonly #wait: ChatOptions['wait'] | null;

  constructor(state: GatewayState, operation: CallRecord['operation'], input: unknown, options: ChatOptions) {
    this.#state = state;
    this.#input = input;
    this.signal = options.signal;
    this.#wait = options.wait ?? state.wait;
    state.inFlight++;
    const request = typeof input === 'object' && input !== null ? (input as { stream?: unknown; model?: unknown }) : null;
    this.record = new OpenRecord(
      options.requestId !== undefined && UUID.test(options.requestId) ? options.requestId : randomUUID(),
      operation,
      state.clock(),
      request?.stream === true,
      typeof request?.model === 'string' ? request.model : null,
    );
    if (options.requestId !== undefined && this.record.requestId !== options.requestId) {
      this.warn('requestId ignored: not a lowercase UUID (a new one was made)');
    }
    const traceparent = options.traceparent;
    if (traceparent !== undefined) {
      this.record.trace = parseTraceparent(String(traceparent));
      if (!this.record.trace) this.warn('traceparent ignored: not a valid W3C traceparent (a new trace was started)');
    }
  }

  /**
   * The gateway is open, and the request (the call's input, or what an operation made of it)
   * passes `schema`: it is recorded for the event (its body fields and metadata).
   */
  begin<T extends RequestSummarySource & { metadata?: Record<string, string> | undefined }>(schema: SchemaParser<T>, request: unknown = this.#input): T {
    if (this.#state.closed) throw new GatewayClosedError();
    assertNesting(request);
    const parsed = schema.safeParse(request);
    if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error));
    const data = parsed.data;
    this.record.body = data;
    if (data.metadata) this.record.metadata = data.metadata;
    return data;
  }

  /**
   * The policy the whole call uses, once runtime changes made before this gateway started are
   * applied: a concurrent provisioning change applies to the next call. Without an await when
   * the log is replayed (every call but the first ones), which would cost every call a microtask.
   */
  ready(): MaybePromise<Policy> {
    const replaying = this.#state.policyLog.ready();
    if (replaying) return replaying.then(() => (this.#policy = this.#state.policy));
    return (this.#policy = this.#state.policy);
  }

  /** The call enters a target: recorded where it is counted (a refusal's event names it), then its provisioning checked. */
  enter(target: Target): TargetInfo {
    const info = new Entered(target);
    this.#target = target;
    this.#info = info;
    this.record.target = info;
    checkAccess(target);
    this.#attributes ??= callAttributes(this.#state, target, this.record.body, this.record.metadata);
    return info;
  }

  /** How to call the target's provider; an `external` integration is called by the caller's own code (`gateway.admit`). */
  provider(): ProviderOptions {
    const integration = this.#target!.integration;
    if (integration.provider === 'external') throw externalIntegrationError(integration.slug);
    return providerOptions(this.#state, integration);
  }

  /**
   * Reserves a chat call's worst case on every limit of the target, or refuses it. Resolves with
   * the output limit reserved when the request set none (it must go upstream, so that the answer
   * cannot cost more than the reservation), else null. A store that answers at once (memory) is
   * taken without an await; a wait on the store is timed as admission.
   */
  admit(body: ChatRequestBody): MaybePromise<number | null> {
    const attempt = () => {
      this.#checkProviderHold();
      return this.#state.limiter.admit(this.record.requestId, this.#policy!, this.#target!, body, this.#attributes, this.record);
    };
    return this.#wait ? this.#admitWaiting(attempt, this.#wait) : this.#hold(attempt());
  }

  /** Reserves an embeddings call's input tokens on every limit of the target, or refuses it. */
  admitEmbeddings(input: EmbeddingRequestBody['input']): MaybePromise<number | null> {
    const attempt = () => {
      this.#checkProviderHold();
      return this.#state.limiter.admitEmbeddings(this.record.requestId, this.#policy!, this.#target!, input, this.#attributes, this.record);
    };
    return this.#wait ? this.#admitWaiting(attempt, this.#wait) : this.#hold(attempt());
  }

  /**
   * Refuses a call to a provider that said it has nothing left until a time (its rate-limit
   * headers, a 429): not sent, nothing reserved. It waits like a window's reset (see `wait`).
   */
  #checkProviderHold(): void {
    const integration = this.#target!.integration.slug;
    const until = this.#state.limiter.providerHold(integration);
    if (until === null) return;
    const now = this.#state.clock();
    throw new RateLimitExceededError({
      scope: `provider:${integration}`,
      type: 'requests',
      limit: 0,
      remaining: 0,
      resetAt: new Date(until).toISOString(),
      retryAfterMs: until - now,
      detail: "the provider's own limit: it has nothing left until then",
    });
  }

  /**
   * Admission that waits for capacity (see ChatOptions.wait): refused by a rate or concurrency
   * limit whose capacity comes back in time, the call waits in the gateway's wait room (woken by
   * a slot given back or the window's reset, never by polling) and tries again; otherwise it is
   * refused as without `wait`, the refusal saying how long it waited. An abort ends the wait at
   * once, with nothing reserved.
   */
  async #admitWaiting(attempt: () => MaybePromise<Admission>, wait: WaitOptions): Promise<number | null> {
    const { maxMs, priority } = checkedWait(wait);
    const limiter = this.#state.limiter;
    const room = limiter.waitRoom;
    const clock = this.#state.clock;
    const start = clock();
    let place: number | undefined;
    /** The scope this call was woken on: its turn goes on to the next waiter once this one is through. */
    let wokenOn: string | null = null;
    for (;;) {
      const releases = room.releases;
      let refusal: unknown;
      try {
        const cap = await this.#hold(attempt());
        if (wokenOn !== null) room.passOn(wokenOn);
        return cap;
      } catch (error) {
        refusal = error;
      }
      const waited = clock() - start;
      this.record.waitedMs = waited;
      const rated = RateLimitExceededError.isInstance(refusal) ? refusal : null;
      // Refused by another limit than the one it waited for: the next waiter there may fit.
      if (wokenOn !== null && rated?.scope !== wokenOn) room.passOn(wokenOn);
      // Budgets never wait; nor does a call its window cannot hold even when empty (a provider's
      // hold is no limit of ours: it has none, `limit: 0`, and waits for its time).
      if (!rated || (rated.limit > 0 && rated.remaining >= rated.limit)) throw refusal;
      const left = maxMs - waited;
      const resetInMs = rated.type === 'concurrency' ? null : rated.retryAfterMs;
      if (left <= 0 || (resetInMs !== null && resetInMs > left)) throw noteWaited(rated, waited);
      wokenOn = null;
      // A slot given back while the refusal was on its way: try again at once.
      if (resetInMs === null && room.releases !== releases) continue;
      let turn: { woken: boolean; place: number };
      try {
        turn = await room.wait(rated.scope, { priority, ...(place === undefined ? {} : { place }), resetInMs, timeoutMs: left, signal: this.signal });
      } catch (reason) {
        this.record.waitedMs = clock() - start;
        throw new RequestAbortedError(reason);
      }
      place = turn.place;
      this.record.waitedMs = clock() - start;
      if (!turn.woken) throw noteWaited(rated, this.record.waitedMs);
      wokenOn = rated.scope;
    }
  }

  #hold(admitted: MaybePromise<Admission>): MaybePromise<number | null> {
    if (!(admitted instanceof Promise)) {
      this.admission = admitted;
      return admitted.outputCap;
    }
    const t = performance.now();
    return admitted.then(
      (admission) => {
        this.record.admissionMs += performance.now() - t;
        this.admission = admission;
        return admission.outputCap;
      },
      (error: unknown) => {
        this.record.admissionMs += performance.now() - t;
        throw error;
      },
    );
  }

  warn(message: string): void {
    const warnings = (this.#warnings ??= []);
    if (!warnings.includes(message)) warnings.push(message);
  }

  get warnings(): readonly string[] {
    return this.#warnings ?? NO_WARNINGS;
  }

  /** Gives up the current target (a fallback follows): its reservation is released, its request counted. */
  release(): void {
    if (!this.admission) return;
    // Not awaited: the release is recorded in the background, and flush() waits for it.
    void this.#state.limiter.settle(this.admission, null).settled;
    this.admission = null;
  }

  /** What a stream carries as `gateway`: where the call went. */
  streamInfo(providerRequestId: string | null): GatewayStream['gateway'] {
    const info = this.#info!;
    return {
      integration: info.integration,
      provider: info.provider,
      workspace: info.workspace,
      key: info.key,
      model: info.model,
      requestId: this.record.requestId,
      providerRequestId,
      rateLimits: this.admission ? rateLimitHeadroom(this.admission) : null,
    };
  }

  /**
   * What a whole answer carries as `gateway`. Built property by property: adding fields to a
   * spread copy leaves V8's fast path and costs about a microsecond, the gateway's whole budget.
   */
  answerInfo(providerRequestId: string | null, usage: Usage, cost: number | null): GatewayInfo {
    const gateway = this.streamInfo(providerRequestId) as GatewayInfo;
    gateway.usage = publicUsage(usage);
    gateway.cost = cost;
    gateway.retries = this.record.retries;
    gateway.fallbackIndex = this.record.fallbackIndex;
    gateway.latencyMs = Math.round((performance.now() - this.record.t0) * 1000) / 1000;
    return gateway;
  }

  /**
   * Settles the reservation with the call's usage (none known for a failed call: its tokens and
   * cost are released) and publishes the usage event once the store has recorded it. The caller
   * does not wait for a remote store: until then the reservation holds the call's worst case.
   * Runs once, whatever path gets there first. Returns the call's cost in USD.
   */
  finish(end: CallEnd): number | null {
    if (this.#finished) return null;
    this.#finished = true;
    if (this.#warnings) end.warnings = this.#warnings.slice();
    const admission = this.admission;
    if (!admission) {
      if (end.error !== undefined) end.limits = refusedLimits(end.error);
      // Refused before it had a target: counted as whom it named.
      if (this.record.target === null) this.record.named = refusedCaller(this.#state.policy, this.#input);
      this.#publish(end);
      return null;
    }
    const chargeProviderCost = this.#target?.integration.config.chargeProviderCost === true;
    const { cost: micros, settled } = this.#state.limiter.settle(admission, end.usage ?? null, () => ledgerEntry(this.record, end, this.#state.clock()), chargeProviderCost);
    const price = admission.price;
    end.priceSource = price?.source ?? null;
    end.costMicros = micros;
    if (price && micros !== null) end.costBreakdown = costBreakdown(end.usage ?? ZERO_USAGE, price.price);
    if (settled instanceof Promise) {
      void settled.then((limits) => {
        end.limits = limits;
        this.#publish(end);
      });
    } else {
      end.limits = settled;
      this.#publish(end);
    }
    return micros === null ? null : microsToUsd(micros);
  }

  /** Finishes a call that threw (its event records the error) and gives the error back to rethrow. */
  fail(error: unknown): unknown {
    this.finish({ error });
    return error;
  }

  #publish(end: CallEnd): void {
    const state = this.#state;
    state.dispatcher.publishUsage(buildUsageEvent(this.record, end, state.clock()), this.record.startedAt, this.#target?.key ?? null);
    if (--state.inFlight === 0 && state.whenIdle.length > 0) for (const idle of state.whenIdle.splice(0)) idle();
  }
}

/**
 * What templated scopes key a call by: its `user` and `metadata`, and its tier, asked of the
 * gateway's `tier` at most once per call (only when a template of the call has tiers).
 */
function callAttributes(state: GatewayState, target: Target, request: { user?: unknown } | null, metadata: Readonly<Record<string, string>>): CallAttributes {
  const user = typeof request?.user === 'string' ? request.user : null;
  const tierOf = state.tier;
  let tier: string | null | undefined;
  return {
    user,
    metadata,
    tier: () => {
      if (tier === undefined) {
        const named = tierOf?.({ workspace: target.workspace, integration: target.integration.slug, key: target.key?.id ?? null, model: target.model, user, metadata });
        tier = typeof named === 'string' ? named : null;
      }
      return tier;
    },
  };
}

/**
 * The body a provider receives: the request without the gateway's fields, with the provider's
 * model id first. `metadata` stays where it is the provider's own field (the Responses API).
 */
export function providerBody<Body>(request: object, model: string, keepMetadata = false): Body {
  const body: Record<string, unknown> = { model };
  const source = request as Record<string, unknown>;
  for (const name in source) {
    if (name === 'model' || name === 'workspace' || name === 'key' || name === 'fallbacks' || name === 'fallbackOn' || (name === 'metadata' && !keepMetadata)) continue;
    body[name] = source[name];
  }
  return body as Body;
}

/** A call's `wait`, checked: a bad one is the caller's mistake, said with its path. */
function checkedWait(wait: WaitOptions): { maxMs: number; priority: number } {
  const parsed = waitSchema.safeParse(wait);
  if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error, ['wait']));
  return { maxMs: parsed.data.maxMs, priority: parsed.data.priority ?? 0 };
}

const NO_WARNINGS: readonly string[] = Object.freeze([]);
const ZERO_USAGE = Object.freeze({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
