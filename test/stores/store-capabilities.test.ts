// npm test: which capabilities the gateway finds on a store; milliseconds.
import { describe, expect, it } from 'vitest';
import { createGateway, memoryStore, type Store } from '../../src/index.js';
import { keepsAnalytics, keepsLedger, keepsPolicyLog } from '../../src/stores/store-capabilities.js';

/** A capability is a whole interface: half of one is none. */

const counters = (extra: Partial<Store> = {}): Store => {
  const memory = memoryStore();
  return {
    name: 'custom',
    admit: (input) => memory.admit(input),
    settle: (input) => memory.settle(input),
    read: (keys, now) => memory.read(keys, now),
    registerBudgets: (origins, now) => memory.registerBudgets(origins, now),
    ...extra,
  };
};

describe('store capabilities', () => {
  it('the memory store has the policy log and analytics, and no ledger; a counters-only store has none', () => {
    const memory = memoryStore();
    expect([keepsPolicyLog(memory), keepsAnalytics(memory), keepsLedger(memory)]).toEqual([true, true, false]);
    expect([keepsPolicyLog(counters()), keepsAnalytics(counters()), keepsLedger(counters())]).toEqual([false, false, false]);
  });

  it('half a capability is none: a log that can be appended to but not read, analytics written but not read', async () => {
    const memory = memoryStore();
    const half = counters({ appendPolicyChange: (input) => memory.appendPolicyChange(input), recordAnalytics: (cells, options) => memory.recordAnalytics(cells, options) });
    expect(keepsPolicyLog(half)).toBe(false);
    expect(keepsAnalytics(half)).toBe(false);
    const gateway = createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: 'all' }], store: half });
    // Analytics off, saying why; runtime keys kept in this process (nothing appended to the half log).
    await expect(gateway.analytics.query({ from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' })).rejects.toMatchObject({ message: expect.stringContaining('custom store keeps no analytics') });
    await gateway.keys.create({ workspace: 'team', integration: 'llm' });
    expect(memory.readPolicyChanges(0, 10)).toEqual([]);
    await gateway.close();
  });
});
