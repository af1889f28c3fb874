import type { ChatCompletion, FinishReason, ToolCall } from '../../usage/chat-types.js';
import { toCompletionUsage } from '../shared/completion-usage.js';
import type { Usage } from '../../usage/usage.js';
import { convertGeminiLogprobs } from './convert-gemini-logprobs.js';
import type { GoogleToolCallExtra } from './convert-to-gemini-contents.js';
import type { GeminiCandidate, GeminiResponse } from './gemini-api.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { randomUUID } from 'node:crypto';

/** A tool call id in OpenAI's shape, for function calls Gemini sends without one. */
export function toolCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/** What a candidate says: its answer (thought summaries excluded) and its function calls. */
export function readCandidate(candidate: GeminiCandidate): { text: string | null; toolCalls: Array<ToolCall & GoogleToolCallExtra> } {
  let text: string | null = null;
  const toolCalls: Array<ToolCall & GoogleToolCallExtra> = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) {
      const call: ToolCall & GoogleToolCallExtra = {
        id: part.functionCall.id || toolCallId(),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      };
      // Gemini 3 refuses a later turn whose function calls lack their signature: it travels with the call.
      if (part.thoughtSignature) call.extra_content = { google: { thought_signature: part.thoughtSignature } };
      toolCalls.push(call);
    } else if (typeof part.text === 'string' && part.thought !== true) {
      text = (text ?? '') + part.text;
    }
  }
  return { text, toolCalls };
}

/** Why a prompt was refused, for the caller (as an OpenAI `refusal`) and the usage event. */
export function blockedPromptMessage(feedback: NonNullable<GeminiResponse['promptFeedback']>): string {
  const detail = feedback.blockReasonMessage ? `: ${feedback.blockReasonMessage}` : '';
  return `Gemini blocked the prompt (blockReason ${feedback.blockReason})${detail}`;
}

/**
 * A Gemini answer as an OpenAI `chat.completion`: one choice per candidate. A prompt Gemini
 * blocked (`promptFeedback.blockReason`, no candidates) is a completion too, with
 * `finish_reason: 'content_filter'`, no content and the reason as `refusal`, as OpenAI reports
 * filtered output: the call was made (and its prompt counted), so it is metered, not retried.
 */
export function convertGeminiResponse(
  response: GeminiResponse,
  requestModel: string,
  usage: Usage | null,
  warn: (message: string) => void,
): { completion: ChatCompletion; finishReason: FinishReason | null } {
  const choices: ChatCompletion['choices'] = [];
  const candidates = [...(response.candidates ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  candidates.forEach((candidate, position) => {
    const { text, toolCalls } = readCandidate(candidate);
    const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    const choice: ChatCompletion['choices'][number] = {
      index: candidate.index ?? position,
      message,
      finish_reason: mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0, warn),
    };
    const logprobs = convertGeminiLogprobs(candidate.logprobsResult);
    if (logprobs) choice.logprobs = logprobs;
    choices.push(choice);
  });
  if (choices.length === 0 && response.promptFeedback?.blockReason) {
    const refusal = blockedPromptMessage(response.promptFeedback);
    warn(refusal);
    choices.push({ index: 0, message: { role: 'assistant', content: null, refusal }, finish_reason: 'content_filter' });
  }

  const completion: ChatCompletion = {
    id: response.responseId || `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: createdAt(response.createTime),
    model: response.modelVersion || requestModel,
    choices,
  };
  if (usage) completion.usage = toCompletionUsage(usage);
  return { completion, finishReason: choices[0]?.finish_reason ?? null };
}

/** Unix seconds: Vertex's `createTime` when given, else now. */
export function createdAt(createTime: string | null | undefined): number {
  const t = createTime ? Date.parse(createTime) : Number.NaN;
  return Math.floor((Number.isNaN(t) ? Date.now() : t) / 1000);
}
