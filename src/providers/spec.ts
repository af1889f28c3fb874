import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody, EmbeddingRequestBody, EmbeddingResponse, FinishReason } from '../usage/chat-types.js';
import type { ResponseObject, ResponsesEvent, ResponsesRequestBody } from '../usage/responses-types.js';
import type { Usage } from '../usage/usage.js';
import type { ProviderTransport } from './transport/provider-transport.js';


/** Everything an adapter needs for one attempt. Credentials are resolved; the adapter never sees a `Secret`. */
export interface ProviderCall {
  /** OpenAI-shaped body; `model` is the provider's model id (no `@slug/`), gateway fields removed. */
  body: ChatRequestBody;
  /** Resolved credential values of the integration, by the names of its `credentials` config. */
  credentials: Readonly<Record<string, string>>;
  signal: AbortSignal;
  /**
   * The gateway's `fetch` (its `fetch` option, or the global one), for what the transport does not
   * do (a request to sign, a token to mint). Every answer is read for the provider's rate limits,
   * and the integration's headers are added, as with `transport`.
   */
  fetch: typeof globalThis.fetch;
  /** POSTs a request to the provider: through the gateway's `fetch` option when it has one, else undici's `request`. */
  transport: ProviderTransport;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * Reports something the provider cannot honor (an unsupported parameter, a lossy conversion):
   * it is recorded on the usage event's `warnings`, never silently dropped.
   */
  warn(message: string): void;
}

export interface ProviderResult {
  completion: ChatCompletion;
  usage: Usage;
  finishReason: FinishReason | null;
  /** The provider's request id (OpenAI `x-request-id`), for support tickets. */
  providerRequestId: string | null;
}

/**
 * Parts of a stream: OpenAI-shaped chunks, then exactly one `finish` carrying usage. An adapter
 * may also report `usage` known so far (the input, as soon as the provider tells it): a stream
 * cut before its `finish` is then charged that, plus the output it delivered, instead of an
 * estimate of both. `usage` parts are not chunks: they do not start the stream for retries.
 */
export type StreamPart<Chunk = ChatCompletionChunk> =
  | { type: 'chunk'; chunk: Chunk }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; usage: Usage | null; finishReason: FinishReason | null };

export interface ProviderStream<Chunk = ChatCompletionChunk> extends AsyncIterable<StreamPart<Chunk>> {
  providerRequestId: string | null;
}

/**
 * The narrow interface between the gateway and a provider. The gateway never knows a provider's
 * wire format; an adapter never knows about workspaces, budgets or events.
 *
 * Both methods throw `ProviderError` for upstream failures (with `isRetryable` and the
 * provider's Retry-After), so the gateway can retry without knowing the provider.
 * `stream` resolves once the provider accepted the request (headers received); errors inside
 * the stream surface from the iterator.
 */
export interface ChatAdapter {
  readonly provider: string;
  chat(call: ProviderCall): Promise<ProviderResult>;
  stream(call: ProviderCall): Promise<ProviderStream>;
  /** Embeddings, for providers that have them. */
  embed?(call: EmbeddingCall): Promise<EmbeddingResult>;
  /** The Responses API, for providers that serve it (OpenAI, Azure OpenAI): the body passes through. */
  responses?: ResponsesAdapter;
}

/** One attempt of a Responses API call: like ProviderCall, with a Responses body. */
export interface ResponsesCall extends Omit<ProviderCall, 'body'> {
  /** The caller's Responses body; `model` is the provider's model id, gateway fields removed. */
  body: ResponsesRequestBody;
}

export interface ResponsesResult {
  response: ResponseObject;
  usage: Usage;
  finishReason: FinishReason | null;
  providerRequestId: string | null;
}

/**
 * The Responses API passed through: the provider's own answer and events, unchanged; the
 * adapter reads the usage from them. A stream's parts are its events, then one `finish` with the
 * usage of its last `response.*` event.
 */
export interface ResponsesAdapter {
  create(call: ResponsesCall): Promise<ResponsesResult>;
  stream(call: ResponsesCall): Promise<ProviderStream<ResponsesEvent>>;
}

/** One attempt of an embeddings call: like ProviderCall, with an embeddings body. */
export interface EmbeddingCall extends Omit<ProviderCall, 'body'> {
  /** OpenAI-shaped body; `model` is the provider's model id. */
  body: EmbeddingRequestBody;
}

export interface EmbeddingResult {
  /** OpenAI-shaped: `{ object: 'list', data: [{ object: 'embedding', index, embedding }], model, usage }`. */
  response: EmbeddingResponse;
  /** Input tokens (output 0). */
  usage: Usage;
  providerRequestId: string | null;
}
