import type { HeaderReader } from '../transport/provider-transport.js';

/** Headers worth keeping on an error or a result: request ids, rate-limit state, retry hints. */
const KEEP = /^(x-ratelimit-|anthropic-ratelimit-|retry-after|x-request-id$|request-id$|x-should-retry$|x-amzn-requestid$)/;

export function pickHeaders(headers: HeaderReader): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (KEEP.test(name)) out[name] = value;
  });
  return out;
}
