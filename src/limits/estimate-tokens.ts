import type { ChatMessage, FunctionTool } from '../providers/chat-types.js';
import type { Usage } from '../providers/spec.js';

/**
 * Token estimates for when a provider does not say (a cut stream, a server without usage) and
 * for reservations before a call. About 4 characters per token for English text, the usual rule
 * of thumb; the estimate errs high so that reservations hold.
 */
const CHARS_PER_TOKEN = 4;
const PER_MESSAGE_OVERHEAD = 4;
/** A high-detail image is 85 + 170 per 512px tile on OpenAI; 1,105 covers a 1024x1024 image. */
const PER_IMAGE = 1_105;
const PER_NON_TEXT_PART = 1_000;

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function estimateInputTokens(messages: readonly ChatMessage[], tools?: readonly FunctionTool[]): number {
  let tokens = 3; // every reply is primed with a few tokens
  for (const message of messages) {
    tokens += PER_MESSAGE_OVERHEAD;
    const content = message.content;
    if (typeof content === 'string') tokens += estimateTextTokens(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text') tokens += estimateTextTokens(part.text);
        else if (part.type === 'refusal') tokens += estimateTextTokens(part.refusal);
        else if (part.type === 'image_url') tokens += PER_IMAGE;
        else tokens += PER_NON_TEXT_PART;
      }
    }
    if (message.role === 'assistant' && message.tool_calls) {
      for (const call of message.tool_calls) tokens += estimateTextTokens(call.function.name + call.function.arguments) + 3;
    }
  }
  if (tools?.length) tokens += estimateTextTokens(JSON.stringify(tools));
  return tokens;
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

/** Framing tokens per message (role, separators) on the tokenizers we know; a bound, not an average. */
const BOUND_PER_MESSAGE = 8;
/**
 * Images have no size-independent token count; 5,000 covers images up to about 3000x3000 pixels on
 * OpenAI (1,445 max), Anthropic (~1,600 max) and Gemini (258 per 768px tile).
 */
const BOUND_PER_IMAGE = 5_000;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * An upper bound of the input tokens, for reservations that must hold: every token of the
 * byte-level tokenizers providers use covers at least one byte, so the UTF-8 size of the text
 * (plus framing) cannot be exceeded. Typically 3 to 4 times the real count for English: the
 * surplus is released when the call settles.
 */
export function estimateInputTokensUpperBound(messages: readonly ChatMessage[], tools?: readonly FunctionTool[]): number {
  let tokens = BOUND_PER_MESSAGE;
  for (const message of messages) {
    tokens += BOUND_PER_MESSAGE;
    const content = message.content;
    if (typeof content === 'string') tokens += bytes(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text') tokens += bytes(part.text);
        else if (part.type === 'refusal') tokens += bytes(part.refusal);
        else if (part.type === 'image_url') tokens += BOUND_PER_IMAGE;
        else tokens += Math.max(BOUND_PER_IMAGE, bytes(JSON.stringify(part)));
      }
    }
    if (message.role === 'assistant' && message.tool_calls) {
      for (const call of message.tool_calls) tokens += bytes(call.function.name) + bytes(call.function.arguments) + BOUND_PER_MESSAGE;
    }
    if ('name' in message && message.name) tokens += bytes(message.name);
  }
  if (tools?.length) tokens += bytes(JSON.stringify(tools));
  return tokens;
}
