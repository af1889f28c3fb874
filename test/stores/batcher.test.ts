// npm test: the batcher alone; milliseconds.
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/stores/batcher.js';

/** A run that records its batches and answers each op doubled; an op of -1 makes the whole batch fail. */
function recorder() {
  const batches: number[][] = [];
  const run = (ops: number[]) => {
    batches.push(ops);
    if (ops.includes(-1)) throw new Error('refused: -1');
    return ops.map((op) => op * 2);
  };
  return { batches, run };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('Batcher, synchronous engine (SQLite)', () => {
  it('runs an op that may not wait at once and answers it synchronously', () => {
    const { batches, run } = recorder();
    const batcher = new Batcher<number, number>({ engine: 'sync', maxSize: 10, run });
    expect(batcher.submit(1)).toBe(2);
    expect(batcher.submit(2)).toBe(4);
    expect(batches).toEqual([[1], [2]]);
  });

  it('ops that may wait go with the next op that runs, in one batch, in order', async () => {
    const { batches, run } = recorder();
    const batcher = new Batcher<number, number>({ engine: 'sync', maxSize: 10, run, mayWait: (op) => op < 100 });
    const waiting = [batcher.submit(1), batcher.submit(2)];
    expect(waiting.every((w) => w instanceof Promise)).toBe(true);
    expect(batches).toEqual([]);
    expect(batcher.submit(100)).toBe(200);
    expect(batches).toEqual([[1, 2, 100]]);
    expect(await Promise.all(waiting)).toEqual([2, 4]);
  });

  it('ops that wait run at the next turn of the event loop when nothing else runs', async () => {
    const { batches, run } = recorder();
    const batcher = new Batcher<number, number>({ engine: 'sync', maxSize: 2, run, mayWait: () => true });
    const waiting = [1, 2, 3].map((op) => batcher.submit(op));
    await nextTurn();
    expect(batches).toEqual([[1, 2], [3]]);
    expect(await Promise.all(waiting)).toEqual([2, 4, 6]);
  });

  it('a batch that fails is run op by op: only the op at fault fails', async () => {
    const { batches, run } = recorder();
    const batcher = new Batcher<number, number>({ engine: 'sync', maxSize: 10, run, mayWait: (op) => op < 100 });
    const waiting = Promise.allSettled([batcher.submit(1), batcher.submit(-1)]);
    expect(batcher.submit(100)).toBe(200);
    expect(batches).toEqual([[1, -1, 100], [1], [-1], [100]]);
    expect(await waiting).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('refused: -1') },
    ]);
  });
});

describe('Batcher, remote engine (PostgreSQL)', () => {
  /** A run answered when `release` is called, to hold batches on their way. */
  function held() {
    const batches: number[][] = [];
    const pending: Array<() => void> = [];
    const run = (ops: number[]) =>
      new Promise<number[]>((resolve, reject) => {
        batches.push(ops);
        pending.push(() => (ops.includes(-1) ? reject(new Error('refused: -1')) : resolve(ops.map((op) => op * 2))));
      });
    const release = async () => {
      for (const answer of pending.splice(0)) answer();
      await nextTurn();
    };
    return { batches, run, release };
  }

  it('gathers the ops of one turn in one batch', async () => {
    const { batches, run, release } = held();
    const batcher = new Batcher<number, number>({ engine: 'remote', maxInFlight: 1, maxSize: 10, run });
    const answers = [1, 2, 3].map((op) => batcher.submit(op));
    await nextTurn();
    expect(batches).toEqual([[1, 2, 3]]);
    await release();
    expect(await Promise.all(answers)).toEqual([2, 4, 6]);
  });

  it('sends what queued while batches were on their way as soon as one returns, never more than maxInFlight at once', async () => {
    const { batches, run, release } = held();
    const batcher = new Batcher<number, number>({ engine: 'remote', maxInFlight: 1, maxSize: 10, run });
    const first = batcher.submit(1);
    await nextTurn();
    const later = [batcher.submit(2), batcher.submit(3)];
    await nextTurn();
    expect(batches).toEqual([[1]]);
    await release();
    expect(batches).toEqual([[1], [2, 3]]);
    await release();
    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6]);
  });

  it('a batch that fails is sent again op by op: only the op at fault fails', async () => {
    const { batches, run, release } = held();
    const batcher = new Batcher<number, number>({ engine: 'remote', maxInFlight: 1, maxSize: 10, run });
    const answers = Promise.allSettled([batcher.submit(1), batcher.submit(-1), batcher.submit(3)]);
    await nextTurn();
    await release();
    await release();
    expect(batches).toEqual([[1, -1, 3], [1], [-1], [3]]);
    expect(await answers).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('refused: -1') },
      { status: 'fulfilled', value: 6 },
    ]);
  });
});
