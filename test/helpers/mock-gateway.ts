import { createGateway, type GatewayConfig, type UsageEvent } from '../../src/index.js';

/** A user message request for `model` in `workspace`. */
type Ask = { workspace: string; model: string; messages: Array<{ role: 'user'; content: string }> };
// Overloads, so that `ask(m)` is never inferred from the context (it would pick the stream overload of chat).
export function ask(model: string): Ask;
export function ask<const E extends Record<string, unknown>>(model: string, extra: E): Omit<Ask, keyof E> & E;
export function ask(model: string, extra: Record<string, unknown> = {}) {
  return { workspace: 'team-a', model, messages: [{ role: 'user' as const, content: 'Hello' }], ...extra };
}

/** A gateway and the usage events it publishes. */
export function gatewayWithEvents(config: GatewayConfig) {
  const gateway = createGateway(config);
  const events: UsageEvent[] = [];
  gateway.on('usage', (e) => events.push(e));
  return { gateway, events };
}
