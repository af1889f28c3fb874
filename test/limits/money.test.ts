// npm test: integer micro-dollar arithmetic with fast-check properties; milliseconds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costMicros, toPriceMicros, usdToMicros, worstCaseCostMicros } from '../../src/limits/money.js';

const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) => ({ inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens });

describe('money', () => {
  it('prices each token category at its rate, in integer micro-dollars', () => {
    const price = toPriceMicros({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 });
    // 1,000 plain input + 2,000 cache read + 500 cache write + 1,000 output
    // = 3000 + 600 + 1875 + 15000 micro-dollars
    expect(costMicros(usage(3_500, 1_000, 2_000, 500), price)).toBe(20_475);
  });

  it('defaults cached and cache-write rates to the input rate', () => {
    const price = toPriceMicros({ input: 2, output: 8 });
    expect(costMicros(usage(1_000, 0, 1_000, 0), price)).toBe(costMicros(usage(1_000, 0), price));
  });

  it('rounds a call up to the next micro-dollar, never down', () => {
    const price = toPriceMicros({ input: 0.15, output: 0.6 });
    expect(costMicros(usage(7, 0), price)).toBe(2); // 1.05 -> 2
    expect(costMicros(usage(100, 0), price)).toBe(15);
  });

  it('sums without floating-point drift', () => {
    const price = toPriceMicros({ input: 0.1, output: 0.3 });
    let micros = 0;
    let dollars = 0;
    for (let i = 0; i < 100_000; i++) {
      micros += costMicros(usage(1_000, 1_000), price); // 100 + 300 micro-dollars
      dollars += 0.0004;
    }
    expect(micros).toBe(40_000_000);
    expect(dollars).not.toBe(40); // what adding floats would have recorded
  });

  it('the worst case is never below the actual cost of any split of the same tokens', () => {
    fc.assert(
      fc.property(
        fc.record({ input: fc.double({ min: 0, max: 100, noNaN: true }), output: fc.double({ min: 0, max: 100, noNaN: true }), cachedInput: fc.double({ min: 0, max: 100, noNaN: true }), cacheWrite: fc.double({ min: 0, max: 100, noNaN: true }) }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, input, output, readShare, writeShare) => {
          const price = toPriceMicros(p);
          const read = Math.floor(input * readShare);
          const write = Math.floor((input - read) * writeShare);
          expect(costMicros(usage(input, output, read, write), price)).toBeLessThanOrEqual(worstCaseCostMicros(input, output, price));
        },
      ),
    );
  });

  it('converts USD to micro-dollars exactly for budget limits', () => {
    expect(usdToMicros(100)).toBe(100_000_000);
    expect(usdToMicros(0.1 + 0.2)).toBe(300_000);
  });
});
