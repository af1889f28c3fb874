import { randomUUID } from 'node:crypto';
import type { Admission } from '../limits/admit-call.js';
import { refusedLimits } from '../limits/refusal.js';
import { costBreakdown, microsToUsd } from '../limits/money.js';
import type { GatewayState } from './gateway-state.js';
import { refusedCaller } from './refused-caller.js';
import type { ChatOptions } from './types.js';
import { buildUsageEvent, ledgerEntry, parseTraceparent, type CallEnd, type CallRecord } from './usage-record.js';

/** The request id becomes the trace and span ids of a call without a caller's trace: it must be a UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
  readonly #input: unknown;

  constructor(state: GatewayState, operation: CallRecord['operation'], input: unknown, options: ChatOptions) {
    this.#state = state;
    this.#input = input;
    state.inFlight++;
    const request = typeof input === 'object' && input !== null ? (input as { stream?: unknown; model?: unknown }) : null;
    this.record = {
      requestId: options.requestId !== undefined && UUID.test(options.requestId) ? options.requestId : randomUUID(),
      operation,
      startedAt: state.clock(),
      t0: performance.now(),
      stream: request?.stream === true,
      trace: null,
      requestedModel: typeof request?.model === 'string' ? request.model : null,
      body: null,
      target: null,
      metadata: {},
      retries: 0,
      fallbackIndex: 0,
      attempts: null,
      upstreamMs: 0,
      retryWaitMs: 0,
      admissionMs: 0,
    };
    if (options.requestId !== undefined && this.record.requestId !== options.requestId) {
      this.warn('requestId ignored: not a lowercase UUID (a new one was made)');
    }
    const traceparent = options.traceparent;
    if (traceparent !== undefined) {
      this.record.trace = parseTraceparent(String(traceparent));
      if (!this.record.trace) this.warn('traceparent ignored: not a valid W3C traceparent (a new trace was started)');
    }
  }

  /**
   * Holds the target's reservation. A store that answers at once (memory) is taken without an
   * await, which would cost every call a microtask; a wait on the store is timed as admission.
   */
  admit(admitted: Admission | Promise<Admission>): void | Promise<void> {
    if (!(admitted instanceof Promise)) {
      this.admission = admitted;
      return;
    }
    const t = performance.now();
    return admitted.then(
      (admission) => {
        this.record.admissionMs += performance.now() - t;
        this.admission = admission;
      },
      (error: unknown) => {
        this.record.admissionMs += performance.now() - t;
        throw error;
      },
    );
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
    const admission = this.admission;
    if (!admission) {
      if (end.error !== undefined) end.limits = refusedLimits(end.error);
      // Refused before it had a target: counted as whom it named.
      if (this.record.target === null) this.record.named = refusedCaller(this.#state.policy, this.#input);
      this.#publish(end);
      return null;
    }
    const limiter = this.#state.limiter;
    const entry = limiter.store.ledger === true ? ledgerEntry(this.record, end, this.#state.clock()) : undefined;
    const { cost: micros, settled } = limiter.settle(admission, end.usage ?? null, entry);
    const price = admission.price;
    end.priceSource = price?.source ?? null;
    end.costMicros = micros;
    if (price && micros !== null) end.costBreakdown = costBreakdown(end.usage ?? ZERO_USAGE, price.price);
    if (settled instanceof Promise) {
      void settled.then((limits) => {
        end.limits = limits;
        this.#publish(end);
      });
    } else {
      end.limits = settled;
      this.#publish(end);
    }
    return micros === null ? null : microsToUsd(micros);
  }

  #publish(end: CallEnd): void {
    const state = this.#state;
    state.dispatcher.publishUsage(buildUsageEvent(this.record, end, state.clock()), this.record.startedAt);
    if (--state.inFlight === 0 && state.whenIdle.length > 0) for (const idle of state.whenIdle.splice(0)) idle();
  }
}

const NO_WARNINGS: readonly string[] = Object.freeze([]);
const ZERO_USAGE = Object.freeze({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
