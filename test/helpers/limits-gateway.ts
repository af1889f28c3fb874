import { createGateway, type BudgetConfig, type GatewayConfig, type GatewayEventMap, type RateLimitConfig, type UsageEvent } from '../../src/index.js';
import { estimateInputTokensUpperBound } from '../../src/usage/estimate-tokens.js';

/**
 * A mock integration whose model 'm' costs exactly USD 0.001 per token (USD 1,000 per 1M), and
 * every call uses 20 input + 80 output tokens: USD 0.10 a call.
 */
export const PRICE = { input: 1_000, output: 1_000 };
export const CALL_TOKENS = 100;
export const CALL_COST = 0.1;
export const MESSAGES = [{ role: 'user' as const, content: 'Hello' }];
/** Worst case reserved per call with max_tokens = MAX_TOKENS: the input bound plus the output cap. */
export const MAX_TOKENS = 80;
export const RESERVED_TOKENS = estimateInputTokensUpperBound(MESSAGES) + MAX_TOKENS;

export interface LimitsSetup {
  integration?: { budgets?: BudgetConfig[]; rateLimits?: RateLimitConfig[]; customModels?: Array<{ id: string; pricing: typeof PRICE }> };
  grants?: Record<string, { budgets?: BudgetConfig[]; rateLimits?: RateLimitConfig[]; models?: string[] } | false>;
  workspaces?: GatewayConfig['workspaces'];
  keys?: GatewayConfig['keys'];
  start?: string;
  extra?: Partial<GatewayConfig>;
  mock?: Record<string, unknown>;
}

/** A gateway on a controllable clock, recording every event it emits. */
export function limitsGateway(setup: LimitsSetup = {}) {
  let now = Date.parse(setup.start ?? '2026-11-18T09:30:00Z');
  const gateway = createGateway({
    integrations: [
      {
        slug: 'mock',
        provider: 'mock',
        customModels: [{ id: 'm', pricing: PRICE }],
        workspaces: setup.grants ?? { '*': {} },
        ...setup.integration,
        mock: { usage: { inputTokens: 20, outputTokens: 80 }, ...setup.mock },
      },
    ],
    workspaces: setup.workspaces,
    keys: setup.keys,
    clock: () => now,
    ...setup.extra,
  });
  const events: { [K in keyof GatewayEventMap]?: Array<GatewayEventMap[K]> } = {};
  for (const name of ['usage', 'budget.alert', 'budget.exhausted', 'budget.changed', 'ratelimit.exceeded', 'store.degraded'] as const) {
    events[name] = [];
    gateway.on(name, (e) => (events[name] as unknown[]).push(e));
  }
  const request = (workspace: string, extra: Record<string, unknown>) => ({ workspace, model: '@mock/m', messages: MESSAGES, max_tokens: MAX_TOKENS, ...extra });
  const call = (workspace = 'team-a', extra: Record<string, unknown> = {}) => gateway.chat({ ...request(workspace, extra), stream: false });
  const stream = (workspace = 'team-a', extra: Record<string, unknown> = {}) => gateway.chat({ ...request(workspace, extra), stream: true });
  /** Calls until one is refused; returns the successes and the refusal. */
  const drain = async (workspace = 'team-a', max = 1_000) => {
    let ok = 0;
    for (let i = 0; i < max; i++) {
      try {
        await call(workspace);
        ok++;
      } catch (error) {
        return { ok, error };
      }
    }
    return { ok, error: undefined };
  };
  return {
    gateway,
    events: events as { [K in keyof GatewayEventMap]: Array<GatewayEventMap[K]> },
    call,
    stream,
    drain,
    setNow: (iso: string) => (now = Date.parse(iso)),
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}

export const usageEvents = (events: { usage: UsageEvent[] }) => events.usage;

/** The limits gateway's model on a clock of its own, without recording events (a million calls would not fit in memory). */
export function quietGateway(config: { workspaces: GatewayConfig['workspaces']; store?: GatewayConfig['store'] }) {
  let now = Date.parse('2026-11-18T09:30:00Z');
  const gateway = createGateway({
    integrations: [{ slug: 'mock', provider: 'mock', customModels: [{ id: 'm', pricing: PRICE }], workspaces: { '*': {} }, mock: { usage: { inputTokens: 20, outputTokens: 80 } } }],
    clock: () => now,
    analytics: false,
    ...config,
  });
  const call = (workspace: string, extra: Record<string, unknown>) => gateway.chat({ workspace, model: '@mock/m', messages: MESSAGES, max_tokens: MAX_TOKENS, ...extra });
  return { gateway, call, advance: (ms: number) => (now += ms) };
}

/** A budget of USD 1 and 5 requests a minute for each user (a templated scope). */
export const PER_USER = { each: [{ by: 'user' as const, budgets: [{ type: 'cost' as const, limit: 1 }], rateLimits: [{ type: 'requests' as const, limit: 5, per: 'minute' as const }] }] };
