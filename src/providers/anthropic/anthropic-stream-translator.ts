import type { ChatCompletionChunk, FinishReason } from '../../usage/chat-types.js';
import type { Usage } from '../../usage/usage.js';
import {
  contentBlockDeltaEventParser,
  contentBlockStartEventParser,
  contentBlockStopEventParser,
  messageDeltaEventParser,
  messageStartEventParser,
  isTextContent,
  isToolUseContent,
  type AnthropicUsage,
} from './anthropic-api.js';
import { TEXT_BESIDES_JSON, omitted } from './convert-anthropic-response.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { toCompletionUsage } from '../shared/completion-usage.js';
import type { SchemaParser } from '../../util/compiled-on-use.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];

/** What a content block of the Anthropic stream becomes on the OpenAI side. */
type Block =
  | { kind: 'text' }
  | { kind: 'json' }
  | { kind: 'tool'; toolIndex: number; input: unknown; argumentsSent: boolean }
  | { kind: 'omitted' };

export class MalformedEventError extends Error {}

/**
 * Turns Anthropic stream events into OpenAI `chat.completion.chunk`s, one event at a time:
 * - `message_start`: id, model and input usage; nothing is emitted yet;
 * - the role chunk is emitted with the first content, so that an `error` event that comes
 *   before any content (after `message_start`, as overloads do) fails the stream before its
 *   first part, where the gateway can still retry it;
 * - text deltas become content deltas; a `tool_use` block becomes a tool call delta (index, id,
 *   name, empty arguments) followed by its `input_json_delta` fragments;
 * - `message_delta` carries the stop reason and the cumulative output tokens;
 * - `message_stop` ends: the finish chunk, then (if the caller asked for it) the usage chunk.
 */
export class AnthropicStreamTranslator {
  done = false;
  finishReason: FinishReason | null = null;
  #id = '';
  #model = '';
  #usage: AnthropicUsage | null = null;
  #started = false;
  #blocks = new Map<number, Block>();
  #toolCount = 0;
  #jsonSeen = false;
  #heldText = '';

  constructor(
    private readonly options: {
      created: number;
      includeUsage: boolean;
      jsonTool: string | null;
      warn: (message: string) => void;
    },
  ) {}

  /** The usage reported so far (input from `message_start`, output from the last `message_delta`). */
  get usage(): Usage | null {
    return this.#usage ? convertAnthropicUsage(this.#usage) : null;
  }

  /** The chunks one event (its parsed `data`) produces. Unknown event types produce none. */
  push(event: { type?: unknown }): ChatCompletionChunk[] {
    const out: ChatCompletionChunk[] = [];
    switch (event.type) {
      case 'message_start': {
        const { message } = parse(messageStartEventParser, event);
        if (!this.#id) {
          this.#id = message.id;
          this.#model = message.model;
        }
        if (message.usage) this.#usage = { ...message.usage };
        break;
      }
      case 'content_block_start': {
        const { index, content_block: block } = parse(contentBlockStartEventParser, event);
        if (isTextContent(block)) {
          this.#blocks.set(index, { kind: 'text' });
          if (block.text) this.#text(out, block.text);
        } else if (isToolUseContent(block)) {
          if (this.options.jsonTool && block.name === this.options.jsonTool) {
            this.#blocks.set(index, { kind: 'json' });
            this.#jsonSeen = true;
          } else {
            const toolIndex = this.#toolCount++;
            this.#blocks.set(index, { kind: 'tool', toolIndex, input: block.input, argumentsSent: false });
            this.#emit(out, { tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] });
          }
        } else {
          this.options.warn(omitted(block.type));
          this.#blocks.set(index, { kind: 'omitted' });
        }
        break;
      }
      case 'content_block_delta': {
        const { index, delta } = parse(contentBlockDeltaEventParser, event);
        const block = this.#blocks.get(index);
        if (!block) throw new MalformedEventError(`a content_block_delta refers to block ${index}, which was never started`);
        if (delta.type === 'text_delta' && block.kind === 'text') {
          if (delta.text) this.#text(out, delta.text);
        } else if (delta.type === 'input_json_delta' && block.kind === 'json') {
          if (delta.partial_json) this.#emit(out, { content: delta.partial_json });
        } else if (delta.type === 'input_json_delta' && block.kind === 'tool') {
          if (delta.partial_json) {
            block.argumentsSent = true;
            this.#emit(out, { tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }] });
          }
        }
        // thinking_delta, signature_delta, citations_delta, deltas of omitted blocks: nothing to emit.
        break;
      }
      case 'content_block_stop': {
        const { index } = parse(contentBlockStopEventParser, event);
        const block = this.#blocks.get(index);
        // A tool called without arguments streams no fragment: OpenAI clients expect "{}" to parse.
        if (block?.kind === 'tool' && !block.argumentsSent) {
          block.argumentsSent = true;
          this.#emit(out, { tool_calls: [{ index: block.toolIndex, function: { arguments: JSON.stringify(block.input ?? {}) } }] });
        }
        break;
      }
      case 'message_delta': {
        const { delta, usage } = parse(messageDeltaEventParser, event);
        if (delta.stop_reason) this.finishReason = mapAnthropicStopReason(delta.stop_reason, this.options.jsonTool !== null);
        if (usage) {
          // Cumulative figures: the latest wins, field by field (input fields are often absent here).
          const merged: AnthropicUsage = { ...this.#usage };
          for (const [name, value] of Object.entries(usage)) if (value != null) merged[name] = value;
          this.#usage = merged;
        }
        break;
      }
      case 'message_stop': {
        if (this.#heldText) {
          // JSON mode: text is the answer only when the model never called the JSON tool.
          if (this.#jsonSeen) this.options.warn(TEXT_BESIDES_JSON);
          else this.#emit(out, { content: this.#heldText });
        }
        this.#start(out);
        out.push(this.#chunk({}, this.finishReason));
        const usage = this.usage;
        if (this.options.includeUsage && usage) {
          out.push({ id: this.#id, object: 'chat.completion.chunk', created: this.options.created, model: this.#model, choices: [], usage: toCompletionUsage(usage) });
        }
        this.done = true;
        break;
      }
      // ping, and event types added after this version: nothing to emit.
    }
    return out;
  }

  /** Text is streamed as it comes, except in JSON mode, where it is held until the end (see message_stop). */
  #text(out: ChatCompletionChunk[], text: string): void {
    if (this.options.jsonTool) this.#heldText += text;
    else this.#emit(out, { content: text });
  }

  #start(out: ChatCompletionChunk[]): void {
    if (this.#started) return;
    this.#started = true;
    out.push(this.#chunk({ role: 'assistant', content: '' }, null));
  }

  #emit(out: ChatCompletionChunk[], delta: Delta): void {
    this.#start(out);
    out.push(this.#chunk(delta, null));
  }

  #chunk(delta: Delta, finishReason: FinishReason | null): ChatCompletionChunk {
    if (!this.#id) throw new MalformedEventError('content arrived before message_start');
    const chunk: ChatCompletionChunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.options.created,
      model: this.#model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    };
    // OpenAI's contract with include_usage: every chunk but the last has `usage: null`.
    if (this.options.includeUsage) chunk.usage = null;
    return chunk;
  }
}

function parse<T>(parser: SchemaParser<T>, event: { type?: unknown }): T {
  const parsed = parser.safeParse(event);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new MalformedEventError(`a ${String(event.type)} event is malformed (${issue?.message ?? 'invalid'} at ${issue?.path.map(String).join('.') ?? ''})`);
}
