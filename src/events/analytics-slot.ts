/**
 * Where a store in this process may keep the analytics cell a key's last call went to (see
 * `AnalyticsStore.addAnalyticsCall`): the gateway passes the call's key policy along with its usage
 * event, so that the key's next call in the same minute reaches its cell without a lookup among
 * 100,000 keys' cells. Only the store writes it, and it checks what it finds there before using it.
 * Here, beside the dispatcher that carries it, because the events know nothing of analytics.
 */
export interface AnalyticsSlot {
  analytics: unknown;
}
