import type { AdmittedCall, AdmittedCallEnd } from '../gateway/run-admit.js';
import type { Gateway } from '../gateway/gateway.js';
import type { ChatRequest } from '../gateway/types.js';
import { GatewayError } from '../errors/gateway-error.js';
import { ProviderError } from '../errors/provider-error.js';
import { RequestAbortedError } from '../errors/runtime-errors.js';
import { estimateUsage } from '../usage/estimate-tokens.js';
import type { CallOptions, GenerateResult, StreamPart, StreamResult, WrappedModel } from './ai-sdk-types.js';
import { finishReasonOf, usageOf } from './model-usage.js';
import { promptMessages, promptTools } from './prompt-request.js';

/**
 * Who the calls are made as: a key (its workspace and integration), or a workspace and an
 * integration. Without `integration`, the integration is the model's provider: the AI SDK
 * provider's name up to its first dot (`createOpenAICompatible({ name: 'local' })` models,
 * `local.chat`, are counted on the integration `local`; `openai()` models on `openai`).
 */
export type TollgateMiddlewareOptions = ({ gateway: Gateway; key: string } | { gateway: Gateway; workspace: string; integration?: string }) & {
  /** `'v4'` (default): AI SDK 7. `'v3'`: AI SDK 6. The behavior is the same; the type fits the SDK. */
  specificationVersion?: 'v3' | 'v4';
  /**
   * A stream nobody reads for this long is settled as abandoned (what it delivered is charged)
   * and its upstream cancelled. Default 5 minutes; 0: never.
   */
  streamIdleTimeoutMs?: number;
};

/** Per call, in `providerOptions.tollgate`: the end user and metadata of the usage event, and how long the call may wait for capacity. */
export interface TollgateCallOptions {
  user?: string;
  metadata?: Record<string, string>;
  /** See the gateway's `ChatOptions.wait`. */
  wait?: { maxMs: number; priority?: number };
}

/** The middleware, typed for the AI SDK major that `specificationVersion` names. */
export interface TollgateMiddleware<V extends 'v3' | 'v4' = 'v4'> {
  readonly specificationVersion: V;
  transformParams<P extends CallOptions>(options: { type: 'generate' | 'stream'; params: P; model: WrappedModel }): PromiseLike<P>;
  wrapGenerate<R extends GenerateResult>(options: { doGenerate: () => PromiseLike<R>; doStream: () => PromiseLike<StreamResult>; params: CallOptions; model: WrappedModel }): PromiseLike<R>;
  wrapStream<S extends StreamResult>(options: { doGenerate: () => PromiseLike<GenerateResult>; doStream: () => PromiseLike<S>; params: CallOptions; model: WrappedModel }): PromiseLike<S>;
}

const DEFAULT_IDLE_MS = 5 * 60_000;

/**
 * Governs any AI SDK language model with `wrapLanguageModel({ model, middleware })`, a provider
 * tollgate has no adapter for included: the model's id is checked against the integration's
 * allowlist (and the grant's, the key's), every budget and rate limit is admitted before the
 * call (refusals throw tollgate's typed errors), the call is settled with the usage the model
 * reports (a stream at its `finish` part; an aborted or abandoned one with what it delivered),
 * and each call emits one usage event.
 *
 * The calls are counted on `integration` (with `workspace`), or on the key's: declare it with
 * `provider: 'external'` when tollgate only governs it, with its models and prices.
 * @example
 * const model = wrapLanguageModel({ model: local('llama-3'), middleware: tollgateMiddleware({ gateway, workspace: 'team-a', integration: 'local' }) });
 */
export function tollgateMiddleware(options: TollgateMiddlewareOptions & { specificationVersion: 'v3' }): TollgateMiddleware<'v3'>;
export function tollgateMiddleware(options: TollgateMiddlewareOptions): TollgateMiddleware<'v4'>;
export function tollgateMiddleware(options: TollgateMiddlewareOptions): TollgateMiddleware<'v3' | 'v4'> {
  const { gateway } = options ?? ({} as TollgateMiddlewareOptions);
  if (typeof gateway?.admit !== 'function') throw new TypeError('tollgateMiddleware({ gateway }): gateway must be made by createGateway()');
  const byKey = 'key' in options && typeof options.key === 'string';
  const integration = (options as { integration?: unknown }).integration;
  if (!byKey && (typeof (options as { workspace?: unknown }).workspace !== 'string' || (integration !== undefined && typeof integration !== 'string'))) {
    throw new TypeError('tollgateMiddleware: give { gateway, key } or { gateway, workspace, integration? }');
  }
  const idleMs = options.streamIdleTimeoutMs ?? DEFAULT_IDLE_MS;
  if (!Number.isInteger(idleMs) || idleMs < 0) throw new TypeError(`tollgateMiddleware: streamIdleTimeoutMs must be a non-negative integer (got ${String(idleMs)})`);

  // The call admitted for the params transformParams returned: wrapGenerate and wrapStream get that object.
  const admitted = new WeakMap<object, { call: AdmittedCall; request: ChatRequest }>();

  const requestOf = (params: CallOptions, type: 'generate' | 'stream', model: WrappedModel): ChatRequest => {
    const identity = byKey
      ? { key: (options as { key: string }).key, model: model.modelId }
      : { workspace: (options as { workspace: string }).workspace, model: `@${(integration as string | undefined) ?? providerSlug(model)}/${model.modelId}` };
    const own = (params.providerOptions?.tollgate ?? {}) as TollgateCallOptions;
    const tools = promptTools(params.tools);
    return {
      ...identity,
      messages: promptMessages(params.prompt),
      ...(tools ? { tools } : {}),
      ...(params.maxOutputTokens !== undefined ? { max_tokens: params.maxOutputTokens } : {}),
      ...(own.user !== undefined ? { user: own.user } : {}),
      ...(own.metadata !== undefined ? { metadata: own.metadata } : {}),
      ...(type === 'stream' ? { stream: true } : {}),
    } as ChatRequest;
  };

  const take = (params: CallOptions) => {
    const entry = admitted.get(params);
    if (!entry) throw new Error('tollgateMiddleware: a call reached wrapGenerate/wrapStream without its admission (was the middleware given to wrapLanguageModel?)');
    admitted.delete(params);
    return entry;
  };

  return {
    specificationVersion: options.specificationVersion ?? 'v4',

    async transformParams({ params, type, model }) {
      const request = requestOf(params, type, model);
      const wait = ((params.providerOptions?.tollgate ?? {}) as TollgateCallOptions).wait;
      const call = await gateway.admit(request, { ...(params.abortSignal ? { signal: params.abortSignal } : {}), ...(wait !== undefined ? { wait } : {}) });
      // Always a new object: it is the key of this call's admission.
      const out = { ...params };
      // Without an output limit of the caller's, the one reserved goes upstream: the answer cannot cost more.
      if (call.maxOutputTokens !== null && (params.maxOutputTokens === undefined || params.maxOutputTokens > call.maxOutputTokens)) out.maxOutputTokens = call.maxOutputTokens;
      admitted.set(out, { call, request });
      return out;
    },

    async wrapGenerate({ doGenerate, params }) {
      const { call, request } = take(params);
      const result = await started(call, params, doGenerate);
      call.end({
        usage: usageOf(result.usage) ?? estimateUsage(request, 0),
        finishReason: finishReasonOf(result.finishReason),
        servedModel: result.response?.modelId ?? null,
        providerRequestId: result.response?.id ?? null,
      });
      return result;
    },

    async wrapStream({ doStream, params }) {
      const { call, request } = take(params);
      const result = await started(call, params, doStream);
      return { ...result, stream: metered(result.stream, call, request, idleMs, params.abortSignal) };
    },
  };
}

/** The model's call, whose failure ends the admitted call (recorded as its error) before it reaches the caller. */
async function started<T>(call: AdmittedCall, params: CallOptions, run: () => PromiseLike<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    call.end({ error: failure(error, call, params.abortSignal) });
    throw error;
  }
}

/** The error as the usage event records it: tollgate's own as is, an abort as aborted, the SDK's as a provider error (its status, never its body). */
function failure(error: unknown, call: AdmittedCall, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || (error as { name?: string })?.name === 'AbortError') return new RequestAbortedError();
  if (GatewayError.isInstance(error)) return error;
  const status = (error as { statusCode?: unknown })?.statusCode;
  const upstreamStatus = typeof status === 'number' ? status : null;
  return new ProviderError({
    provider: call.target.provider,
    upstreamStatus,
    isRetryable: (error as { isRetryable?: unknown })?.isRetryable === true,
    message: `the model call failed (${(error as { name?: string })?.name ?? 'Error'}${upstreamStatus !== null ? `, HTTP ${upstreamStatus}` : ''})`,
  });
}

/** Stream ends the middleware watches for: why a stream stopped being read. */
const abandoned = new FinalizationRegistry<() => void>((settle) => settle());

/**
 * The model's stream, passed through as it is read, settling the call once: at the `finish`
 * part with the usage reported, or when the stream errors, is cancelled, is not read for
 * `idleMs`, or is dropped unread (collected), with what it delivered (estimated).
 */
function metered(source: ReadableStream<StreamPart>, call: AdmittedCall, request: ChatRequest, idleMs: number, signal: AbortSignal | undefined): ReadableStream<StreamPart> {
  const reader = source.getReader();
  let chars = 0;
  let servedModel: string | null = null;
  let providerRequestId: string | null = null;
  let settled = false;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const token = {};
  const settle = (end: AdmittedCallEnd) => {
    if (settled) return;
    settled = true;
    abandoned.unregister(token);
    if (idle) clearTimeout(idle);
    call.end({ servedModel, providerRequestId, ...end });
  };
  const delivered = () => estimateUsage(request, chars);
  const giveUp = () => {
    settle({ cancelled: true, usage: delivered() });
    reader.cancel().catch(() => {});
  };
  const watch = () => {
    if (idleMs === 0 || settled) return;
    if (idle) clearTimeout(idle);
    idle = setTimeout(giveUp, idleMs);
    idle.unref?.();
  };
  const stream = new ReadableStream<StreamPart>(
    {
      async pull(controller) {
        if (idle) clearTimeout(idle);
        let next: ReadableStreamReadResult<StreamPart>;
        try {
          next = await reader.read();
        } catch (error) {
          settle({ error: failure(error, call, signal), usage: delivered() });
          controller.error(error);
          return;
        }
        if (next.done) {
          // Ended without a `finish` part: charged what it delivered.
          settle(signal?.aborted ? { error: new RequestAbortedError(), usage: delivered() } : { usage: delivered(), finishReason: null });
          controller.close();
          return;
        }
        const part = next.value as StreamPart & Record<string, unknown>;
        if (part.type === 'text-delta' || part.type === 'reasoning-delta') chars += String(part.delta ?? part.textDelta ?? '').length;
        else if (part.type === 'response-metadata') {
          if (typeof part.modelId === 'string') servedModel = part.modelId;
          if (typeof part.id === 'string') providerRequestId = part.id;
        } else if (part.type === 'finish') {
          settle({ usage: usageOf(part.usage as never) ?? delivered(), finishReason: finishReasonOf(part.finishReason as never) });
        }
        controller.enqueue(next.value);
        watch();
      },
      cancel(reason) {
        settle({ cancelled: true, usage: delivered() });
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  abandoned.register(stream, () => settle({ cancelled: true, usage: delivered() }), token);
  return stream;
}

/** The integration a model is counted on when none is given: its AI SDK provider's name, up to the first dot. */
function providerSlug(model: WrappedModel): string {
  const name = model.provider;
  const dot = name.indexOf('.');
  return dot === -1 ? name : name.slice(0, dot);
}
