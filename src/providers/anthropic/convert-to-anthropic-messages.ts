import type { ConfigIssue } from '../../errors/config-error.js';
import { RequestValidationError } from '../../errors/request-validation-error.js';
import type { ChatMessage, ContentPart, TextContentPart } from '../../usage/chat-types.js';
import type {
  AnthropicRequestBlock,
  AnthropicRequestMessage,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
} from './anthropic-api.js';

export interface AnthropicPrompt {
  system: string | AnthropicTextBlock[] | undefined;
  messages: AnthropicRequestMessage[];
}

/** `data:<media type>[;params];base64,<data>` */
const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s;

/**
 * OpenAI messages to Anthropic's `system` + `messages`:
 * - `system` and `developer` messages become the top-level `system` (Anthropic has no system
 *   role): one string, or text blocks when there are several;
 * - `tool` messages become `tool_result` blocks of a user turn, before any other content of it;
 * - assistant `tool_calls` become `tool_use` blocks (arguments parsed back to objects);
 * - consecutive turns of the same role are merged into one, as Anthropic expects alternation;
 * - images: `data:` URLs become base64 sources, http(s) URLs become url sources; PDF files
 *   become `document` blocks.
 * Content Anthropic cannot take (audio, OpenAI file ids, other files) is refused with a
 * RequestValidationError rather than dropped: the model would otherwise answer another question.
 */
export function convertToAnthropicMessages(messages: readonly ChatMessage[], warn: (message: string) => void): AnthropicPrompt {
  const system: AnthropicTextBlock[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; content: AnthropicRequestBlock[] }> = [];
  const issues: ConfigIssue[] = [];
  let conversationStarted = false;

  const push = (role: 'user' | 'assistant', blocks: AnthropicRequestBlock[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };

  messages.forEach((message, i) => {
    if ('name' in message && message.name) warn(`messages[${i}].name: message names are not supported by Anthropic and were ignored`);
    switch (message.role) {
      case 'system':
      case 'developer': {
        if (conversationStarted) warn(`messages[${i}]: a ${message.role} message inside the conversation was moved to Anthropic's top-level system prompt`);
        for (const text of texts(message.content)) if (text.length > 0) system.push({ type: 'text', text });
        return;
      }
      case 'user': {
        conversationStarted = true;
        push('user', convertUserContent(message.content, `messages.${i}.content`, warn, issues));
        return;
      }
      case 'assistant': {
        conversationStarted = true;
        const blocks: AnthropicRequestBlock[] = [];
        const content = message.content;
        if (typeof content === 'string') {
          if (content.length > 0) blocks.push({ type: 'text', text: content });
        } else if (Array.isArray(content)) {
          for (const part of content) {
            const text = part.type === 'text' ? part.text : part.refusal;
            if (text.length > 0) blocks.push({ type: 'text', text });
          }
        }
        if (message.refusal && blocks.length === 0) blocks.push({ type: 'text', text: message.refusal });
        for (const call of message.tool_calls ?? []) {
          blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments, i, warn) });
        }
        push('assistant', blocks);
        return;
      }
      case 'tool': {
        conversationStarted = true;
        const content = typeof message.content === 'string' ? message.content : message.content.map((p) => ({ type: 'text' as const, text: p.text }));
        push('user', [{ type: 'tool_result', tool_use_id: message.tool_call_id, content }]);
        return;
      }
    }
  });

  if (issues.length > 0) throw new RequestValidationError(issues);

  return {
    system: system.length === 0 ? undefined : system.length === 1 ? system[0]!.text : system,
    messages: turns.map(({ role, content }) => {
      // Anthropic wants a user turn's tool results before anything else in it.
      const ordered = role === 'user' ? [...content.filter(isToolResult), ...content.filter((b) => !isToolResult(b))] : content;
      // A turn that is one text block is sent as a string, as Anthropic's own examples do.
      const only = ordered.length === 1 ? ordered[0]! : undefined;
      return { role, content: only?.type === 'text' ? only.text : ordered };
    }),
  };
}

function isToolResult(block: AnthropicRequestBlock): block is AnthropicToolResultBlock {
  return block.type === 'tool_result';
}

function texts(content: string | TextContentPart[]): string[] {
  return typeof content === 'string' ? [content] : content.map((p) => p.text);
}

function convertUserContent(
  content: string | ContentPart[],
  path: string,
  warn: (message: string) => void,
  issues: ConfigIssue[],
): AnthropicRequestBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const blocks: AnthropicRequestBlock[] = [];
  content.forEach((part, j) => {
    const at = `${path}.${j}`;
    switch (part.type) {
      case 'text':
        blocks.push({ type: 'text', text: part.text });
        return;
      case 'image_url': {
        const { url, detail } = part.image_url;
        if (detail && detail !== 'auto') warn(`${at}: image detail "${detail}" is not supported by Anthropic and was ignored`);
        const data = DATA_URL.exec(url);
        if (data) {
          const [, mediaType, params, payload] = data;
          if (!/;base64$/i.test(params!)) issues.push({ path: at, message: 'a data: URL image must be base64-encoded for Anthropic' });
          else blocks.push({ type: 'image', source: { type: 'base64', media_type: mediaType!.toLowerCase(), data: payload! } });
        } else if (/^https?:\/\//i.test(url)) {
          blocks.push({ type: 'image', source: { type: 'url', url } });
        } else {
          issues.push({ path: at, message: 'an image must be a data: URL or an http(s) URL for Anthropic' });
        }
        return;
      }
      case 'file': {
        const { file_data: fileData, file_id: fileId, filename } = part.file;
        const data = fileData ? DATA_URL.exec(fileData) : null;
        if (data && data[1]!.toLowerCase() === 'application/pdf' && /;base64$/i.test(data[2]!)) {
          blocks.push({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data[3]! }, ...(filename ? { title: filename } : {}) });
        } else if (fileId && !fileData) {
          issues.push({ path: at, message: 'OpenAI file ids cannot be used with Anthropic: send the file as a base64 data: URL' });
        } else {
          issues.push({ path: at, message: 'Anthropic accepts files only as base64 PDF data: URLs (data:application/pdf;base64,...)' });
        }
        return;
      }
      case 'input_audio':
        issues.push({ path: at, message: 'audio input is not supported by Anthropic' });
        return;
      default:
        issues.push({ path: at, message: `content part type "${(part as { type: string }).type}" is not supported by Anthropic` });
    }
  });
  return blocks;
}

/** Tool call arguments back to the object Anthropic's `tool_use.input` must be. */
function parseArguments(text: string, i: number, warn: (message: string) => void): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // handled below
  }
  warn(`messages[${i}].tool_calls: arguments that are not a JSON object were sent to Anthropic as {}`);
  return {};
}
