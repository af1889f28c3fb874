import { expect } from 'vitest';
import { ProviderError } from '../../src/index.js';

/** Awaits a promise expected to reject, and returns its error. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
}

/** Awaits a call expected to fail with a ProviderError, and returns it. */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}
