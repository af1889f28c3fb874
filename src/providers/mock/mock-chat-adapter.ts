import { createHash } from 'node:crypto';
import { ProviderError } from '../../errors/provider-error.js';
import { estimateEmbeddingTokens, estimateInputTokens, estimateTextTokens, estimateUsage } from '../../usage/estimate-tokens.js';
import { sleep } from '../../util/sleep.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequestBody, FinishReason, ToolCall } from '../../usage/chat-types.js';
import { toCompletionUsage } from '../shared/completion-usage.js';
import { embeddingResult } from '../shared/embedding-result.js';
import type { ChatAdapter, EmbeddingCall, EmbeddingResult, ProviderCall, ProviderResult, ProviderStream, StreamPart } from '../spec.js';
import type { Usage } from '../../usage/usage.js';
import type { MockFailure, ParsedMockOptions } from './mock-options.js';

interface Reply {
  text: string | null;
  /** The scripted stream chunks, when they apply (not truncated by max_tokens). */
  chunks: string[] | null;
  toolCalls: ToolCall[] | null;
  finishReason: FinishReason;
  usage: Usage | null;
}

/**
 * A provider without a network: answers are computed from the request and the options, failures
 * follow the script in `options.failures`. Errors are the same `ProviderError`s a real adapter
 * throws, so retries, limits and events behave exactly as with a real provider.
 */
export function createMockChatAdapter(options: ParsedMockOptions): ChatAdapter {
  const failures: MockFailure[] = options.failures.map((f) => ({ ...f }));
  let sequence = 0;

  function nextFailure(): ProviderError | null {
    const failure = failures[0];
    if (!failure) return null;
    if (--failure.times === 0) failures.shift();
    if (failure.status === undefined) {
      return new ProviderError({
        provider: 'mock',
        message: `network error: ${failure.message ?? 'connection reset'}`,
        upstreamStatus: null,
        status: 502,
        isRetryable: true,
      });
    }
    const retryable = failure.status === 408 || failure.status === 409 || failure.status === 429 || failure.status >= 500;
    return new ProviderError({
      provider: 'mock',
      message: failure.message ?? `scripted failure ${failure.status}`,
      upstreamStatus: failure.status,
      retryAfterMs: failure.retryAfterMs ?? null,
      isRetryable: retryable,
      body: { error: { message: failure.message ?? `scripted failure ${failure.status}`, type: 'mock_error' } },
      requestId: `mock-req-${++sequence}`,
    });
  }

  function buildReply(body: ChatRequestBody): Reply {
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? null;
    let text: string | null = null;
    let chunks: string[] | null = null;
    let toolCalls: ToolCall[] | null = null;
    let finishReason: FinishReason = 'stop';
    if (options.toolCalls?.length) {
      toolCalls = options.toolCalls.map((t, i) => ({
        id: `call_mock_${i}`,
        type: 'function',
        function: { name: t.name, arguments: typeof t.arguments === 'string' ? t.arguments : JSON.stringify(t.arguments) },
      }));
      finishReason = 'tool_calls';
    } else {
      text = options.chunks ? options.chunks.join('') : typeof options.reply === 'function' ? options.reply(body) : (options.reply ?? defaultReply(body));
      // Like a real model, stop at max_tokens and say so.
      chunks = options.chunks ?? null;
      if (maxTokens !== null && estimateTextTokens(text) > maxTokens) {
        text = text.slice(0, maxTokens * 4);
        finishReason = 'length';
        chunks = null;
      }
    }
    const outputText = text ?? toolCalls!.map((t) => t.function.name + t.function.arguments).join('');
    const o = options.usage ?? {};
    const inputTokens = o.inputTokens ?? estimateInputTokens(body.messages, body.tools);
    const outputTokens = o.outputTokens ?? estimateTextTokens(outputText);
    const usage: Usage | null = options.omitUsage
      ? null
      : {
          inputTokens,
          outputTokens,
          cacheReadTokens: o.cacheReadTokens ?? 0,
          cacheWriteTokens: o.cacheWriteTokens ?? 0,
          reasoningTokens: o.reasoningTokens ?? 0,
          totalTokens: inputTokens + outputTokens,
          estimated: false,
          raw: { prompt_tokens: inputTokens, completion_tokens: outputTokens },
        };
    return { text, chunks, toolCalls, finishReason, usage };
  }

  return {
    provider: 'mock',

    async chat(call: ProviderCall): Promise<ProviderResult> {
      if (options.latencyMs > 0) await sleep(options.latencyMs, call.signal);
      const failure = nextFailure();
      if (failure) throw failure;
      const reply = buildReply(call.body);
      const id = `chatcmpl-mock-${++sequence}`;
      const completion: ChatCompletion = {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: call.body.model,
        choices: [
          {
            index: 0,
            message: reply.toolCalls
              ? { role: 'assistant', content: reply.text, refusal: null, tool_calls: reply.toolCalls }
              : { role: 'assistant', content: reply.text, refusal: null },
            finish_reason: reply.finishReason,
            logprobs: null,
          },
        ],
      };
      if (reply.usage) completion.usage = toCompletionUsage(reply.usage);
      return {
        completion,
        usage: reply.usage ?? estimateUsage(call.body, reply.text?.length ?? 0),
        finishReason: reply.finishReason,
        providerRequestId: `mock-req-${sequence}`,
      };
    },

    async embed(call: EmbeddingCall): Promise<EmbeddingResult> {
      if (options.latencyMs > 0) await sleep(options.latencyMs, call.signal);
      const failure = nextFailure();
      if (failure) throw failure;
      const input = call.body.input;
      const items: Array<string | number | number[]> = typeof input === 'string' ? [input] : (input as Array<string | number | number[]>);
      // A flat token array is one input; a list of token arrays, several.
      const texts = items.every((i) => typeof i === 'number') ? [JSON.stringify(items)] : items.map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
      const dimensions = call.body.dimensions ?? 8;
      const inputTokens = options.usage?.inputTokens ?? estimateEmbeddingTokens(input, false);
      ++sequence;
      const vectors = texts.map((text) => mockVector(text, dimensions));
      return embeddingResult(call, vectors, { inputTokens, estimated: false, raw: null }, `mock-req-${sequence}`);
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      if (options.latencyMs > 0) await sleep(options.latencyMs, call.signal);
      const failure = nextFailure();
      if (failure) throw failure;
      const reply = buildReply(call.body);
      const id = `chatcmpl-mock-${++sequence}`;
      const created = Math.floor(Date.now() / 1000);
      const model = call.body.model;
      const includeUsage = call.body.stream_options?.include_usage === true;
      const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: FinishReason | null = null): ChatCompletionChunk => ({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
        ...(includeUsage ? { usage: null } : {}),
      });
      const pieces = contentPieces(reply);

      async function* parts(): AsyncGenerator<StreamPart> {
        yield { type: 'chunk', chunk: chunk({ role: 'assistant', content: '' }) };
        let sent = 0;
        for (const delta of pieces) {
          if (options.cutStreamAfter !== undefined && sent >= options.cutStreamAfter) {
            throw new ProviderError({
              provider: 'mock',
              message: 'the stream was interrupted: connection reset',
              upstreamStatus: 200,
              status: 502,
              isRetryable: true,
            });
          }
          if (options.chunkDelayMs > 0) await sleep(options.chunkDelayMs, call.signal);
          yield { type: 'chunk', chunk: chunk(delta) };
          sent++;
        }
        yield { type: 'chunk', chunk: chunk({}, reply.finishReason) };
        if (includeUsage && reply.usage) {
          yield { type: 'chunk', chunk: { ...chunk({}), choices: [], usage: toCompletionUsage(reply.usage) } };
        }
        yield { type: 'finish', usage: reply.usage, finishReason: reply.finishReason };
      }

      const stream = parts() as AsyncGenerator<StreamPart> & { providerRequestId: string | null };
      stream.providerRequestId = `mock-req-${sequence}`;
      return stream;
    },
  };
}

function defaultReply(body: ChatRequestBody): string {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m = body.messages[i]!;
    if (m.role !== 'user') continue;
    const text = typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '')).join(' ');
    return `Mock reply to "${text.length > 200 ? `${text.slice(0, 200)}…` : text}"`;
  }
  return 'Mock reply';
}

type Delta = ChatCompletionChunk['choices'][number]['delta'];

/** The reply as stream deltas: the scripted chunks or the words of the text, or tool calls in two steps each. */
function contentPieces(reply: Reply): Delta[] {
  if (reply.toolCalls) {
    const out: Delta[] = [];
    reply.toolCalls.forEach((t, index) => {
      out.push({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.function.name, arguments: '' } }] });
      const args = t.function.arguments;
      const mid = Math.ceil(args.length / 2);
      for (const piece of [args.slice(0, mid), args.slice(mid)]) {
        if (piece) out.push({ tool_calls: [{ index, function: { arguments: piece } }] });
      }
    });
    return out;
  }
  const pieces = reply.chunks ?? reply.text?.match(/\S+\s*|\s+/g) ?? [];
  return pieces.map((content) => ({ content }));
}

/** A unit vector that depends only on the text: the same text always embeds the same. */
function mockVector(text: string, dimensions: number): number[] {
  const digest = createHash('sha256').update(text).digest();
  const raw = Array.from({ length: dimensions }, (_, i) => digest[i % digest.length]! / 255 - 0.5 + i * 1e-3);
  const norm = Math.hypot(...raw) || 1;
  return raw.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}
