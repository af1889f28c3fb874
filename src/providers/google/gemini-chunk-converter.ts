import type { ChatCompletionChunk, FinishReason } from '../../usage/chat-types.js';
import { toCompletionUsage } from '../shared/completion-usage.js';
import type { Usage } from '../../usage/usage.js';
import { convertGeminiLogprobs } from './convert-gemini-logprobs.js';
import { blockedPromptMessage, createdAt, readCandidate } from './convert-gemini-response.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import type { GeminiResponse } from './gemini-api.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { randomUUID } from 'node:crypto';

type Choice = ChatCompletionChunk['choices'][number];

interface CandidateState {
  toolCalls: number;
  finished: boolean;
}

/**
 * Turns the events of a `streamGenerateContent` stream (each a whole GenerateContentResponse
 * holding the new parts) into OpenAI chunks: per candidate a role chunk, then text and tool call
 * deltas (a Gemini function call arrives whole: one delta with its full arguments), then a
 * chunk with the finish reason. Usage comes on every event, cumulative: the last one wins.
 */
export class GeminiChunkConverter {
  #id: string | null = null;
  #created = 0;
  #model: string;
  readonly #candidates = new Map<number, CandidateState>();
  readonly #includeUsage: boolean;
  readonly #warn: (message: string) => void;
  #blocked = false;
  usage: Usage | null = null;
  /** The finish reason of the first candidate (choice 0), for the usage event. */
  finishReason: FinishReason | null = null;
  /** The provider's id of the response, once an event told it. */
  responseId: string | null = null;

  constructor(options: { model: string; includeUsage: boolean; warn: (message: string) => void }) {
    this.#model = options.model;
    this.#includeUsage = options.includeUsage;
    this.#warn = options.warn;
  }

  /** Every candidate that started has finished, or the prompt was blocked. */
  get complete(): boolean {
    if (this.#blocked) return true;
    if (this.#candidates.size === 0) return false;
    for (const state of this.#candidates.values()) if (!state.finished) return false;
    return true;
  }

  convert(response: GeminiResponse): ChatCompletionChunk[] {
    if (this.#id === null) {
      this.responseId = response.responseId || null;
      this.#id = response.responseId || `chatcmpl-${randomUUID()}`;
      this.#created = createdAt(response.createTime);
    }
    if (response.modelVersion) this.#model = response.modelVersion;
    if (response.usageMetadata) this.usage = convertGeminiUsage(response.usageMetadata);

    const chunks: ChatCompletionChunk[] = [];
    const candidates = response.candidates ?? [];
    candidates.forEach((candidate, position) => {
      const index = candidate.index ?? position;
      const known = this.#candidates.get(index);
      const state = known ?? { toolCalls: 0, finished: false };
      if (!known) {
        this.#candidates.set(index, state);
        chunks.push(this.#chunk({ index, delta: { role: 'assistant', content: '' }, finish_reason: null }));
      }
      const { text, toolCalls } = readCandidate(candidate);
      const logprobs = convertGeminiLogprobs(candidate.logprobsResult);
      if (text || logprobs) {
        const choice: Choice = { index, delta: { content: text ?? '' }, finish_reason: null };
        if (logprobs) choice.logprobs = logprobs;
        chunks.push(this.#chunk(choice));
      }
      if (toolCalls.length > 0) {
        const deltas = toolCalls.map((call) => ({ index: state.toolCalls++, ...call }));
        chunks.push(this.#chunk({ index, delta: { tool_calls: deltas }, finish_reason: null }));
      }
      if (candidate.finishReason && !state.finished) {
        state.finished = true;
        const reason = mapGeminiFinishReason(candidate.finishReason, state.toolCalls > 0, this.#warn);
        if (index === 0 || this.finishReason === null) this.finishReason = reason;
        chunks.push(this.#chunk({ index, delta: {}, finish_reason: reason }));
      }
    });

    if (candidates.length === 0 && response.promptFeedback?.blockReason && !this.#blocked) {
      this.#blocked = true;
      const refusal = blockedPromptMessage(response.promptFeedback);
      this.#warn(refusal);
      this.finishReason = 'content_filter';
      chunks.push(this.#chunk({ index: 0, delta: { role: 'assistant', content: null, refusal }, finish_reason: null }));
      chunks.push(this.#chunk({ index: 0, delta: {}, finish_reason: 'content_filter' }));
    }
    return chunks;
  }

  /** The usage-only chunk OpenAI sends last when the caller asked `stream_options.include_usage`. */
  usageChunk(): ChatCompletionChunk | null {
    if (!this.#includeUsage || !this.usage || this.#id === null) return null;
    return { id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices: [], usage: toCompletionUsage(this.usage) };
  }

  #chunk(choice: Choice): ChatCompletionChunk {
    const chunk: ChatCompletionChunk = { id: this.#id!, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices: [choice] };
    // As OpenAI does when the caller asked for usage: null on every chunk but the last.
    if (this.#includeUsage) chunk.usage = null;
    return chunk;
  }
}
