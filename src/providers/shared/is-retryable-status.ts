import type { HeaderReader } from '../transport/provider-transport.js';

/**
 * Statuses worth retrying: timeouts (408), conflicts (409, e.g. a lock on the provider side),
 * rate limits (429) and server errors. A provider's explicit `x-should-retry` header wins.
 */
export function isRetryableStatus(status: number, headers?: Pick<HeaderReader, 'get'>): boolean {
  const hint = headers?.get('x-should-retry');
  if (hint === 'true') return true;
  if (hint === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
