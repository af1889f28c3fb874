import type { Gateway } from '../gateway/gateway.js';
import type { ChatOptions, ChatRequest, GatewayChatCompletion, GatewayStream } from '../gateway/types.js';
import type { ChatCompletionChunk, FinishReason } from '../usage/chat-types.js';
import type { Usage } from '../usage/usage.js';
import type { CallOptions, StreamPart } from './ai-sdk-types.js';
import { chatMessages, chatTools } from './chat-messages.js';
import type { TollgateCallOptions } from './tollgate-middleware.js';

/** Who the provider's calls are made as: a key, or a workspace (models then `@integration/model`). */
export type TollgateProviderOptions = ({ gateway: Gateway; key: string } | { gateway: Gateway; workspace: string }) & {
  /** `'v4'` (default): AI SDK 7. `'v3'`: AI SDK 6. */
  specificationVersion?: 'v3' | 'v4';
};

/**
 * A language model of the tollgate provider. Typed loosely (the call options and results are
 * the AI SDK's, of either specification version): `tollgate/ai-sdk` imports nothing from the SDK.
 */
export interface TollgateLanguageModel<V extends 'v3' | 'v4' = 'v3' | 'v4'> {
  readonly specificationVersion: V;
  readonly provider: 'tollgate';
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]>;
  doGenerate(options: any): PromiseLike<any>;
  doStream(options: any): PromiseLike<any>;
}

export interface TollgateEmbeddingModel<V extends 'v3' | 'v4' = 'v3' | 'v4'> {
  readonly specificationVersion: V;
  readonly provider: 'tollgate';
  readonly modelId: string;
  readonly maxEmbeddingsPerCall: number;
  readonly supportsParallelCalls: boolean;
  doEmbed(options: any): PromiseLike<any>;
}

/** `tollgate('@openai-prod/gpt-4o-mini')`: a language model; `.embeddingModel(id)`: an embedding model. */
export interface TollgateProvider<V extends 'v3' | 'v4' = 'v3' | 'v4'> {
  (modelId: string): TollgateLanguageModel<V>;
  readonly specificationVersion: V;
  languageModel(modelId: string): TollgateLanguageModel<V>;
  embeddingModel(modelId: string): TollgateEmbeddingModel<V>;
  textEmbeddingModel(modelId: string): TollgateEmbeddingModel<V>;
  imageModel(modelId: string): never;
}

/**
 * An AI SDK provider whose models are tollgate's: each call goes through `gateway.chat` /
 * `gateway.embeddings` (its integration's adapter, allowlists, limits, retries, fallbacks, a usage
 * event), made as `key` or in `workspace`. Models are named as in `gateway.chat`: bare ids of
 * the key's integration, or `@integration/model`.
 * @example
 * const tollgate = createTollgate({ gateway, key: 'app-1' });
 * const { text } = await generateText({ model: tollgate('@openai-prod/gpt-4o-mini'), prompt: 'Hello' });
 */
export function createTollgate(options: TollgateProviderOptions & { specificationVersion: 'v3' }): TollgateProvider<'v3'>;
export function createTollgate(options: TollgateProviderOptions): TollgateProvider<'v4'>;
export function createTollgate(options: TollgateProviderOptions): TollgateProvider {
  const { gateway } = options ?? ({} as TollgateProviderOptions);
  if (typeof gateway?.chat !== 'function') throw new TypeError('createTollgate({ gateway }): gateway must be made by createGateway()');
  const identity: { key: string } | { workspace: string } =
    'key' in options && typeof options.key === 'string'
      ? { key: options.key }
      : typeof (options as { workspace?: unknown }).workspace === 'string'
        ? { workspace: (options as { workspace: string }).workspace }
        : (() => {
            throw new TypeError('createTollgate: give { gateway, key } or { gateway, workspace }');
          })();
  const version = options.specificationVersion ?? 'v4';

  const requestOf = (modelId: string, o: CallOptions & Record<string, unknown>): { request: ChatRequest; warnings: unknown[] } => {
    const { warnings, ...toolFields } = chatTools(o as never);
    const own = (o.providerOptions?.tollgate ?? {}) as TollgateCallOptions;
    if (o.topK !== undefined) warnings.push({ type: 'unsupported', feature: 'topK' });
    const settings: Record<string, unknown> = {
      max_tokens: o.maxOutputTokens,
      temperature: o.temperature,
      top_p: o.topP,
      stop: o.stopSequences,
      seed: o.seed,
      presence_penalty: o.presencePenalty,
      frequency_penalty: o.frequencyPenalty,
      user: own.user,
      metadata: own.metadata,
    };
    const request: Record<string, unknown> = { ...identity, model: modelId, messages: chatMessages(o.prompt), ...toolFields };
    for (const [name, value] of Object.entries(settings)) if (value !== undefined && value !== null) request[name] = value;
    return { request: request as unknown as ChatRequest, warnings };
  };
  const callOptions = (o: CallOptions): ChatOptions => (o.abortSignal ? { signal: o.abortSignal } : {});

  const languageModel = (modelId: string): TollgateLanguageModel => ({
    specificationVersion: version,
    provider: 'tollgate',
    modelId,
    supportedUrls: {},
    async doGenerate(o: CallOptions & Record<string, unknown>) {
      const { request, warnings } = requestOf(modelId, o);
      const completion = (await gateway.chat({ ...request, stream: false }, callOptions(o))) as GatewayChatCompletion;
      const choice = completion.choices[0];
      const content: unknown[] = [];
      if (choice?.message.content) content.push({ type: 'text', text: choice.message.content });
      for (const call of choice?.message.tool_calls ?? []) content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.function.name, input: call.function.arguments });
      return {
        content,
        finishReason: finishReason(choice?.finish_reason ?? null),
        usage: sdkUsage(completion.gateway.usage),
        warnings,
        request: { body: request },
        response: { id: completion.id, modelId: completion.model, timestamp: new Date(completion.created * 1000) },
      };
    },
    async doStream(o: CallOptions & Record<string, unknown>) {
      const { request, warnings } = requestOf(modelId, o);
      const stream = (await gateway.chat({ ...request, stream: true, stream_options: { include_usage: true } }, callOptions(o))) as GatewayStream;
      return { stream: streamParts(stream, warnings), request: { body: request } };
    },
  });

  const embeddingModel = (modelId: string): TollgateEmbeddingModel => ({
    specificationVersion: version,
    provider: 'tollgate',
    modelId,
    maxEmbeddingsPerCall: 2048,
    supportsParallelCalls: true,
    async doEmbed(o: { values: string[]; abortSignal?: AbortSignal; providerOptions?: Record<string, Record<string, unknown> | undefined> }) {
      const own = (o.providerOptions?.tollgate ?? {}) as TollgateCallOptions;
      const response = await gateway.embeddings(
        { ...identity, model: modelId, input: o.values, ...(own.user ? { user: own.user } : {}), ...(own.metadata ? { metadata: own.metadata } : {}) },
        o.abortSignal ? { signal: o.abortSignal } : {},
      );
      return { embeddings: response.data.map((d) => d.embedding as number[]), usage: { tokens: response.usage.prompt_tokens }, warnings: [] };
    },
  });

  const provider = ((modelId: string) => languageModel(modelId)) as TollgateProvider;
  Object.assign(provider, {
    specificationVersion: version,
    languageModel,
    embeddingModel,
    textEmbeddingModel: embeddingModel,
    imageModel: (modelId: string): never => {
      throw new TypeError(`tollgate AI SDK provider: no image models (asked for '${modelId}')`);
    },
  });
  return provider;
}

const UNIFIED: Record<string, string> = { stop: 'stop', length: 'length', tool_calls: 'tool-calls', content_filter: 'content-filter' };

function finishReason(reason: FinishReason | null) {
  return { unified: reason === null ? 'other' : (UNIFIED[reason] ?? 'other'), raw: reason ?? undefined };
}

/** tollgate's usage as the AI SDK's (v3, v4): input with cache reads and writes, output with reasoning. */
function sdkUsage(usage: Pick<Usage, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens'> | null | undefined) {
  if (!usage) return { inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: undefined, text: undefined, reasoning: undefined } };
  return {
    inputTokens: { total: usage.inputTokens, noCache: usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens, cacheRead: usage.cacheReadTokens, cacheWrite: usage.cacheWriteTokens },
    outputTokens: { total: usage.outputTokens, text: usage.outputTokens - usage.reasoningTokens, reasoning: usage.reasoningTokens },
  };
}

/**
 * The gateway's chunks as the AI SDK's stream parts: stream-start, response-metadata, text and
 * tool input deltas, tool calls once their arguments are complete, and finish with the usage.
 * A cancel returns the gateway stream, which settles the call with what it delivered.
 */
function streamParts(stream: GatewayStream, warnings: unknown[]): ReadableStream<StreamPart> {
  const iterator = stream[Symbol.asyncIterator]();
  let started = false;
  let textOpen = false;
  let reason: FinishReason | null = null;
  let usage: Parameters<typeof sdkUsage>[0] = null;
  const tools = new Map<number, { id: string; name: string; args: string }>();
  let enqueued = 0;
  const put = (controller: ReadableStreamDefaultController<StreamPart>, part: StreamPart) => {
    enqueued++;
    controller.enqueue(part);
  };
  const toolCalls = (controller: ReadableStreamDefaultController<StreamPart>) => {
    for (const call of tools.values()) {
      put(controller, { type: 'tool-input-end', id: call.id } as StreamPart);
      put(controller, { type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.args } as StreamPart);
    }
    tools.clear();
  };
  return new ReadableStream<StreamPart>({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings } as StreamPart);
    },
    // A chunk may give nothing to pass on (a finish reason alone, the usage): then the next is
    // read in the same pull, since a pull that enqueues nothing is not called again.
    async pull(controller) {
      const before = enqueued;
      while (enqueued === before) {
        if (!(await step(controller))) return;
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });

  /** Reads one chunk and passes on its parts; false once the stream is closed. */
  async function step(controller: ReadableStreamDefaultController<StreamPart>): Promise<boolean> {
    {
      let next: IteratorResult<ChatCompletionChunk>;
      try {
        next = await iterator.next();
      } catch (error) {
        put(controller, { type: 'error', error } as StreamPart);
        controller.close();
        return false;
      }
      if (next.done) {
        if (textOpen) put(controller, { type: 'text-end', id: 'text' } as StreamPart);
        toolCalls(controller);
        put(controller, { type: 'finish', finishReason: finishReason(reason), usage: sdkUsage(usage) } as StreamPart);
        controller.close();
        return false;
      }
      const chunk = next.value;
      if (!started) {
        started = true;
        put(controller, { type: 'response-metadata', id: chunk.id, modelId: chunk.model, timestamp: new Date(chunk.created * 1000) } as StreamPart);
      }
      if (chunk.usage) {
        const u = chunk.usage;
        const cacheRead = u.prompt_tokens_details?.cached_tokens ?? 0;
        const reasoning = u.completion_tokens_details?.reasoning_tokens ?? 0;
        usage = { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens, cacheReadTokens: cacheRead, cacheWriteTokens: 0, reasoningTokens: reasoning };
      }
      const choice = chunk.choices[0];
      if (!choice) return true;
      if (choice.finish_reason) reason = choice.finish_reason;
      const text = choice.delta.content;
      if (text) {
        if (!textOpen) {
          textOpen = true;
          put(controller, { type: 'text-start', id: 'text' } as StreamPart);
        }
        put(controller, { type: 'text-delta', id: 'text', delta: text } as StreamPart);
      }
      for (const delta of choice.delta.tool_calls ?? []) {
        let call = tools.get(delta.index);
        if (!call) {
          call = { id: delta.id ?? `call_${delta.index}`, name: delta.function?.name ?? '', args: '' };
          tools.set(delta.index, call);
          put(controller, { type: 'tool-input-start', id: call.id, toolName: call.name } as StreamPart);
        }
        const args = delta.function?.arguments;
        if (args) {
          call.args += args;
          put(controller, { type: 'tool-input-delta', id: call.id, delta: args } as StreamPart);
        }
      }
      return true;
    }
  }
}
