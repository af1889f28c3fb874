import { redactProviderError } from '../config/redact-secrets.js';
import { resolveCredentials, resolveCredentialsNow } from '../config/resolve-credentials.js';
import { ProviderError } from '../errors/provider-error.js';
import { RequestAbortedError } from '../errors/runtime-errors.js';
import type { ChatRequestBody } from '../providers/chat-types.js';
import type { ChatAdapter, ProviderCall, StreamPart } from '../providers/spec.js';
import { AttemptSignal } from '../util/link-signal.js';
import type { ChatContext, ChatOutcome } from './types.js';
import { withRetries, type RetryPolicy } from './with-retries.js';

export interface ProviderStepOptions {
  adapter: ChatAdapter;
  credentials: Record<string, unknown>;
  retry: RetryPolicy;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
}

/**
 * The end of the chain: one provider call with retries. A stream is opened and its first part
 * read inside the retry loop, so a failure before anything reached the caller is retried and
 * one after is not. Every error leaving this step is free of the integration's credentials.
 */
export async function callProvider(ctx: ChatContext, options: ProviderStepOptions): Promise<ChatOutcome> {
  const { adapter } = options;
  const credentials =
    resolveCredentialsNow(options.credentials) ?? (await resolveCredentials(ctx.target.integration, options.credentials));
  const clean = (error: unknown, link: AttemptSignal | null) => sanitize(error, ctx.signal, link, adapter.provider, credentials.secrets, options.timeoutMs);
  const stream = ctx.request.stream === true;

  try {
    return await withRetries(
      async (attempt) => {
        const link = new AttemptSignal(ctx.signal, options.timeoutMs);
        const call = new Attempt(ctx, credentials.values, link, options.fetch, attempt);
        try {
          if (!stream) {
            const result = await adapter.chat(call);
            link.dispose();
            return { type: 'completion', result } as const;
          }
          const opened = await adapter.stream(call);
          const iterator = opened[Symbol.asyncIterator]();
          const first = await iterator.next();
          link.clearTimeout();
          return { type: 'stream', parts: resume(first, iterator, link, clean), providerRequestId: opened.providerRequestId } as const;
        } catch (error) {
          link.dispose();
          throw clean(error, link);
        }
      },
      options.retry,
      ctx.signal,
      () => {
        ctx.retries++;
      },
    );
  } catch (error) {
    throw clean(error, null);
  }
}

/** A ProviderCall whose signal is made on first read (see AttemptSignal). */
class Attempt implements ProviderCall {
  readonly body: ChatRequestBody;

  constructor(
    readonly ctx: ChatContext,
    readonly credentials: Readonly<Record<string, string>>,
    readonly link: AttemptSignal,
    readonly fetch: typeof globalThis.fetch,
    readonly attempt: number,
  ) {
    this.body = ctx.request;
  }

  get signal(): AbortSignal {
    return this.link.signal;
  }

  warn(message: string): void {
    this.ctx.warn(message);
  }
}

/** The stream after its first part, with the attempt's signal released at the end, whatever the end. */
async function* resume(
  first: IteratorResult<StreamPart>,
  iterator: AsyncIterator<StreamPart>,
  link: AttemptSignal,
  clean: (error: unknown, link: AttemptSignal | null) => unknown,
): AsyncGenerator<StreamPart> {
  try {
    if (first.done) return;
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } catch (error) {
    throw clean(error, link);
  } finally {
    link.dispose();
    // Stopping early must close the provider's stream (and its connection).
    await iterator.return?.();
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
