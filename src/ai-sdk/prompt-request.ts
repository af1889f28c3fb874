import type { ChatMessage } from '../usage/chat-types.js';
import type { CallOptions, PromptPart } from './ai-sdk-types.js';

/**
 * The prompt as OpenAI-shaped messages of text, for what the gateway does with a request's
 * messages: estimating its input tokens for the reservation (and validation). Tool calls and
 * results are counted by their JSON; files by a placeholder (their size is not in the text).
 */
export function promptMessages(prompt: CallOptions['prompt']): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const message of prompt) {
    const text = typeof message.content === 'string' ? message.content : message.content.map(partText).join('\n');
    const role = message.role === 'system' || message.role === 'assistant' ? message.role : 'user';
    messages.push({ role, content: text } as ChatMessage);
  }
  if (messages.length === 0) messages.push({ role: 'user', content: '' } as ChatMessage);
  return messages;
}

function partText(p: PromptPart): string {
  const part = p as PromptPart & Record<string, unknown>;
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return typeof part.text === 'string' ? part.text : '';
    case 'tool-call':
      return `${String(part.toolName)}(${typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? null)})`;
    case 'tool-result':
      return JSON.stringify(part.output ?? part.result ?? null);
    default:
      return `[${part.type}]`;
  }
}

/** Function tools as OpenAI's, for the input estimate. */
export function promptTools(tools: CallOptions['tools']) {
  if (!tools?.length) return undefined;
  return tools
    .filter((t) => t.type === 'function')
    .map((t) => ({ type: 'function' as const, function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: (t.inputSchema ?? {}) as Record<string, unknown> } }));
}
