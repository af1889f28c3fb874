import { EventEmitter } from 'eventemitter3';
import type {
  BudgetAlertEvent,
  BudgetChangedEvent,
  BudgetExhaustedEvent,
  BudgetOvershootEvent,
  ProviderLimitedEvent,
  RateLimitExceededEvent,
  StoreDegradedEvent,
} from './limit-events.js';
import type { AuditEntry } from './audit-entry.js';
import type { SinkErrorEvent } from './sink.js';
import type { UsageEvent } from './usage-event.js';

/**
 * A runtime key change, emitted by every gateway that applies it (the one that made it too):
 * never a token or hash. `version` is the change's place in the store's policy log, `origin` the
 * gateway that made it.
 */
export interface KeyChangeEvent {
  id: string;
  workspace: string;
  integration: string;
  version: number;
  origin: string;
  at: string;
}

/** A runtime provisioning change (never carries credentials), emitted by every gateway that applies it. */
export interface ProvisioningChangeEvent {
  action: 'provision' | 'revoke' | 'set-models' | 'rotate-credentials' | 'override';
  /** Null for an override of a workspace-wide templated scope. */
  integration: string | null;
  workspace: string | null;
  /** The change's place in the store's policy log (1, 2, 3...: one order for every process). */
  version: number;
  /** The gateway that made the change (`host:pid:id`). */
  origin: string;
  /** ISO time the change was applied here. */
  at: string;
}

/** A runtime integration change (never carries credentials), emitted by every gateway that applies it. */
export interface IntegrationChangeEvent {
  action: 'create' | 'update' | 'disable' | 'enable';
  integration: string;
  version: number;
  origin: string;
  /** ISO time the change was applied here. */
  at: string;
}

/** Events of `gateway.on(name, listener)`, with their payload. */
export interface GatewayEventMap {
  usage: UsageEvent;
  'budget.alert': BudgetAlertEvent;
  'budget.exhausted': BudgetExhaustedEvent;
  'budget.overshoot': BudgetOvershootEvent;
  'budget.changed': BudgetChangedEvent;
  'ratelimit.exceeded': RateLimitExceededEvent;
  'provider.limited': ProviderLimitedEvent;
  'store.degraded': StoreDegradedEvent;
  'sink.error': SinkErrorEvent;
  'provisioning.changed': ProvisioningChangeEvent;
  'key.created': KeyChangeEvent;
  'key.updated': KeyChangeEvent;
  'key.revoked': KeyChangeEvent;
  'key.rotated': KeyChangeEvent;
  'integration.changed': IntegrationChangeEvent;
  /**
   * An entry of the audit (`gateway.audit.list`), emitted once in the fleet: by the gateway that
   * made the change, when it applies it. A sink receives it by listing it in its `notices`.
   */
  'policy.changed': AuditEntry;
}

export type GatewayEventName = keyof GatewayEventMap;
type Listener<K extends GatewayEventName> = (payload: GatewayEventMap[K]) => void;
// The map is keyed by the caller's listener, whatever its event; the event name keeps them apart.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = (payload: any) => void;

/**
 * eventemitter3 with one difference: a listener that throws is isolated (the other listeners
 * still run, the request is not affected) and reported as `sink.error`.
 */
export class GatewayEvents {
  readonly #emitter = new EventEmitter();
  readonly #wrapped = new Map<GatewayEventName, Map<AnyListener, AnyListener>>();
  /** Sees every event after the listeners (the sinks' notices); never removed by `removeAll`. */
  readonly #tap: ((name: GatewayEventName, payload: unknown) => void) | undefined;

  constructor(tap?: (name: GatewayEventName, payload: unknown) => void) {
    this.#tap = tap;
  }

  on<K extends GatewayEventName>(name: K, listener: Listener<K>, once = false): void {
    const safe = (payload: GatewayEventMap[K]) => {
      if (once) this.off(name, listener);
      try {
        listener(payload);
      } catch (error) {
        if (name !== 'sink.error') {
          this.emit('sink.error', {
            sink: `listener:${name}`,
            reason: 'error',
            error: error instanceof Error ? error : new Error(String(error)),
            dropped: 0,
          });
        }
      }
    };
    let byListener = this.#wrapped.get(name);
    if (!byListener) this.#wrapped.set(name, (byListener = new Map()));
    // Registering the same listener twice replaces it, so that `off` can always remove it.
    const previous = byListener.get(listener as AnyListener);
    if (previous) this.#emitter.off(name, previous);
    byListener.set(listener as AnyListener, safe as AnyListener);
    this.#emitter.on(name, safe);
  }

  off<K extends GatewayEventName>(name: K, listener: Listener<K>): void {
    const byListener = this.#wrapped.get(name);
    const safe = byListener?.get(listener as AnyListener);
    if (!safe) return;
    byListener!.delete(listener as AnyListener);
    this.#emitter.off(name, safe);
  }

  has(name: GatewayEventName): boolean {
    return this.#emitter.listenerCount(name) > 0;
  }

  emit<K extends GatewayEventName>(name: K, payload: GatewayEventMap[K]): void {
    this.#emitter.emit(name, payload);
    this.#tap?.(name, payload);
  }

  removeAll(): void {
    this.#emitter.removeAllListeners();
    this.#wrapped.clear();
  }
}
