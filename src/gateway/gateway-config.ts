import type { AnalyticsConfig, EventsConfig, IntegrationConfig, KeyConfig, LimitsConfig, LimitsOptionsConfig, RetryConfig } from '../config/types.js';
import type { Sink } from '../events/sink.js';
import type { Store } from '../stores/store.js';
import type { SecretResolver } from '../secrets/secret.js';

/** What `tier(request)` is told of a call (of a status query: no model). */
export interface TierRequest {
  workspace: string;
  integration: string | null;
  key: string | null;
  model: string | null;
  user: string | null;
  metadata: Readonly<Record<string, string>>;
}

/** Everything `createGateway` takes. Its parts are defined with the concept they configure. */
export interface GatewayConfig {
  integrations: IntegrationConfig[];
  /** Workspace-wide limits, across every integration (`'*'`: each workspace gets them). */
  workspaces?: Record<string, LimitsConfig>;
  keys?: KeyConfig[];
  /** Where usage events go, each through its own bounded queue. */
  sinks?: Sink[];
  retry?: RetryConfig;
  /** Upstream timeout of one attempt. Default 600,000 ms. */
  timeoutMs?: number;
  /**
   * A stream the caller stops reading for this long (between two chunks, or before the first) is
   * closed upstream and settled with what was delivered, its usage event `aborted`: a stream
   * dropped or forgotten never holds its reservation until `reservationTtlMs`. 0: never.
   * Default 300,000 ms (5 minutes).
   */
  streamIdleTimeoutMs?: number;
  /**
   * How often the store's policy log is read for runtime changes made by other gateways on the
   * store (keys made or changed). Redis also pushes each change at once (pub/sub on a second
   * connection); this read is the backstop for a lost message. Revocations never wait for either.
   * Default 1,000 ms.
   */
  policyPollMs?: number;
  /**
   * Loaders of the secrets given as `secret.ref(resolver, name)`, by resolver name: e.g.
   * `{ vault: (name) => vault.read(name) }`. A reference is a name, never a value, so it is what
   * credential rotation shares through a store (see `provisioning.rotateCredentials`).
   */
  secretResolvers?: Record<string, SecretResolver>;
  events?: EventsConfig;
  /** Where limit counters live. Default: `memoryStore()` (this process only). */
  store?: Store;
  /**
   * When the store fails or does not answer within `storeTimeoutMs`: `fail-closed` (default)
   * refuses the call with `StoreUnavailableError`; `fail-open` lets it through unchecked. Every
   * degraded decision emits `store.degraded`.
   */
  onStoreError?: 'fail-closed' | 'fail-open';
  /** A store call that takes longer counts as failed (the request never waits longer). Default 250 ms. */
  storeTimeoutMs?: number;
  limits?: LimitsOptionsConfig;
  /**
   * Usage analytics (`gateway.analytics.query`), kept in the store: in memory, or shared by
   * every process with the Redis store. `false` keeps none. Default: on.
   */
  analytics?: AnalyticsConfig | false;
  /** Epoch milliseconds; injectable for tests. Default `Date.now`. */
  clock?: () => number;
  /**
   * The tier of a request, for templated scopes with `tiers` (`each: [{ by: 'user', tiers: { pro: ... } }]`):
   * asked at most once per call, and only when a template of the call has tiers. Null,
   * undefined or a tier the template does not list: its default limits.
   * @example tier: ({ user }) => (proUsers.has(user ?? '') ? 'pro' : 'free')
   */
  tier?: (request: TierRequest) => string | null | undefined;
  /** The fetch used for provider calls (proxies, tests). Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /**
   * How long a call refused by a rate or concurrency limit may wait for capacity, unless it says
   * otherwise (`ChatOptions.wait`). Default: it does not wait.
   * @example wait: { maxMs: 10_000 }
   */
  wait?: { maxMs: number };
}
