import { RequestValidationError } from '../../errors/request-validation-error.js';
import type { ChatMessage, ToolCall } from '../../usage/chat-types.js';
import type { GeminiContent, GeminiRequest, GeminiRequestPart } from './gemini-api.js';
import { audioPart, filePart, imagePart } from './to-gemini-media-part.js';

/** Where an OpenAI tool call carries Gemini's thought signature (as Google's own OpenAI-compatible API does). */
export interface GoogleToolCallExtra {
  extra_content?: { google?: { thought_signature?: string } };
}

/**
 * OpenAI messages as Gemini `contents` and `systemInstruction`:
 * - system and developer messages join the `systemInstruction` (Gemini has one, before the turns);
 * - user and tool messages are `user` turns, assistant messages `model` turns; consecutive turns
 *   of the same role are merged (a tool result and the next user message make one turn);
 * - assistant tool calls are `functionCall` parts (arguments parsed, thought signature restored);
 * - tool messages are `functionResponse` parts, named after the call they answer.
 */
export function convertToGeminiContents(messages: readonly ChatMessage[], warn: (message: string) => void): Pick<GeminiRequest, 'contents' | 'systemInstruction'> {
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  /** Function names by tool call id, from the assistant messages seen so far. */
  const callNames = new Map<string, string>();

  const push = (role: GeminiContent['role'], parts: GeminiRequestPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  messages.forEach((message, i) => {
    if ('name' in message && message.name) warn('message names are not supported by Gemini; ignored');
    switch (message.role) {
      case 'system':
      case 'developer': {
        if (contents.length > 0) warn(`a ${message.role} message after the conversation started was moved to Gemini's systemInstruction`);
        const text = textOf(message.content);
        if (text) system.push({ text });
        return;
      }
      case 'user': {
        if (typeof message.content === 'string') {
          push('user', message.content ? [{ text: message.content }] : []);
          return;
        }
        const parts: GeminiRequestPart[] = [];
        for (const part of message.content) {
          if (part.type === 'text') {
            if (part.text) parts.push({ text: part.text });
          } else if (part.type === 'image_url') parts.push(imagePart(part, warn));
          else if (part.type === 'input_audio') parts.push(audioPart(part));
          else if (part.type === 'file') {
            const converted = filePart(part, warn);
            if (converted) parts.push(converted);
          }
        }
        push('user', parts);
        return;
      }
      case 'assistant': {
        const parts: GeminiRequestPart[] = [];
        const text = assistantText(message.content) || message.refusal || '';
        if (text) parts.push({ text });
        (message.tool_calls ?? []).forEach((call, j) => {
          callNames.set(call.id, call.function.name);
          parts.push(functionCallPart(call, `messages.${i}.tool_calls.${j}.function.arguments`));
        });
        push('model', parts);
        return;
      }
      case 'tool': {
        const name = callNames.get(message.tool_call_id);
        if (name === undefined) {
          throw new RequestValidationError([
            { path: `messages.${i}.tool_call_id`, message: `no earlier assistant tool call has the id '${message.tool_call_id}' (Gemini needs the function's name)` },
          ]);
        }
        push('user', [{ functionResponse: { name, response: functionResponse(textOf(message.content)) } }]);
        return;
      }
    }
  });

  return system.length > 0 ? { systemInstruction: { parts: system }, contents } : { contents };
}

function textOf(content: string | Array<{ type: 'text'; text: string }>): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

function assistantText(content: Extract<ChatMessage, { role: 'assistant' }>['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
}

function functionCallPart(call: ToolCall & GoogleToolCallExtra, path: string): GeminiRequestPart {
  const raw = call.function.arguments.trim();
  let args: unknown = {};
  if (raw !== '') {
    try {
      args = JSON.parse(raw);
    } catch {
      args = undefined;
    }
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new RequestValidationError([{ path, message: 'must be a JSON object (Gemini takes function arguments as an object)' }]);
  }
  const signature = call.extra_content?.google?.thought_signature;
  const part: GeminiRequestPart = { functionCall: { name: call.function.name, args: args as Record<string, unknown> } };
  return signature ? { ...part, thoughtSignature: signature } : part;
}

/**
 * Gemini takes a function's result as an object: a JSON object result as is, anything else
 * (plain text, a JSON array or number) under `output`, the key Google documents for results.
 */
function functionResponse(content: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(content);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // plain text
  }
  return { output: content };
}
