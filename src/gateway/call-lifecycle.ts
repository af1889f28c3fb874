import { randomUUID } from 'node:crypto';
import type { Admission } from '../limits/limiter.js';
import { microsToUsd } from '../limits/money.js';
import type { GatewayState } from './gateway-state.js';
import { buildUsageEvent, type CallEnd, type CallRecord } from './usage-record.js';

/**
 * One gateway call from entry to its usage event: the record the event is built from, the
 * reservation of the target being tried, and the warnings gathered on the way.
 */
export class CallLifecycle {
  readonly record: CallRecord;
  admission: Admission | null = null;
  #warnings: string[] | undefined;
  #finished = false;
  readonly #state: GatewayState;

  constructor(state: GatewayState, operation: CallRecord['operation'], stream: boolean) {
    this.#state = state;
    this.record = {
      requestId: randomUUID(),
      operation,
      startedAt: state.clock(),
      t0: performance.now(),
      stream,
      target: null,
      metadata: {},
      retries: 0,
      fallbackIndex: 0,
      attempts: null,
    };
  }

  warn(message: string): void {
    const warnings = (this.#warnings ??= []);
    if (!warnings.includes(message)) warnings.push(message);
  }

  get warnings(): readonly string[] {
    return this.#warnings ?? NO_WARNINGS;
  }

  /** Gives up the current target (a fallback follows): its reservation is released, its request counted. */
  release(): void {
    if (!this.admission) return;
    // Not awaited: the release is recorded in the background, and flush() waits for it.
    void this.#state.limiter.settle(this.admission, null).settled;
    this.admission = null;
  }

  /**
   * Settles the reservation with the call's usage (none known for a failed call: its tokens and
   * cost are released) and publishes the usage event once the store has recorded it. The caller
   * does not wait for a remote store: until then the reservation holds the call's worst case.
   * Runs once, whatever path gets there first. Returns the call's cost in USD.
   */
  finish(end: CallEnd): number | null {
    if (this.#finished) return null;
    this.#finished = true;
    if (this.#warnings) end.warnings = this.#warnings.slice();
    let micros: number | null = null;
    let settled: Promise<void> | void = undefined;
    const admission = this.admission;
    if (admission) {
      ({ cost: micros, settled } = this.#state.limiter.settle(admission, end.usage ?? null));
      end.priceSource = admission.price?.source ?? null;
    }
    end.cost = micros === null ? null : microsToUsd(micros);
    const publish = () => this.#state.dispatcher.publishUsage(buildUsageEvent(this.record, end, this.#state.clock()));
    if (settled instanceof Promise) void settled.then(publish);
    else publish();
    return end.cost;
  }
}

const NO_WARNINGS: readonly string[] = Object.freeze([]);
