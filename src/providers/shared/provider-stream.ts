import type { ProviderStream, StreamPart } from '../spec.js';

/** Tags a stream's parts with the provider's request id (an adapter may update it as events arrive). */
export function providerStream<Chunk>(parts: AsyncGenerator<StreamPart<Chunk>>, providerRequestId: string | null): AsyncGenerator<StreamPart<Chunk>> & ProviderStream<Chunk> {
  const stream = parts as AsyncGenerator<StreamPart<Chunk>> & ProviderStream<Chunk>;
  stream.providerRequestId = providerRequestId;
  return stream;
}
