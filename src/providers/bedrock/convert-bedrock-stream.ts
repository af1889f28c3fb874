import { ProviderError } from '../../errors/provider-error.js';
import type { ChatCompletionChunk, FinishReason } from '../../usage/chat-types.js';
import { toCompletionUsage } from '../shared/completion-usage.js';
import { malformedResponse, streamEndedEarly, streamFailure, type ResponseContext } from '../shared/response-errors.js';
import type { StreamPart } from '../spec.js';
import type { Usage } from '../../usage/usage.js';
import {
  contentBlockDeltaEventParser,
  contentBlockStartEventParser,
  messageStopEventParser,
  metadataEventParser,
} from './bedrock-api.js';
import { completionId, REASONING_DROPPED } from './convert-bedrock-response.js';
import { convertBedrockUsage } from './convert-bedrock-usage.js';
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js';
import { AwsEventStreamError, type AwsEventStreamMessage } from './read-aws-event-stream.js';

export interface BedrockStreamContext extends ResponseContext {
  model: string;
  /** The caller asked `stream_options.include_usage`: a last chunk with usage and no choices. */
  includeUsage: boolean;
  signal: AbortSignal;
  warn(message: string): void;
}

/**
 * Exceptions ConverseStream sends inside a 200 stream (`:message-type: exception`), with the
 * status the gateway reports and whether another attempt may succeed. Unknown ones are retryable.
 */
const STREAM_EXCEPTIONS: Record<string, { status: number; retryable: boolean }> = {
  throttlingException: { status: 429, retryable: true },
  serviceUnavailableException: { status: 503, retryable: true },
  internalServerException: { status: 500, retryable: true },
  modelStreamErrorException: { status: 502, retryable: true },
  modelTimeoutException: { status: 408, retryable: true },
  modelNotReadyException: { status: 429, retryable: true },
  validationException: { status: 400, retryable: false },
};

const decoder = new TextDecoder();

/**
 * ConverseStream events -> OpenAI chunks, ending with one `finish` part that carries usage.
 *
 * `messageStart` is held back: the role chunk goes out with the first content, tool call or
 * stop. So an exception that arrives before any output (throttling, a model stream error) is
 * thrown before the first part, while the gateway may still retry the call transparently.
 * `messageStop` gives the finish chunk, `metadata` the usage; a stream that ends without both
 * was cut, and fails (retryable, 502) so that the gateway settles it with an estimate.
 */
export async function* convertBedrockStream(messages: AsyncIterable<AwsEventStreamMessage>, ctx: BedrockStreamContext): AsyncGenerator<StreamPart> {
  const id = completionId(ctx.requestId);
  const created = Math.floor(Date.now() / 1000);
  // With include_usage, OpenAI sends `usage: null` on every chunk but the last one.
  const base = (): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: ctx.model,
    choices: [],
    ...(ctx.includeUsage ? { usage: null } : {}),
  });
  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finishReason: FinishReason | null = null): StreamPart => {
    const out = base();
    out.choices.push({ index: 0, delta, finish_reason: finishReason, logprobs: null });
    return { type: 'chunk', chunk: out };
  };
  let roleSent = false;
  const withRole = function* (part: StreamPart): Generator<StreamPart> {
    if (!roleSent) {
      roleSent = true;
      yield chunk({ role: 'assistant', content: '' });
    }
    yield part;
  };

  const toolIndexes = new Map<number, number>();
  let usage: Usage | null = null;
  let finishReason: FinishReason | null = null;
  let stopped = false;
  let reasoningWarned = false;

  try {
    for await (const message of messages) {
      const messageType = message.headers[':message-type'];
      if (messageType === 'exception' || messageType === 'error') throw exceptionError(message, ctx);
      if (messageType !== 'event') continue;
      const eventType = message.headers[':event-type'];
      const json = parseJson(message.body, ctx, eventType);
      switch (eventType) {
        case 'contentBlockStart': {
          const event = parse(contentBlockStartEventParser, json, ctx, eventType);
          const toolUse = event.start?.toolUse;
          if (!toolUse) break;
          const index = toolIndexes.size;
          toolIndexes.set(event.contentBlockIndex, index);
          yield* withRole(chunk({ tool_calls: [{ index, id: toolUse.toolUseId, type: 'function', function: { name: toolUse.name, arguments: '' } }] }));
          break;
        }
        case 'contentBlockDelta': {
          const { delta, contentBlockIndex } = parse(contentBlockDeltaEventParser, json, ctx, eventType);
          if (delta.text) yield* withRole(chunk({ content: delta.text }));
          else if (delta.toolUse) {
            const index = toolIndexes.get(contentBlockIndex);
            if (index === undefined) throw malformedResponse(ctx, `a toolUse delta for content block ${contentBlockIndex} came before its contentBlockStart`);
            if (delta.toolUse.input) yield* withRole(chunk({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] }));
          } else if (delta.reasoningContent !== undefined && !reasoningWarned) {
            reasoningWarned = true;
            ctx.warn(REASONING_DROPPED);
          }
          break;
        }
        case 'messageStop': {
          finishReason = mapBedrockStopReason(parse(messageStopEventParser, json, ctx, eventType).stopReason);
          stopped = true;
          yield* withRole(chunk({}, finishReason));
          break;
        }
        case 'metadata':
          usage = convertBedrockUsage(parse(metadataEventParser, json, ctx, eventType).usage);
          break;
        default:
          // messageStart (its role goes out with the first output), contentBlockStop, and events
          // this version does not know.
          break;
      }
    }
  } catch (error) {
    if (error instanceof AwsEventStreamError && error.kind === 'malformed' && !ctx.signal.aborted) throw malformedResponse(ctx, error.message);
    throw streamFailure(ctx, error, ctx.signal);
  }
  if (!stopped || usage === null) throw streamEndedEarly(ctx, `no ${stopped ? 'metadata' : 'messageStop'} event`);
  if (ctx.includeUsage) yield { type: 'chunk', chunk: { ...base(), usage: toCompletionUsage(usage) } };
  yield { type: 'finish', usage, finishReason };
}

function exceptionError(message: AwsEventStreamMessage, ctx: BedrockStreamContext): ProviderError {
  const type = message.headers[':exception-type'] ?? message.headers[':error-code'] ?? 'unknown';
  const text = decoder.decode(message.body);
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text.
  }
  const fromBody = body && typeof body === 'object' && 'message' in body && typeof body.message === 'string' ? body.message : undefined;
  const known = STREAM_EXCEPTIONS[type];
  return new ProviderError({
    provider: ctx.provider,
    message: `${type} in the stream: ${fromBody ?? message.headers[':error-message'] ?? 'no message'}`,
    upstreamStatus: ctx.status,
    status: known?.status ?? 502,
    isRetryable: known?.retryable ?? true,
    type,
    body,
    requestId: ctx.requestId,
  });
}

function parseJson(body: Uint8Array, ctx: BedrockStreamContext, eventType: string | undefined): unknown {
  try {
    return JSON.parse(decoder.decode(body)) as unknown;
  } catch {
    throw malformedResponse(ctx, `the payload of a ${eventType ?? 'stream'} event is not JSON`);
  }
}

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, json: unknown, ctx: BedrockStreamContext, eventType: string): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw malformedResponse(ctx, `a ${eventType} event does not have the expected shape`);
  return parsed.data;
}
