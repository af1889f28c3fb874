import { afterEach } from 'vitest';
import { createGateway, secret, type GatewayConfig, type UsageEvent } from '../../src/index.js';
import { otelSink, type OtelSinkOptions } from '../../src/sinks/otel.js';
import { otelHarness, type OtelHarness } from './otel-harness.js';

/** The gateway's clock: every call starts at this instant. */
export const START = Date.parse('2026-05-04T10:00:00.000Z');
export const USAGE = { inputTokens: 1_000, outputTokens: 200, cacheReadTokens: 400, cacheWriteTokens: 100, reasoningTokens: 50 };
// USD per 1M tokens: a call with USAGE costs 500 x 2 + 400 x 0.5 + 100 x 2.5 + 200 x 8 = 3050 micro-dollars.
const PRICE = { input: 2, output: 8, cachedInput: 0.5, cacheWrite: 2.5 };
export const COST = 0.00305;
/** The integration's API key: it must appear in no exported span or metric. */
export const API_KEY = 'sk-otel-test-secret-0123456789abcdef';
/** The boundaries the GenAI conventions recommend, written out independently of the sink's code. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
export const SECOND_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

/** A chat call through the key `app-1` (1 request a minute), with a user and metadata. */
export const request = {
  key: 'app-1',
  model: 'gpt-x',
  messages: [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'Weather in Paris?' },
  ],
  max_tokens: 300,
  user: 'u-42',
  metadata: { feature: 'assistant', tenant: 'acme' },
};
/** The same call made for the workspace directly (no key, no rate limit). */
export const byWorkspace = { ...request, key: undefined, workspace: 'research', model: '@llm/gpt-x' };

export interface OtelGatewayOptions {
  /** Options of the sink, besides the harness's providers. */
  sink?: OtelSinkOptions;
  /** Options of the mock provider (usage is USAGE unless overridden). */
  mock?: Record<string, unknown>;
  harness?: OtelHarness;
  /** Hand the harness's providers to the sink (default); false: the sink uses the global ones. */
  explicitProviders?: boolean;
}

/**
 * Registers the cleanup of every gateway and harness a test file creates, and returns the
 * factory: a gateway on the mock provider with an otelSink, and the usage events it published.
 */
export function useOtelGateways() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  return function otelGateway({ sink = {}, mock = {}, harness = otelHarness(), explicitProviders = true }: OtelGatewayOptions = {}) {
    const providers = explicitProviders ? { tracerProvider: harness.tracerProvider, meterProvider: harness.meterProvider } : {};
    const config: GatewayConfig = {
      integrations: [
        {
          slug: 'llm',
          provider: 'mock',
          credentials: { apiKey: secret.value(API_KEY) },
          models: ['gpt-x', 'embed-x'],
          pricing: { 'gpt-x': PRICE, 'embed-x': { input: 0.02, output: 0 } },
          workspaces: { research: {} },
          mock: { usage: USAGE, ...mock },
        },
      ],
      keys: [{ id: 'app-1', workspace: 'research', integration: 'llm', rateLimits: [{ type: 'requests', limit: 1, per: 'minute' }] }],
      retry: { retries: 0 },
      clock: () => START,
      sinks: [otelSink({ ...providers, ...sink })],
    };
    const gateway = createGateway(config);
    const events: UsageEvent[] = [];
    gateway.on('usage', (e) => events.push(e));
    cleanups.push(async () => {
      await gateway.close();
      await harness.shutdown();
    });
    return { gateway, events, h: harness };
  };
}
