import { parseConfig } from '../config/parse-config.js';
import { defaultTransport } from '../providers/transport/default-transport.js';
import { fetchTransport } from '../providers/transport/fetch-transport.js';
import { keepsAnalytics } from '../stores/store-capabilities.js';
import { buildPolicy } from '../config/policy.js';
import type { GatewayConfig } from './gateway-config.js';
import { ConfigError } from '../errors/config-error.js';
import { AnalyticsRecorder } from '../analytics/analytics-recorder.js';
import { EventDispatcher } from '../events/event-dispatcher.js';
import type { Sink } from '../events/sink.js';
import { providers } from '../providers/registry.js';
import type { ChatAdapter } from '../providers/spec.js';
import { Limiter } from '../limits/limiter.js';
import { memoryStore } from '../stores/memory-store.js';
import type { Store } from '../stores/store.js';
import { KeyTable } from '../config/key-table.js';
import type { ParsedIntegration } from '../config/parsed-config.js';
import { bindSecret, isSecret, type SecretResolver } from '../secrets/secret.js';
import { PolicyLog } from '../policy/policy-log.js';
import { UnsettledCalls } from './unsettled-calls.js';
import { unknownResolvers } from '../policy/encoded-secrets.js';
import { Gateway } from './gateway.js';
import type { GatewayState } from './gateway-state.js';

/**
 * Creates a gateway from a config. The whole config is validated first: on any problem a single
 * `ConfigError` lists every one of them with its path.
 * @example
 * const gateway = createGateway({
 *   integrations: [{ slug: 'mock', provider: 'mock', workspaces: 'all' }],
 * });
 */
export function createGateway(config: GatewayConfig): Gateway {
  const result = parseConfig(config, { requireKeyAccess: true });
  if ('issues' in result) throw new ConfigError(result.issues);
  const resolvers = result.config.secretResolvers as Record<string, SecretResolver>;
  const unknown = result.config.integrations.flatMap((integration, i) => [
    ...unknownResolvers(integration.credentials, resolvers, `integrations[${i}].credentials`),
    ...unknownResolvers((integration.headers as Record<string, unknown> | undefined) ?? {}, resolvers, `integrations[${i}].headers`),
  ]);
  if (unknown.length > 0) throw new ConfigError(unknown);
  // Secrets given by reference get this gateway's resolvers.
  const parsed = { ...result.config, integrations: result.config.integrations.map((i) => bindSecrets(i, resolvers)) };

  const adapters = new Map<string, ChatAdapter>();
  // Not `parsed` itself: a closure that outlives this function would keep the whole parsed config
  // alive (100,000 parsed keys that the key table has copied).
  const { defaultMaxOutputTokens } = parsed.limits;
  const useIntegration = (integration: ParsedIntegration) => {
    const { slug, provider, baseURL } = integration;
    // The integration's own headers are the gateway's to send (they may be secrets): see withProvider.
    adapters.set(slug, providers.get(provider)!.createAdapter({ ...integration, slug, provider, baseURL, headers: undefined, defaultMaxOutputTokens }));
  };
  for (const integration of parsed.integrations) useIntegration(integration);

  const clock = (parsed.clock as (() => number) | undefined) ?? Date.now;
  const dispatcher = new EventDispatcher(parsed.sinks as Sink[], {
    queueSize: parsed.events.queueSize,
    batchSize: parsed.events.batchSize,
    sinkTimeoutMs: parsed.events.sinkTimeoutMs,
    clock,
  });
  const limiter = new Limiter(
    (parsed.store as Store | undefined) ?? memoryStore(),
    dispatcher.events,
    parsed.limits,
    { onStoreError: parsed.onStoreError, timeoutMs: parsed.storeTimeoutMs },
    clock,
  );
  const policy = buildPolicy(parsed, new KeyTable(parsed.keys));
  limiter.usePolicy(policy);

  const analyticsConfig = parsed.analytics;
  const store = limiter.store;
  let analytics: GatewayState['analytics'] = null;
  let analyticsOff: string | null = null;
  if (analyticsConfig === false) analyticsOff = 'turned off (analytics: false)';
  else if (!keepsAnalytics(store)) analyticsOff = `the ${store.name} store keeps no analytics (it has no recordAnalytics and readAnalytics)`;
  else {
    const recorder = new AnalyticsRecorder(
      limiter.guardedStore,
      {
        retention: analyticsConfig.retention,
        flushIntervalMs: analyticsConfig.flushIntervalMs,
        maxPendingCells: analyticsConfig.maxPendingCells,
        byUser: analyticsConfig.byUser,
        // A batch is not urgent: a slow store gets time, and a batch sent again applies once.
        timeoutMs: Math.max(parsed.storeTimeoutMs, 5_000),
      },
      clock,
    );
    dispatcher.tap((event, startedAt, slot) => recorder.add(event, startedAt, slot));
    analytics = { recorder, retention: analyticsConfig.retention };
  }

  const state: GatewayState = {
    policy,
    adapters,
    useIntegration,
    middlewares: [],
    dispatcher,
    limiter,
    analytics,
    analyticsOff,
    clock,
    fetch: (parsed.fetch as typeof globalThis.fetch | undefined) ?? ((input, init) => globalThis.fetch(input, init)),
    transport: parsed.fetch ? fetchTransport(parsed.fetch as typeof globalThis.fetch) : defaultTransport,
    retry: parsed.retry,
    timeoutMs: parsed.timeoutMs,
    streamIdleTimeoutMs: parsed.streamIdleTimeoutMs,
    wait: parsed.wait ?? null,
    tier: (parsed.tier as GatewayState['tier'] | undefined) ?? null,
    secretResolvers: resolvers,
    closed: false,
    inFlight: 0,
    whenIdle: [],
    policyLog: undefined as unknown as PolicyLog,
    unsettled: new UnsettledCalls(store, dispatcher, clock, parsed.policyPollMs),
  };
  // Policy changes are an admin's, and the replay a gateway's start: neither is a call's path, so
  // they get the time a loaded store needs, like analytics batches.
  state.policyLog = new PolicyLog(state, store, { timeoutMs: Math.max(parsed.storeTimeoutMs, 5_000), pollMs: parsed.policyPollMs });
  return new Gateway(state);
}

/** The integration with its `secret.ref` credentials and headers bound to `resolvers`. */
function bindSecrets(integration: ParsedIntegration, resolvers: Record<string, SecretResolver>): ParsedIntegration {
  const bind = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, isSecret(v) ? bindSecret(v, resolvers) : v]));
  const headers = integration.headers as Record<string, unknown> | undefined;
  return { ...integration, credentials: bind(integration.credentials), ...(headers ? { headers: bind(headers) } : {}) } as ParsedIntegration;
}
