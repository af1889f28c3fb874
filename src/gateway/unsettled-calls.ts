import { USAGE_EVENT_SCHEMA_VERSION, type UsageEvent } from '../events/usage-event.js';
import { readCallNote } from '../limits/call-note.js';
import { microsToUsd } from '../limits/money.js';
import type { Store, UnsettledCall } from '../stores/store.js';
import { toIso } from '../util/to-iso.js';
import type { EventDispatcher } from '../events/event-dispatcher.js';

/** Notes taken in one store call. */
const BATCH = 100;

/**
 * Calls whose process died before it settled them. The store charged their reservations at the
 * worst case when they expired, and kept their notes; any gateway on the store takes them (the
 * store hands each out once) and publishes the usage event each would have had, with
 * `status: 'unsettled'`, so that analytics and sinks count every call a caller may have been
 * served. Taken every `pollMs` and on `flush()`.
 */
export class UnsettledCalls {
  readonly #store: Store;
  readonly #dispatcher: EventDispatcher;
  readonly #clock: () => number;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #taking: Promise<void> | null = null;

  constructor(store: Store, dispatcher: EventDispatcher, clock: () => number, pollMs: number) {
    this.#store = store;
    this.#dispatcher = dispatcher;
    this.#clock = clock;
    if (typeof store.takeUnsettled !== 'function') return;
    this.#timer = setInterval(() => void this.take(), pollMs);
    // Never what keeps a process alive.
    this.#timer.unref?.();
  }

  /** Takes every unsettled call the store holds now and publishes its event. Never rejects: a store that fails is tried again at the next poll. */
  take(): Promise<void> {
    if (typeof this.#store.takeUnsettled !== 'function') return Promise.resolve();
    return (this.#taking ??= this.#takeAll().finally(() => (this.#taking = null)));
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #takeAll(): Promise<void> {
    try {
      for (;;) {
        const taken = await this.#store.takeUnsettled!(this.#clock(), BATCH);
        for (const call of taken) {
          const event = unsettledEvent(call);
          if (event) this.#dispatcher.publishUsage(event, Date.parse(event.startedAt));
        }
        if (taken.length < BATCH) return;
      }
    } catch {
      // The store is down: its notes wait there for the next poll.
    }
  }
}

/** The usage event of a call that expired unsettled, from its note: its reservation, charged. Null for a note that is not one. */
export function unsettledEvent(call: UnsettledCall): UsageEvent | null {
  const note = readCallNote(call.note);
  if (!note) return null;
  const id = call.reservationId;
  // As for a call's own event: the request id (a UUID) gives the trace and span ids.
  const hex = id.replace(/-/g, '');
  const { costMicros, inputTokens, outputTokens } = note;
  return {
    schemaVersion: USAGE_EVENT_SCHEMA_VERSION,
    requestId: id,
    traceId: hex.length === 32 ? hex : hex.padEnd(32, '0').slice(0, 32),
    spanId: hex.length === 32 ? hex.slice(16) : hex.padEnd(16, '0').slice(0, 16),
    parentSpanId: null,
    operation: note.operation,
    workspace: note.workspace || null,
    integration: note.integration || null,
    provider: note.provider || null,
    key: note.key,
    user: note.user,
    metadata: note.metadata,
    requestedModel: note.requestedModel,
    model: note.model || null,
    servedModel: null,
    stream: note.stream,
    maxTokens: null,
    messageCount: 0,
    toolCount: 0,
    toolCallCount: 0,
    fallbackIndex: 0,
    attempts: [],
    retries: 0,
    usage: { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, totalTokens: inputTokens + outputTokens, estimated: true },
    rawUsage: null,
    cost: costMicros === null ? null : microsToUsd(costMicros),
    costMicros,
    costBreakdown: null,
    priceSource: note.priceSource,
    providerCost: null,
    startedAt: toIso(note.startedAt || call.expiredAt),
    endedAt: toIso(call.expiredAt),
    latencyMs: 0,
    ttftMs: null,
    upstreamMs: 0,
    retryWaitMs: 0,
    admissionMs: 0,
    waitedMs: 0,
    overheadMs: 0,
    status: 'unsettled',
    httpStatus: 0,
    errorCode: 'unsettled',
    errorMessage: 'The process that made this call stopped before it settled it; its reservation expired and was charged at its worst case, which this event reports.',
    upstreamStatus: null,
    finishReason: null,
    providerRequestId: null,
    warnings: [],
    limits: [],
  };
}
