import type { ProviderStream, StreamPart } from '../spec.js';

/** Tags a stream's parts with the provider's request id (an adapter may update it as events arrive). */
export function providerStream(parts: AsyncGenerator<StreamPart>, providerRequestId: string | null): AsyncGenerator<StreamPart> & ProviderStream {
  const stream = parts as AsyncGenerator<StreamPart> & ProviderStream;
  stream.providerRequestId = providerRequestId;
  return stream;
}
