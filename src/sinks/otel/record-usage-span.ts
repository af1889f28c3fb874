import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context, type HrTime, type Tracer } from '@opentelemetry/api';
import type { UsageEvent } from '../../events/usage-event.js';
import { genAiOperationName } from './gen-ai-attributes.js';
import type { OtelSettings } from './otel-sink-options.js';
import { spanAttributes } from './span-attributes.js';

/**
 * Records one call as a CLIENT span, after the fact: it starts at the event's `startedAt` and
 * lasts its `latencyMs` (the whole call, retries and fallbacks included, as the conventions ask of
 * a GenAI span). A failed, refused or aborted call gets status ERROR with the event's message
 * (credentials already removed by the gateway).
 */
export function recordUsageSpan(tracer: Tracer, event: UsageEvent, settings: OtelSettings): void {
  const start = msToHrTime(Date.parse(event.startedAt));
  const span = tracer.startSpan(
    spanName(event),
    // Every attribute at creation: samplers see the operation, provider and model, as the conventions recommend.
    { kind: SpanKind.CLIENT, startTime: start, attributes: spanAttributes(event, settings) },
    parentContext(event),
  );
  if (event.status !== 'success') span.setStatus({ code: SpanStatusCode.ERROR, message: event.errorMessage ?? event.errorCode ?? event.status });
  span.end(addMs(start, event.latencyMs));
}

/** `{gen_ai.operation.name} {gen_ai.request.model}`, or the operation alone when no model was resolved. */
function spanName(event: UsageEvent): string {
  const operation = genAiOperationName(event);
  return event.model === null ? operation : `${operation} ${event.model}`;
}

/**
 * The caller's span (from the `traceparent` it passed) as a remote parent, else the root context.
 * Never the active context: `write` runs later, off the request path, where the active span (if
 * any) belongs to whatever else runs then.
 *
 * The usage event does not carry the traceparent's flags, so the parent is taken as sampled: a
 * caller that passes its trace context wants the call in it. Should the caller's span have been
 * sampled out, this span arrives without its parent.
 */
function parentContext(event: UsageEvent): Context {
  if (event.parentSpanId === null) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: event.traceId,
    spanId: event.parentSpanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/**
 * Epoch milliseconds as `[seconds, nanoseconds]`. A plain number would not do: the SDK guesses
 * whether a number is epoch time or a `performance.now()` offset by comparing it with the process's
 * start time (older versions: any earlier time; 2.x: half of it), and an injected gateway clock
 * (tests, replays) may well be in the past. An HrTime is taken as is, with sub-millisecond precision.
 */
function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** Adds fractional milliseconds to an HrTime, in integer nanoseconds (no float drift on epoch values). */
function addMs([seconds, nanos]: HrTime, ms: number): HrTime {
  const total = nanos + Math.round(ms * 1e6);
  const carry = Math.floor(total / 1e9);
  return [seconds + carry, total - carry * 1e9];
}
