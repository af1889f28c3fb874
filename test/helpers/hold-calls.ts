import type { Gateway } from '../../src/index.js';

/**
 * Holds every call of `gateway` after its admission and before its provider call (a middleware),
 * until `release()`: a call in flight for as long as the test looks at it, with no clock involved.
 */
export function holdCalls(gateway: Gateway) {
  let held = 0;
  let arrived: (() => void) | null = null;
  const waiting: Array<() => void> = [];
  gateway.use(async (_ctx, next) => {
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      held++;
      arrived?.();
    });
    return next();
  });
  return {
    /** Resolves once `n` calls in all have been admitted and held. */
    async admitted(n = 1): Promise<void> {
      while (held < n) await new Promise<void>((resolve) => (arrived = resolve));
    },
    /** Lets every held call go on to its provider. */
    release(): void {
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}
