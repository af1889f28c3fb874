// npm test: pushed policy changes on a memory store whose reads are held back; a fraction of a second.
import { describe, expect, it } from 'vitest';
import { createGateway, memoryStore, type Store } from '../../src/index.js';
import type { PolicyChangeRecord } from '../../src/stores/store.js';
import { storeWith } from '../helpers/store-with.js';
import { until } from '../helpers/until.js';

/**
 * A gateway learns of changes made elsewhere by the store's push; the read a push starts may
 * have been answered before the next push's change was appended. That change must not wait for
 * the poll (here an hour away).
 */

/** The same memory store, with its policy reads answered only when `release` is called. */
function heldReads(shared: Store) {
  const waiting: Array<() => void> = [];
  let held = false;
  const store = storeWith(shared, {
    readPolicyChanges: (after: number, limit: number) => {
      // Read now (what the log holds at this moment), answered later.
      const records = shared.readPolicyChanges!(after, limit) as PolicyChangeRecord[];
      return held ? new Promise<PolicyChangeRecord[]>((resolve) => waiting.push(() => resolve(records))) : Promise.resolve(records);
    },
  });
  return {
    store,
    hold: () => (held = true),
    waiting: () => waiting.length,
    release: () => {
      held = false;
      waiting.splice(0).forEach((answer) => answer());
    },
  };
}

const config = (store: Store) => createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: { 'team-a': {} } }], store, policyPollMs: 3_600_000 });

describe('pushed policy changes', () => {
  it('a change pushed while a read is in flight is read after it, not at the next poll', async () => {
    const shared = memoryStore();
    const reads = heldReads(shared);
    const a = config(shared);
    const b = config(reads.store);
    await b.ready();
    const learned: string[] = [];
    b.on('key.created', (e) => learned.push(e.id));

    reads.hold();
    const first = await a.keys.create({ workspace: 'team-a', name: 'first' });
    // B's read of the first change has been made and is held.
    await until(() => reads.waiting() === 1);
    const second = await a.keys.create({ workspace: 'team-a', name: 'second' });
    // Let the second push reach B while the first read is still held.
    await new Promise<void>((resolve) => setImmediate(resolve));
    reads.release();

    await until(() => learned.length === 2);
    expect(learned).toEqual([first.id, second.id]);
    expect(b.keys.authenticate(second.token)).toMatchObject({ id: second.id });
    await Promise.all([a.close(), b.close()]);
  });
});
