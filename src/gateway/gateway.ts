import { z } from 'zod';
import { toConfigIssues } from '../errors/format-issues.js';
import { RequestValidationError } from '../errors/request-validation-error.js';
import { limitScopes, type LimitScope } from '../limits/limit-scopes.js';
import type { NearestLimit, NearestQuery } from '../limits/nearest-limits.js';
import { aggregate, planQuery, type AnalyticsQuery, type AnalyticsResult } from '../analytics/analytics-query.js';
import type { AnalyticsStats } from '../analytics/analytics-recorder.js';
import { AnalyticsUnavailableError } from '../errors/runtime-errors.js';
import type { GatewayEventMap, GatewayEventName } from '../events/gateway-events.js';
import { withTimeout } from '../util/with-timeout.js';
import type { SinkStats } from '../events/sink.js';
import type { LimitStatus, StatusQuery } from '../limits/limit-status.js';
import type { StoreStats } from '../limits/guarded-store.js';
import type { GatewayState } from './gateway-state.js';
import { runAdmit, type AdmittedCall } from './run-admit.js';
import { authenticateKey, type KeyIdentity } from './key-access.js';
import { modelsOfKey } from '../config/granted-models.js';
import { Provisioning } from '../policy/provisioning.js';
import { Integrations } from '../policy/integrations.js';
import { Audit } from '../policy/audit.js';
import type { ChangeOptions } from '../policy/change-options.js';
import { RuntimeKeys, type KeyCreateInput, type KeyInfo, type KeyUpdate } from '../policy/runtime-keys.js';
import { runChat } from './run-chat.js';
import { runEmbeddings } from './run-embeddings.js';
import { runResponses } from './run-responses.js';
import type {
  ChatMiddleware,
  ChatOptions,
  ChatRequest,
  EmbeddingsRequest,
  GatewayChatCompletion,
  GatewayEmbeddingResponse,
  GatewayResponse,
  GatewayResponsesStream,
  GatewayStream,
  ResponsesRequest,
} from './types.js';

export interface GatewayStats {
  /** Usage events published since the gateway was created. */
  events: number;
  sinks: SinkStats[];
  /** The limit store: degraded decisions by kind, settlements being retried. */
  store: StoreStats;
  /** Analytics: calls recorded in the store, waiting, dropped; null when analytics are off. */
  analytics: AnalyticsStats | null;
  /** Calls of this process waiting for capacity now (`wait`). */
  waiting: number;
}

/** The gateway: one object in front of every provider. Create it with `createGateway(config)`. */
export class Gateway {
  readonly #state: GatewayState;
  /** Runtime provisioning: grant, revoke, narrow models, rotate credentials. */
  readonly provisioning: Provisioning;
  /** Budgets and rate limits. */
  readonly limits: {
    /**
     * Every budget and rate limit that applies to a key, a workspace on an integration, an
     * integration or a workspace, with used, reserved and remaining (USD for cost budgets) and
     * the time of the next reset.
     * @example await gateway.limits.status({ workspace: 'team-a', integration: 'openai-prod' })
     */
    status(query: StatusQuery): Promise<LimitStatus[]>;
    /**
     * Every scope with budgets or rate limits of its own (integrations, grants to the workspaces
     * the policy names, workspaces, keys), each with the `status` query that reads it: what a
     * dashboard lists. A status answer includes the enclosing scopes' limits too; each
     * `LimitStatus` names its scope.
     * @example for (const { scope, query } of gateway.limits.scopes()) console.log(scope, await gateway.limits.status(query))
     */
    scopes(): LimitScope[];
    /**
     * The limits of templated scopes (one per user, customer or tag: `each`) closest to their
     * ends, closest first, on every process's counters: what `scopes()` cannot list, since a
     * template has one scope per value. Each names its template, what it is keyed by and the value.
     * @example const [worst] = await gateway.limits.nearest({ n: 10 }); // e.g. { scope: 'workspace:team-a/user:u-42', used: 0.97, limit: 1, value: 'u-42', ... }
     * @throws RequestValidationError for a bad `n` or `kind`
     */
    nearest(query?: NearestQuery): Promise<NearestLimit[]>;
  };
  /** Usage analytics, from the store's rollups (this process's calls, or every process's with Redis). */
  readonly analytics: {
    /**
     * Requests, errors, tokens, cost and latency and TTFT percentiles over a time range, by
     * minute, hour or day and by any of workspace, integration, provider, model, key, user and error code.
     * @example await gateway.analytics.query({ from: Date.now() - 86_400_000, groupBy: ['workspace', 'model'], interval: 'hour' })
     * @throws RequestValidationError for a bad query; AnalyticsUnavailableError when analytics are off
     */
    query(query: AnalyticsQuery): Promise<AnalyticsResult>;
  };

  /**
   * Virtual keys: made, changed and revoked at runtime (shared through the store by every gateway
   * on it), and looked up as an HTTP layer in front of the gateway needs them (see `tollgate/http`).
   */
  readonly keys: {
    /**
     * Makes a key and returns its token, once: only the token's SHA-256 is kept. The key narrows
     * its grant like a configured key; every gateway on the store knows it within a second.
     * @example const { id, token } = await gateway.keys.create({ workspace: 'team-a', budgets: [{ type: 'cost', limit: 10 }] })
     * @throws ConfigError for an invalid key; StoreUnavailableError when the store cannot take the change
     */
    create(input: KeyCreateInput, options?: ChangeOptions): Promise<{ id: string; token: string }>;
    /**
     * Revokes a key (configured or made at runtime). Once it resolves, no gateway on the store
     * admits the key again: `KeyRevokedError`, and a 401 over HTTP.
     */
    revoke(id: string, options?: ChangeOptions): Promise<void>;
    /** Changes a key's name, models, limits, metadata or expiry; a changed budget is a new budget. */
    update(id: string, patch: KeyUpdate, options?: ChangeOptions): Promise<KeyInfo>;
    /**
     * A new token for the key, returned once; the token it had keeps working until
     * `previousValidUntil` (`graceMs` from now; default: it stops at once), on every gateway on
     * the store. Its budgets, limits and analytics stay with the key's id.
     * @example const { token, previousValidUntil } = await gateway.keys.rotate('key_1', { graceMs: 3_600_000, actor: 'alice' })
     * @throws KeyNotFoundError, KeyRevokedError; ConfigError for a bad option
     */
    rotate(id: string, options?: ChangeOptions & { graceMs?: number }): Promise<{ token: string; previousValidUntil: string }>;
    /** A key as it stands, never its token or hash; null for an unknown (or revoked) key. */
    get(id: string): Promise<KeyInfo | null>;
    /** Every key (of one workspace), configured and runtime. */
    list(filter?: { workspace?: string }): Promise<KeyInfo[]>;
    /**
     * The key a bearer token opens (its configured `hash` is the token's SHA-256), or null. Never
     * throws, whatever the input; refusals take the same time whatever the token.
     * @example const key = gateway.keys.authenticate(bearerToken); if (key) await gateway.chat({ ...body, key: key.id })
     */
    authenticate(token: string): KeyIdentity | null;
    /**
     * The models a key may call, as bare ids (sorted); null for an unknown key.
     * @example gateway.keys.models('app-1') // ['gpt-4o', 'gpt-4o-mini']
     */
    models(id: string): string[] | null;
  };

  /**
   * Integrations at runtime: listed with their credentials by reference only, created, changed,
   * disabled and enabled, shared through the store by every gateway on it.
   */
  readonly integrations: Integrations;

  /** The audit of runtime policy changes (keys, provisioning, integrations): who, what, when, why. */
  readonly audit: Audit;

  /** @internal use `createGateway` */
  constructor(state: GatewayState) {
    this.#state = state;
    const runtime = new RuntimeKeys(state, state.policyLog);
    this.keys = {
      authenticate: (token) => authenticateKey(state.policy, token, state.clock()),
      models: (id) => modelsOfKey(state.policy, id),
      create: (input, options) => runtime.create(input, options),
      revoke: (id, options) => runtime.revoke(id, options),
      update: (id, patch, options) => runtime.update(id, patch, options),
      rotate: (id, options) => runtime.rotate(id, options),
      get: (id) => runtime.get(id),
      list: (filter) => runtime.list(filter),
    };
    this.provisioning = new Provisioning(state.policyLog);
    this.integrations = new Integrations(state.policyLog);
    this.audit = new Audit(state.policyLog);
    this.limits = {
      status: (query) => state.limiter.status(state.policy, query, () => statusTier(state, query)),
      scopes: () => limitScopes(state.policy),
      nearest: async (query = {}) => {
        const parsed = nearestQuerySchema.safeParse(query);
        if (!parsed.success) throw new RequestValidationError(toConfigIssues(parsed.error));
        return state.limiter.nearest(state.policy, { n: parsed.data.n ?? 20, kind: parsed.data.kind ?? 'budget' });
      },
    };
    this.analytics = { query: (query) => this.#queryAnalytics(query) };
  }

  async #queryAnalytics(query: AnalyticsQuery): Promise<AnalyticsResult> {
    const analytics = this.#state.analytics;
    if (!analytics) throw new AnalyticsUnavailableError(this.#state.analyticsOff!);
    const plan = planQuery(query, this.#state.clock(), analytics.retention);
    // This process's latest calls first, so that a query sees every call made before it.
    await analytics.recorder.flush();
    const store = this.#state.limiter.store;
    const read = store.readAnalytics!({ granularity: plan.granularity, from: plan.from, to: plan.to, now: this.#state.clock(), retention: analytics.retention });
    const cells = read instanceof Promise ? await withTimeout(read, 30_000, `${store.name} store analytics read`) : read;
    return aggregate(plan, cells);
  }

  /**
   * A chat completion through the gateway: validated, provisioned, limited, retried and metered.
   * With `stream: true`, resolves to an async iterable of chunks once the provider has started.
   * @throws a `GatewayError` subclass (see docs/errors.md)
   */
  chat(request: ChatRequest & { stream: true }, options?: ChatOptions): Promise<GatewayStream>;
  chat(request: ChatRequest & { stream?: false | null }, options?: ChatOptions): Promise<GatewayChatCompletion>;
  chat(request: ChatRequest, options?: ChatOptions): Promise<GatewayChatCompletion | GatewayStream>;
  chat(request: ChatRequest, options?: ChatOptions): Promise<GatewayChatCompletion | GatewayStream> {
    return runChat(this.#state, request, options);
  }

  /**
   * The OpenAI Responses API through the gateway: a `response`, or with `stream: true` an async
   * iterable of its events. Passed through unchanged to integrations whose provider serves it
   * (`openai`, `azure-openai`), with usage read from the response; translated to and from chat
   * for every other provider (and for every provider while middleware is installed, so that it
   * sees every call). Governed as the chat call it amounts to. Stored state (`previous_response_id`,
   * `conversation`, item references) and OpenAI's hosted tools are refused: no reservation could
   * bound what they cost.
   * @example const res = await gateway.responses({ workspace: 'team-a', model: '@openai-prod/gpt-4o-mini', input: 'Hello' })
   * @throws a `GatewayError` subclass (see docs/errors.md)
   */
  responses(request: ResponsesRequest & { stream: true }, options?: ChatOptions): Promise<GatewayResponsesStream>;
  responses(request: ResponsesRequest & { stream?: false | null }, options?: ChatOptions): Promise<GatewayResponse>;
  responses(request: ResponsesRequest, options?: ChatOptions): Promise<GatewayResponse | GatewayResponsesStream>;
  responses(request: ResponsesRequest, options?: ChatOptions): Promise<GatewayResponse | GatewayResponsesStream> {
    return runResponses(this.#state, request, options);
  }

  /**
   * Admits a call your own code makes (another SDK, a provider tollgate has no adapter for, an
   * integration with `provider: 'external'`): validation, access, the model allowlist and every
   * limit of every scope are checked and reserved as for `gateway.chat`; then make the call and
   * `end` it with its usage, which settles it and emits its usage event. Refusals throw the same
   * typed errors. `tollgate/ai-sdk` is built on it.
   * @example
   * const call = await gateway.admit({ workspace: 'team-a', model: '@local/llama-3', messages });
   * const answer = await myClient.complete({ messages, max_tokens: call.maxOutputTokens ?? 512 });
   * call.end({ usage: { inputTokens: answer.usage.in, outputTokens: answer.usage.out, ... } });
   */
  admit(request: ChatRequest, options?: ChatOptions): Promise<AdmittedCall> {
    return runAdmit(this.#state, request, options);
  }

  /**
   * Embeddings through the gateway: provisioning, limits (input tokens against token and cost
   * limits), retries and a usage event, as for chat. Returns an OpenAI embeddings list plus `gateway`.
   * @example await gateway.embeddings({ workspace: 'team-a', model: '@openai-prod/text-embedding-3-small', input: ['a', 'b'] })
   */
  embeddings(request: EmbeddingsRequest, options?: ChatOptions): Promise<GatewayEmbeddingResponse> {
    return runEmbeddings(this.#state, request, options);
  }

  /**
   * Resolves once the runtime changes in the store's policy log (keys made or revoked by other
   * gateways) are applied here. Calls wait for it by themselves; a server that authenticates
   * tokens itself (`keys.authenticate`) awaits it before serving.
   * @throws StoreUnavailableError when the store cannot be read
   */
  async ready(): Promise<void> {
    await this.#state.policyLog.ready();
  }

  /**
   * Whether this gateway can serve now: its policy log replayed and its store answering (one
   * `ping` round trip, bounded by `storeTimeoutMs`), and not closed. What a server's readiness
   * probe asks (`tollgate serve` answers `GET /readyz` with it). Never throws.
   * @example const { ready, reason } = await gateway.readiness(); // { ready: false, reason: 'redis store: ...' }
   */
  async readiness(): Promise<{ ready: true } | { ready: false; reason: string }> {
    const state = this.#state;
    if (state.closed) return { ready: false, reason: 'the gateway is closed' };
    const store = state.limiter.store;
    const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
    try {
      await state.policyLog.ready();
    } catch (error) {
      return { ready: false, reason: `the policy log could not be replayed: ${message(error)}` };
    }
    try {
      const pinged = store.ping?.();
      if (pinged instanceof Promise) await withTimeout(pinged, state.limiter.storeTimeoutMs, `${store.name} store ping`);
      return { ready: true };
    } catch (error) {
      return { ready: false, reason: `the ${store.name} store does not answer: ${message(error)}` };
    }
  }

  /** Adds middleware to the chain; it runs after the built-in policy steps, in the order added. */
  use(middleware: ChatMiddleware): this {
    if (typeof middleware !== 'function') throw new TypeError('gateway.use(middleware): middleware must be a function (ctx, next) => outcome');
    this.#state.middlewares.push(middleware);
    return this;
  }

  /** Listens to an event. A listener that throws is reported as `sink.error` and never affects a request. */
  on<K extends GatewayEventName>(name: K, listener: (payload: GatewayEventMap[K]) => void): this {
    this.#state.dispatcher.events.on(name, listener);
    return this;
  }

  once<K extends GatewayEventName>(name: K, listener: (payload: GatewayEventMap[K]) => void): this {
    this.#state.dispatcher.events.on(name, listener, true);
    return this;
  }

  off<K extends GatewayEventName>(name: K, listener: (payload: GatewayEventMap[K]) => void): this {
    this.#state.dispatcher.events.off(name, listener);
    return this;
  }

  /**
   * Resolves once every settlement the store missed is recorded (or given up), the calls other
   * processes never settled are taken from the store and published (`status: 'unsettled'`), and
   * every usage event published so far is delivered to every sink (or dropped and counted).
   */
  async flush(): Promise<void> {
    await this.#state.limiter.flush();
    await this.#state.unsettled.take();
    await this.#state.dispatcher.flush();
    await this.#state.analytics?.recorder.flush();
  }

  /**
   * Shuts the gateway down without losing a billing record: refuses new calls
   * (`GatewayClosedError`), waits for the calls in flight to end and send their usage events
   * (streams included: until they end or are abandoned), at most `timeoutMs` (default 10,000 ms;
   * keep it below your platform's shutdown grace period), then delivers what is queued, closes
   * the sinks, writes pending analytics and closes the store. A call still running after the
   * timeout is settled when it ends, but its event can no longer be delivered: it is counted as
   * dropped with a `sink.error` (`reason: 'closed'`). Calling it again waits for the first close.
   * @example process.once('SIGTERM', () => void gateway.close({ timeoutMs: 20_000 }).then(() => process.exit(0)))
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
      return Promise.reject(new TypeError(`gateway.close({ timeoutMs }): timeoutMs must be a finite number of ms, 0 or more (got ${String(timeoutMs)})`));
    }
    return (this.#closing ??= this.#close(timeoutMs));
  }

  #closing: Promise<void> | undefined;

  async #close(timeoutMs: number): Promise<void> {
    const state = this.#state;
    state.closed = true;
    state.policyLog.close();
    state.unsettled.stop();
    await this.#idle(timeoutMs);
    // After the calls in flight: one still waiting for capacity hears other gateways' releases.
    state.limiter.close();
    await state.limiter.flush();
    await state.unsettled.take();
    await state.dispatcher.close();
    await state.analytics?.recorder.flush();
    await state.limiter.store.close?.();
  }

  /** Resolves when no call is in flight, or after `timeoutMs`. */
  #idle(timeoutMs: number): Promise<void> {
    const state = this.#state;
    if (state.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        const i = state.whenIdle.indexOf(done);
        if (i >= 0) state.whenIdle.splice(i, 1);
        resolve();
      }
      state.whenIdle.push(done);
    });
  }

  /** Delivery counters: events published, and per sink queued, delivered, dropped, errors. */
  stats(): GatewayStats {
    const { published, sinks } = this.#state.dispatcher.stats();
    return { events: published, sinks, store: this.#state.limiter.stats(), analytics: this.#state.analytics?.recorder.stats() ?? null, waiting: this.#state.limiter.waitRoom.waiting };
  }
}

/** The tier of a status query's user or metadata values, as `tier(request)` names it (no model). */
function statusTier(state: GatewayState, query: StatusQuery): string | null {
  if (!state.tier) return null;
  const key = query.key === undefined ? null : state.policy.keys.get(query.key);
  const named = state.tier({
    workspace: key?.workspace ?? query.workspace ?? '',
    integration: key?.integration ?? query.integration ?? null,
    key: query.key ?? null,
    model: null,
    user: query.user ?? null,
    metadata: query.metadata ?? {},
  });
  return typeof named === 'string' ? named : null;
}

const nearestQuerySchema = z.strictObject({ n: z.number().int().min(1).max(1_000).optional(), kind: z.enum(['budget', 'rateLimit']).optional() });
