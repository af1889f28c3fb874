export { otelSink, type OtelSink } from './otel/otel-sink.js';
export type { OtelSinkOptions } from './otel/otel-sink-options.js';
