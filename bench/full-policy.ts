import { createGateway, secret, type Gateway, type Store } from '../src/index.js';
import { createMockChatAdapter } from '../src/providers/mock/mock-chat-adapter.js';
import { mockOptionsSchema } from '../src/providers/mock/mock-options.js';
import type { ChatRequestBody } from '../src/usage/chat-types.js';
import { defaultTransport } from '../src/providers/transport/default-transport.js';

export const messages = [{ role: 'user' as const, content: 'Summarize the quarterly report in three bullet points.' }];

/** A budget and two rate limits, large enough never to refuse during a benchmark. */
const limits = {
  budgets: [{ type: 'cost' as const, limit: 1_000_000_000, reset: 'monthly' as const, alertThreshold: 900_000_000 }],
  rateLimits: [
    { type: 'requests' as const, limit: 1_000_000_000, per: 'minute' as const },
    { type: 'tokens' as const, limit: 1_000_000_000_000, per: 'hour' as const },
  ],
};

export interface FullPolicyOptions {
  /** The store of the counters. Default: the memory store. */
  store?: Store;
  /** The SHA-256 of the key's token (`generateKey().hash`), so that the key opens over HTTP. */
  hash?: string;
  /** A store call slower than this fails (default 250 ms): a loaded SQL server at 64 in flight needs more. */
  storeTimeoutMs?: number;
  /** Adds to the key limits for each end user (a budget and a rate limit) and a concurrency limit. */
  endUsers?: boolean;
  /** `analytics.byUser` (default true). */
  analyticsByUser?: boolean;
  /** An OpenAI-shaped server (`.../v1`): the integration is then `provider: 'openai'` there, not the mock. */
  upstream?: string;
}

/** A budget and a rate limit for each user, and a concurrency limit: never refusing during a benchmark. */
const endUserLimits = {
  each: [{ by: 'user' as const, budgets: [{ type: 'cost' as const, limit: 1_000_000, reset: 'monthly' as const }], rateLimits: [{ type: 'requests' as const, limit: 1_000_000, per: 'minute' as const }] }],
  rateLimits: [...limits.rateLimits, { type: 'concurrency' as const, limit: 1_000_000 }],
};

/**
 * The full policy of DESIGN.md's target: model allowlist (integration, grant and key each narrow
 * it), a budget and two rate limits in each of three scopes (integration, grant, key) = 9
 * counters, a usage event with a listener and a sink, on the memory store unless `store` is given.
 */
export function fullPolicyGateway({ store, hash, storeTimeoutMs, endUsers, analyticsByUser, upstream }: FullPolicyOptions = {}): { gateway: Gateway; events: () => number } {
  const gateway = createGateway({
    ...(store ? { store } : {}),
    ...(storeTimeoutMs ? { storeTimeoutMs } : {}),
    ...(analyticsByUser === false ? { analytics: { byUser: false } } : {}),
    integrations: [
      {
        slug: 'mock',
        ...(upstream ? { provider: 'openai', baseURL: upstream } : { provider: 'mock' }),
        credentials: { apiKey: secret.value('bench-key') },
        models: ['gpt-4o-mini', 'gpt-4o'],
        workspaces: { 'team-a': { models: ['gpt-4o-mini'], ...limits } },
        ...limits,
      },
    ],
    keys: [{ id: 'app-1', workspace: 'team-a', integration: 'mock', models: ['gpt-4o-mini'], ...(hash ? { hash } : {}), ...limits, ...(endUsers ? endUserLimits : {}) }],
    sinks: [{ name: 'null', write: () => {} }],
  });
  let events = 0;
  gateway.on('usage', () => {
    events++;
  });
  return { gateway, events: () => events };
}

export const gatewayCall = (gateway: Gateway, user: () => string = () => 'u-1') => () =>
  gateway.chat({ key: 'app-1', model: 'gpt-4o-mini', messages, max_tokens: 200, user: user(), metadata: { user: 'u-1' } });

export const gatewayStream = (gateway: Gateway) => () => gateway.chat({ key: 'app-1', model: 'gpt-4o-mini', messages, max_tokens: 200, stream: true });

/**
 * The same mock adapter called directly. It makes its AbortSignal on demand, like the gateway:
 * the mock never asks for one, so neither side pays for it and the difference is the gateway's own work.
 */
export function directAdapter() {
  const adapter = createMockChatAdapter(mockOptionsSchema.parse({}));
  const call = (body: ChatRequestBody) => ({
    body,
    credentials: {},
    get signal() {
      return new AbortController().signal;
    },
    fetch,
    transport: defaultTransport,
    attempt: 1,
    warn: () => {},
  });
  return {
    chat: () => adapter.chat(call({ model: 'gpt-4o-mini', messages, max_tokens: 200 })),
    stream: () => adapter.stream(call({ model: 'gpt-4o-mini', messages, max_tokens: 200, stream: true })),
    /** The same calls with a body as a server parsed it (bench/http.ts's bare server). */
    chatBody: (body: ChatRequestBody) => adapter.chat(call(body)),
    streamBody: (body: ChatRequestBody) => adapter.stream(call(body)),
  };
}
