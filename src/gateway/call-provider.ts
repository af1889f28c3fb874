import { redactProviderError } from '../secrets/redact-secrets.js';
import { resolveCredentials, resolveCredentialsNow } from '../secrets/resolve-credentials.js';
import { markRetriedByGateway, ProviderError } from '../errors/provider-error.js';
import { RequestAbortedError } from '../errors/runtime-errors.js';
import type { ChatRequestBody, EmbeddingRequestBody } from '../usage/chat-types.js';
import type { ChatAdapter, EmbeddingCall, EmbeddingResult, ProviderCall, ProviderStream, ResponsesCall, ResponsesResult, StreamPart } from '../providers/spec.js';
import type { ResponsesEvent, ResponsesRequestBody } from '../usage/responses-types.js';
import type { IntegrationPolicy } from '../config/policy.js';
import { providerLimitOf } from '../providers/shared/provider-limit.js';
import type { HeaderReader, ProviderTransport } from '../providers/transport/provider-transport.js';
import { AttemptSignal } from '../util/link-signal.js';
import type { GatewayState } from './gateway-state.js';
import type { ChatContext, ChatOutcome } from './types.js';
import { retrying, type RetryPolicy } from '../util/retry.js';
import type { CallRecord } from './usage-record.js';

export interface ProviderOptions {
  adapter: ChatAdapter;
  /** The integration's slug, for errors about its credentials. */
  integration: string;
  credentials: Record<string, unknown>;
  /** The integration's own headers, plain strings or secrets, sent with every request. */
  headers: Record<string, unknown>;
  retry: RetryPolicy;
  timeoutMs: number;
  /** The gateway's fetch and transport, telling the gateway what every answer says of the provider's own limits. */
  fetch: typeof globalThis.fetch;
  transport: ProviderTransport;
  /** A 429 whose wait the adapter read elsewhere than in headers (Gemini's RetryInfo, in the body). */
  onRateLimited(waitMs: number): void;
}

/**
 * The options of each integration policy, made once: a policy is replaced whole when its
 * integration changes, and an adapter replaced with it (checked all the same).
 */
const made = new WeakMap<IntegrationPolicy, ProviderOptions>();

/** How to call an integration's provider: its adapter, credentials and headers, the gateway's retries, timeout and fetch. */
export function providerOptions(state: GatewayState, integration: IntegrationPolicy): ProviderOptions {
  const adapter = state.adapters.get(integration.slug)!;
  const known = made.get(integration);
  if (known?.adapter === adapter) return known;
  const slug = integration.slug;
  const onAnswer = (headers: Pick<HeaderReader, 'get'>, status: number) => {
    const limit = providerLimitOf(headers, status, state.clock());
    if (limit) state.limiter.holdProvider(slug, state.clock() + limit.waitMs, limit.reason);
  };
  const options: ProviderOptions = {
    adapter,
    integration: slug,
    credentials: integration.config.credentials,
    headers: integration.config.headers,
    retry: state.retry,
    timeoutMs: integration.config.timeoutMs ?? state.timeoutMs,
    fetch: observedFetch(state.fetch, onAnswer),
    transport: observedTransport(state.transport, onAnswer),
    onRateLimited: (waitMs) => state.limiter.holdProvider(slug, state.clock() + waitMs, 'retry-after'),
  };
  made.set(integration, options);
  return options;
}

/** What a provider operation needs from the call it serves. */
export interface AttemptHost {
  readonly signal: AbortSignal | undefined;
  warn(message: string): void;
  /** The call's record: where retries and the time spent waiting are added up. */
  readonly record: Pick<CallRecord, 'retries' | 'upstreamMs' | 'retryWaitMs'>;
}

/**
 * One attempt of a provider operation, as adapters see it. The AbortSignal is made on first
 * read (see AttemptSignal). A class, because object literals with getters are slow to create.
 */
class Attempt<Body> {
  constructor(
    readonly body: Body,
    readonly credentials: Readonly<Record<string, string>>,
    readonly link: AttemptSignal,
    readonly fetch: typeof globalThis.fetch,
    readonly transport: ProviderTransport,
    readonly attempt: number,
    readonly host: AttemptHost,
  ) {}

  get signal(): AbortSignal {
    return this.link.signal;
  }

  warn(message: string): void {
    this.host.warn(message);
  }
}

/**
 * Runs a provider operation with the integration's credentials, a signal per attempt (the
 * caller's abort, the timeout) and retries. `run` owns the attempt's signal once it succeeds
 * (a stream keeps it open); on failure it is released here. Every error leaving this step is
 * free of the integration's credentials.
 */
export async function withProvider<Body, T>(
  host: AttemptHost,
  body: () => Body,
  options: ProviderOptions,
  run: (call: Attempt<Body>, clean: (error: unknown, link: AttemptSignal | null) => unknown) => Promise<T>,
): Promise<T> {
  const credentials = resolveCredentialsNow(options.credentials) ?? (await resolveCredentials(options.integration, options.credentials));
  let fetch = options.fetch;
  let transport = options.transport;
  let secrets = credentials.secrets;
  if (!isEmpty(options.headers)) {
    // Headers configured on the integration: resolved like credentials, and every value, plain
    // or secret, is kept out of what the gateway outputs (a custom auth header is a credential).
    const headers = resolveCredentialsNow(options.headers) ?? (await resolveCredentials(options.integration, options.headers, 'headers'));
    fetch = fetchWithHeaders(fetch, headers.values);
    transport = transportWithHeaders(transport, headers.values);
    secrets = [...secrets, ...Object.values(headers.values)];
  }
  const clean = (error: unknown, link: AttemptSignal | null) => sanitize(error, host.signal, link, options.adapter.provider, secrets, options.timeoutMs);
  // The wait between attempts is measured, not taken from the delay asked for: a timer fires a
  // little early or late, and the call's timings must add up (upstream + waits <= latency).
  const record = host.record;
  let attemptEnded: number | null = null;
  try {
    return await retrying(
      async (attempt) => {
        const link = new AttemptSignal(host.signal, options.timeoutMs);
        const t = performance.now();
        if (attemptEnded !== null) record.retryWaitMs += t - attemptEnded;
        try {
          return await run(new Attempt(body(), credentials.values, link, fetch, transport, attempt, host), clean);
        } catch (error) {
          link.dispose();
          const cleaned = clean(error, link);
          if (ProviderError.isInstance(cleaned) && cleaned.upstreamStatus === 429 && cleaned.retryAfterMs) options.onRateLimited(cleaned.retryAfterMs);
          throw cleaned;
        } finally {
          attemptEnded = performance.now();
          record.upstreamMs += attemptEnded - t;
        }
      },
      {
        policy: options.retry,
        signal: host.signal,
        retryable: (error) => (ProviderError.isInstance(error) && error.isRetryable ? error : null),
        onRetry: () => record.retries++,
        // Retried until the retries ran out, or a Retry-After too long to wait for: the caller is
        // told not to retry again (a policy of no retries at all decided nothing).
        giveUp: (error, reason, retries) => (reason === 'retry-after' || retries > 0 ? markRetriedByGateway(error as ProviderError) : error),
      },
    );
  } catch (error) {
    // Aborted while waiting to retry: the wait so far counts too.
    if (attemptEnded !== null && host.signal?.aborted) record.retryWaitMs += performance.now() - attemptEnded;
    throw clean(error, null);
  }
}

/**
 * The end of the chat chain: one provider call with retries. A stream is opened and its first
 * part read inside the retry loop, so a failure before anything reached the caller is retried
 * and one after is not.
 */
export function callProvider(ctx: ChatContext & AttemptHost, options: ProviderOptions): Promise<ChatOutcome> {
  const stream = ctx.request.stream === true;
  return withProvider<ChatRequestBody, ChatOutcome>(ctx, () => ctx.request, options, async (call, clean) => {
    if (!stream) {
      const result = await options.adapter.chat(call as ProviderCall);
      call.link.dispose();
      return { type: 'completion', result };
    }
    const opened = await startStream(await options.adapter.stream(call as ProviderCall), call.link, ctx.record, clean);
    return { type: 'stream', ...opened };
  });
}

/**
 * A Responses API call passed through: the response, or its stream of events (opened, and its
 * first event read, inside the retry loop, as a chat stream).
 */
export function callResponses(host: AttemptHost, body: ResponsesRequestBody, options: ProviderOptions, stream: false): Promise<ResponsesResult>;
export function callResponses(host: AttemptHost, body: ResponsesRequestBody, options: ProviderOptions, stream: true): Promise<OpenedStream<ResponsesEvent>>;
export function callResponses(host: AttemptHost, body: ResponsesRequestBody, options: ProviderOptions, stream: boolean): Promise<ResponsesResult | OpenedStream<ResponsesEvent>> {
  const responses = options.adapter.responses!;
  return withProvider<ResponsesRequestBody, ResponsesResult | OpenedStream<ResponsesEvent>>(host, () => body, options, async (call, clean) => {
    if (!stream) {
      const result = await responses.create(call as ResponsesCall);
      call.link.dispose();
      return result;
    }
    return startStream(await responses.stream(call as ResponsesCall), call.link, host.record, clean);
  });
}

/** A stream whose first chunk has arrived: its parts, from the start. */
export interface OpenedStream<Chunk> {
  parts: AsyncIterable<StreamPart<Chunk>>;
  providerRequestId: string | null;
}

/** Reads a stream up to its first chunk (or its end): usage reports before it have not started the stream. */
async function startStream<Chunk>(
  opened: ProviderStream<Chunk>,
  link: AttemptSignal,
  record: AttemptHost['record'],
  clean: (error: unknown, link: AttemptSignal | null) => unknown,
): Promise<OpenedStream<Chunk>> {
  const iterator = opened[Symbol.asyncIterator]();
  const head: StreamPart<Chunk>[] = [];
  let first = await iterator.next();
  while (!first.done && first.value.type === 'usage') {
    head.push(first.value);
    first = await iterator.next();
  }
  link.clearTimeout();
  return { parts: resume(head, first, iterator, link, record, (error) => clean(error, link)), providerRequestId: opened.providerRequestId };
}

/** An embeddings call: one provider call with retries. */
export function callEmbeddings(host: AttemptHost, body: EmbeddingRequestBody, options: ProviderOptions): Promise<EmbeddingResult> {
  const embed = options.adapter.embed!.bind(options.adapter);
  return withProvider<EmbeddingRequestBody, EmbeddingResult>(host, () => body, options, async (call) => {
    const result = await embed(call as EmbeddingCall);
    call.link.dispose();
    return result;
  });
}

/** The stream after its first chunk, with the attempt's signal released at the end, whatever the end. */
async function* resume<Chunk>(
  head: readonly StreamPart<Chunk>[],
  first: IteratorResult<StreamPart<Chunk>>,
  iterator: AsyncIterator<StreamPart<Chunk>>,
  link: AttemptSignal,
  record: AttemptHost['record'],
  clean: (error: unknown) => unknown,
): AsyncGenerator<StreamPart<Chunk>> {
  // The attempt's time until the first chunk is counted by withProvider; the rest of the stream here.
  const t = performance.now();
  try {
    yield* head;
    if (first.done) return;
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } catch (error) {
    throw clean(error);
  } finally {
    link.dispose();
    // Stopping early must close the provider's stream (and its connection).
    await iterator.return?.();
    record.upstreamMs += performance.now() - t;
  }
}

/**
 * Classifies what came out of an attempt: the caller's abort, our own timeout (a retryable 504),
 * or a provider error, which is then stripped of credentials. Anything else (a bug) passes as is.
 */
function sanitize(
  error: unknown,
  signal: AbortSignal | undefined,
  link: AttemptSignal | null,
  provider: string,
  secrets: readonly string[],
  timeoutMs: number,
): unknown {
  if (RequestAbortedError.isInstance(error)) return error;
  if (signal?.aborted) return new RequestAbortedError(signal.reason);
  if (link?.timedOut && !ProviderError.isInstance(error)) {
    return new ProviderError({ provider, message: `timeout: no answer within ${timeoutMs} ms`, upstreamStatus: null, status: 504, isRetryable: true });
  }
  if (ProviderError.isInstance(error)) return redactProviderError(error, secrets);
  return error;
}

/**
 * `fetch` and the transport adding the integration's headers to every request, under those the
 * adapter set (its authentication and content type win): one place for every provider, and no
 * adapter ever holds a header secret. They are added after a request is signed (Bedrock), so
 * they are not signed.
 */
function fetchWithHeaders(fetch: typeof globalThis.fetch, extra: Readonly<Record<string, string>>): typeof globalThis.fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const name in extra) if (!headers.has(name)) headers.set(name, extra[name]!);
    return fetch(input, { ...init, headers });
  };
}

function transportWithHeaders(transport: ProviderTransport, extra: Readonly<Record<string, string>>): ProviderTransport {
  return (url, request) => {
    const headers: Record<string, string> = {};
    const set = new Set<string>();
    for (const name in request.headers) {
      headers[name] = request.headers[name]!;
      set.add(name.toLowerCase());
    }
    for (const name in extra) if (!set.has(name.toLowerCase())) headers[name] = extra[name]!;
    return transport(url, { ...request, headers });
  };
}

/**
 * The `fetch` adapters are given (for what the transport does not do: a signed request, a token
 * to mint): it tells `onAnswer` of every answer, before the adapter reads it, and does not follow
 * redirects (a 3xx is answered as is, as by the transport). A provider's API does not redirect;
 * and with a redirect to follow, fetch copies every request (its body teed into two streams) in
 * case it must be sent again; with none it does not (the Fetch standard's HTTP-network-or-cache
 * fetch, step 8).
 */
function observedFetch(fetch: typeof globalThis.fetch, onAnswer: (headers: Headers, status: number) => void): typeof globalThis.fetch {
  return (input, init) =>
    fetch(input, { ...init, redirect: 'manual', window: null }).then((response) => {
      onAnswer(response.headers, response.status);
      return response;
    });
}

/** Without building an array of keys (this runs on every call). */
function isEmpty(record: Record<string, unknown>): boolean {
  for (const _ in record) return false;
  return true;
}

/** The transport of every provider call: it tells `onAnswer` of every answer, before the adapter reads it. */
function observedTransport(transport: ProviderTransport, onAnswer: (headers: Pick<HeaderReader, 'get'>, status: number) => void): ProviderTransport {
  return (url, request) =>
    transport(url, request).then((response) => {
      onAnswer(response.headers, response.status);
      return response;
    });
}
