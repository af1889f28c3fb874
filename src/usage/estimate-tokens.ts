import type { ChatMessage, FunctionTool } from './chat-types.js';
import type { Usage } from './usage.js';

/** How to count the tokens of each kind of input. */
interface Measure {
  text(text: string): number;
  /** Framing of the prompt and of each message (role, separators). */
  framing: number;
  image: number;
  /** Audio and files, given their JSON form. */
  otherPart(part: unknown): number;
}

const CHARS_PER_TOKEN = 4;

/**
 * Average: about 4 characters a token for English text, the usual rule of thumb, for when a
 * provider reports no usage (a cut stream, a server that does not count).
 */
const AVERAGE: Measure = {
  text: (text) => Math.ceil(text.length / CHARS_PER_TOKEN),
  framing: 4,
  // A high-detail image is 85 + 170 per 512px tile on OpenAI; 1,105 covers a 1024x1024 image.
  image: 1_105,
  otherPart: () => 1_000,
};

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Upper bound, for reservations that must hold: every token of the byte-level tokenizers
 * providers use covers at least one byte, so the UTF-8 size of the text (plus framing) cannot be
 * exceeded. Typically 3 to 4 times the real count for English: the surplus is released when the
 * call settles.
 */
const UPPER_BOUND: Measure = {
  text: bytes,
  framing: 8,
  // No size-independent count exists: 5,000 covers images up to about 3000x3000 pixels on OpenAI
  // (1,445 max), Anthropic (~1,600 max) and Gemini (258 per 768px tile).
  image: 5_000,
  otherPart: (part) => Math.max(5_000, bytes(JSON.stringify(part))),
};

function countInput(measure: Measure, messages: readonly ChatMessage[], tools?: readonly FunctionTool[]): number {
  let tokens = measure.framing; // every reply is primed with a few tokens
  for (const message of messages) {
    tokens += measure.framing;
    const content = message.content;
    if (typeof content === 'string') tokens += measure.text(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text') tokens += measure.text(part.text);
        else if (part.type === 'refusal') tokens += measure.text(part.refusal);
        else if (part.type === 'image_url') tokens += measure.image;
        else tokens += measure.otherPart(part);
      }
    }
    if (message.role === 'assistant' && message.tool_calls) {
      for (const call of message.tool_calls) tokens += measure.text(call.function.name) + measure.text(call.function.arguments) + measure.framing;
    }
    if ('name' in message && message.name) tokens += measure.text(message.name);
  }
  if (tools?.length) tokens += measure.text(JSON.stringify(tools));
  return tokens;
}

export function estimateTextTokens(text: string): number {
  return AVERAGE.text(text);
}

/** About how many input tokens a request has (when the provider does not say). */
export function estimateInputTokens(messages: readonly ChatMessage[], tools?: readonly FunctionTool[]): number {
  return countInput(AVERAGE, messages, tools);
}

/** At most how many input tokens a request can have, whatever the tokenizer. */
export function estimateInputTokensUpperBound(messages: readonly ChatMessage[], tools?: readonly FunctionTool[]): number {
  return countInput(UPPER_BOUND, messages, tools);
}

/** Usage estimated from the request and the number of characters produced, marked `estimated`. */
export function estimateUsage(request: { messages: readonly ChatMessage[]; tools?: readonly FunctionTool[] }, outputChars: number): Usage {
  const inputTokens = estimateInputTokens(request.messages, request.tools);
  const outputTokens = Math.ceil(outputChars / CHARS_PER_TOKEN);
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: inputTokens + outputTokens,
    estimated: true,
    raw: null,
  };
}

/**
 * Input tokens of an embeddings request: texts by the average or the upper-bound measure, token
 * arrays (already tokenized) by their length.
 */
export function estimateEmbeddingTokens(input: string | readonly (string | number | readonly number[])[], bound: boolean): number {
  const measure = bound ? UPPER_BOUND : AVERAGE;
  if (typeof input === 'string') return measure.text(input);
  if (input.every((item) => typeof item === 'number')) return input.length;
  let tokens = 0;
  for (const item of input) tokens += typeof item === 'string' ? measure.text(item) : Array.isArray(item) ? item.length : 1;
  return tokens;
}
