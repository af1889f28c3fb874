import type { UsageEvent } from '../../events/usage-event.js';
import type { UsageEventField } from './usage-event-fields.js';

export type LineSerializer = (event: UsageEvent) => string;

export interface SerializerChoice {
  fields?: readonly UsageEventField[];
  omit?: readonly UsageEventField[];
  serialize?: LineSerializer;
}

/** The line of one event, from the options: a custom serializer, an allowlist, a denylist, or the whole event. */
export function lineSerializer({ fields, omit, serialize }: SerializerChoice): LineSerializer {
  if (serialize) return serialize;
  if (fields) {
    // schemaVersion first and always: a line without it cannot be read once the schema moves on.
    const keep = ['schemaVersion', ...fields.filter((f) => f !== 'schemaVersion')] as UsageEventField[];
    return (event) => {
      const out: Partial<Record<UsageEventField, unknown>> = {};
      for (const key of keep) out[key] = event[key];
      return JSON.stringify(out);
    };
  }
  if (omit && omit.length > 0) {
    const drop = new Set<string>(omit);
    return (event) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(event)) if (!drop.has(key)) out[key] = value;
      return JSON.stringify(out);
    };
  }
  return (event) => JSON.stringify(event);
}

/**
 * The lines of a batch as one string, each ending in `\n`. A line that is not a single
 * non-empty line (a custom serializer's mistake) refuses the whole batch: writing the others
 * would make the dropped count of `gateway.stats()` wrong.
 */
export function toLines(events: readonly UsageEvent[], serialize: LineSerializer): string {
  let out = '';
  for (const event of events) {
    const line: unknown = serialize(event);
    if (typeof line !== 'string' || line === '') {
      throw new TypeError(`jsonl sink: serialize must return a non-empty string (got ${line === '' ? 'an empty string' : typeof line} for request ${event.requestId})`);
    }
    if (line.includes('\n') || line.includes('\r')) {
      throw new TypeError(`jsonl sink: serialize must return a single line (got a line break for request ${event.requestId}); escape it, e.g. with JSON.stringify`);
    }
    out += `${line}\n`;
  }
  return out;
}
