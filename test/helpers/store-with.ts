import type { AdmitInput, AdmitResult, Store } from '../../src/index.js';

/**
 * `store` with some of its calls replaced (a read held back, a ping that never answers): every
 * other call is the store's own, bound to it (its private fields need `this` to be the store).
 */
export function storeWith(store: Store, replaced: Partial<Record<keyof Store, unknown>>): Store {
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property as keyof Store];
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `store` as a store that does not report its counters' totals at admission (a custom store, PostgreSQL). */
export function storeWithoutTotals(store: Store): Store {
  const strip = (result: AdmitResult): AdmitResult => {
    if (!result.admitted || !('totals' in result)) return result;
    const { totals: _totals, ...rest } = result;
    return rest;
  };
  return storeWith(store, {
    admit: (input: AdmitInput) => {
      const result = store.admit(input);
      return result instanceof Promise ? result.then(strip) : strip(result);
    },
  });
}
