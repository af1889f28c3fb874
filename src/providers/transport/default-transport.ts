import { fetchTransport } from './fetch-transport.js';
import type { ProviderTransport } from './provider-transport.js';
import { undiciTransport } from './undici-transport.js';

/** The global `fetch` when this module was loaded: Node's own, unless something had replaced it already. */
const FETCH_AT_LOAD = globalThis.fetch;

const viaGlobalFetch = fetchTransport((input, init) => globalThis.fetch(input, init));

/**
 * The transport of a gateway given no `fetch`: undici's `request`, unless the global `fetch` has
 * been replaced since tollgate was loaded (msw or nock in a test, an APM agent that traces
 * `fetch`), when calls go through that replacement, as they would if tollgate used `fetch`. A
 * replacement made before tollgate is first imported is not seen: give it as the `fetch` option.
 */
export const defaultTransport: ProviderTransport = (url, request) =>
  globalThis.fetch === FETCH_AT_LOAD ? undiciTransport(url, request) : viaGlobalFetch(url, request);
