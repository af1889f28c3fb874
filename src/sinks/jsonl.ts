export { jsonlSink } from './jsonl/jsonl-sink.js';
export type { JsonlSinkOptions } from './jsonl/jsonl-options.js';
export type { UsageEventField } from './jsonl/usage-event-fields.js';
