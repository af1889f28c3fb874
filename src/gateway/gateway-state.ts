import type { AnalyticsRecorder } from '../analytics/analytics-recorder.js';
import type { Policy } from '../config/policy.js';
import type { ParsedIntegration } from '../config/parsed-config.js';
import type { AnalyticsRetention } from '../analytics/granularity.js';
import type { EventDispatcher } from '../events/event-dispatcher.js';
import type { PolicyLog } from '../policy/policy-log.js';
import type { UnsettledCalls } from './unsettled-calls.js';
import type { SecretResolver } from '../secrets/secret.js';
import type { Limiter } from '../limits/limiter.js';
import type { ChatAdapter } from '../providers/spec.js';
import type { ProviderTransport } from '../providers/transport/provider-transport.js';
import type { TierRequest } from './gateway-config.js';
import type { ChatMiddleware } from './types.js';
import type { RetryPolicy } from '../util/retry.js';

/** What a gateway holds. `policy` is replaced as a whole by a provisioning change (see PolicyLog). */
export interface GatewayState {
  policy: Policy;
  readonly adapters: ReadonlyMap<string, ChatAdapter>;
  /** Makes the adapter of an integration created or changed at runtime (see PolicyLog). */
  useIntegration(integration: ParsedIntegration): void;
  readonly middlewares: ChatMiddleware[];
  readonly dispatcher: EventDispatcher;
  readonly limiter: Limiter;
  /** Null when analytics are off, or the store keeps none. */
  readonly analytics: { recorder: AnalyticsRecorder; retention: AnalyticsRetention } | null;
  /** Why `analytics` is null. */
  readonly analyticsOff: string | null;
  readonly clock: () => number;
  readonly fetch: typeof globalThis.fetch;
  /** How adapters POST to providers: the `fetch` option when given, else the default transport (undici). */
  readonly transport: ProviderTransport;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  /** See GatewayConfig.tier. */
  readonly tier: ((request: TierRequest) => string | null | undefined) | null;
  /** See GatewayConfig.wait: null, calls do not wait unless they ask. */
  readonly wait: { maxMs: number } | null;
  /** See GatewayConfig.streamIdleTimeoutMs. */
  readonly streamIdleTimeoutMs: number;
  /** `createGateway({ secretResolvers })`: the loaders of `secret.ref` secrets. */
  readonly secretResolvers: Readonly<Record<string, SecretResolver>>;
  closed: boolean;
  /** Runtime policy changes shared through the store (set right after the state is made). */
  policyLog: PolicyLog;
  /** Calls other processes never settled, reported by this gateway as it takes them from the store. */
  readonly unsettled: UnsettledCalls;
  /** Calls between their start and their usage event: what close() waits for. */
  inFlight: number;
  /** Called (and emptied) when `inFlight` falls to 0. */
  readonly whenIdle: Array<() => void>;
}
