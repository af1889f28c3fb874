import type { ChatMessage, ContentPart, FunctionTool, ResponseFormat, ToolCall, ToolChoice } from '../usage/chat-types.js';
import type { PromptMessage, PromptPart } from './ai-sdk-types.js';

/** The AI SDK's prompt (specification v3, v4) as OpenAI chat messages, for `gateway.chat`. */
export function chatMessages(prompt: readonly PromptMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of prompt) {
    const parts = typeof message.content === 'string' ? null : (message.content as ReadonlyArray<PromptPart & Record<string, unknown>>);
    switch (message.role) {
      case 'system':
        out.push({ role: 'system', content: typeof message.content === 'string' ? message.content : textOf(parts!) });
        break;
      case 'user':
        out.push({ role: 'user', content: parts ? parts.map(userPart) : String(message.content) });
        break;
      case 'assistant': {
        const calls: ToolCall[] = [];
        let text = '';
        for (const part of parts ?? []) {
          if (part.type === 'text') text += String(part.text ?? '');
          else if (part.type === 'tool-call') {
            const input = part.input;
            calls.push({ id: String(part.toolCallId), type: 'function', function: { name: String(part.toolName), arguments: typeof input === 'string' ? input : JSON.stringify(input ?? {}) } });
          }
          // Reasoning and files the model produced are not sent back.
        }
        out.push({ role: 'assistant', content: text === '' && calls.length > 0 ? null : text, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
        break;
      }
      case 'tool':
        for (const part of parts ?? []) {
          if (part.type !== 'tool-result') continue;
          out.push({ role: 'tool', tool_call_id: String(part.toolCallId), content: toolOutput(part.output) });
        }
        break;
      default:
        throw new TypeError(`tollgate AI SDK provider: a prompt message with role '${message.role}' cannot be sent`);
    }
  }
  return out;
}

function textOf(parts: ReadonlyArray<PromptPart & Record<string, unknown>>): string {
  return parts.map((p) => (p.type === 'text' ? String(p.text ?? '') : '')).join('');
}

function userPart(part: PromptPart & Record<string, unknown>): ContentPart {
  if (part.type === 'text') return { type: 'text', text: String(part.text ?? '') };
  if (part.type === 'file' && typeof part.mediaType === 'string' && part.mediaType.startsWith('image/')) {
    return { type: 'image_url', image_url: { url: dataUrl(part.data, part.mediaType) } };
  }
  if (part.type === 'file' && part.mediaType === 'application/pdf') {
    return { type: 'file', file: { file_data: dataUrl(part.data, part.mediaType), ...(typeof part.filename === 'string' ? { filename: part.filename } : {}) } };
  }
  throw new TypeError(`tollgate AI SDK provider: a user message part of type '${part.type}'${typeof part.mediaType === 'string' ? ` (${part.mediaType})` : ''} cannot be sent; text, images and PDF files can`);
}

function dataUrl(data: unknown, mediaType: string): string {
  if (data instanceof URL) return data.href;
  if (typeof data === 'string') return /^(https?|data):/.test(data) ? data : `data:${mediaType};base64,${data}`;
  if (data instanceof Uint8Array) return `data:${mediaType};base64,${Buffer.from(data).toString('base64')}`;
  throw new TypeError('tollgate AI SDK provider: an image part without data');
}

/** A tool result as the text a tool message carries. */
function toolOutput(output: unknown): string {
  const o = output as { type?: string; value?: unknown; reason?: string } | undefined;
  switch (o?.type) {
    case 'text':
    case 'error-text':
      return String(o.value ?? '');
    case 'json':
    case 'error-json':
    case 'content':
      return JSON.stringify(o.value ?? null);
    case 'execution-denied':
      return `Tool execution denied${o.reason ? `: ${o.reason}` : ''}`;
    default:
      return JSON.stringify(output ?? null);
  }
}

/** The call options' tools, tool choice and response format as OpenAI's; what cannot be sent, as warnings. */
export function chatTools(options: {
  tools?: ReadonlyArray<{ type: string; name: string; description?: string; inputSchema?: unknown }>;
  toolChoice?: { type: string; toolName?: string };
  responseFormat?: { type: string; schema?: unknown; name?: string; description?: string };
}): { tools?: FunctionTool[]; tool_choice?: ToolChoice; response_format?: ResponseFormat; warnings: Array<{ type: string; feature?: string; details?: string }> } {
  const warnings: Array<{ type: string; feature?: string; details?: string }> = [];
  const out: { tools?: FunctionTool[]; tool_choice?: ToolChoice; response_format?: ResponseFormat } = {};
  const functions = (options.tools ?? []).filter((t) => {
    if (t.type === 'function') return true;
    warnings.push({ type: 'unsupported', feature: `provider-defined tool ${t.name}` });
    return false;
  });
  if (functions.length > 0) {
    out.tools = functions.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: (t.inputSchema ?? { type: 'object' }) as Record<string, unknown> } }));
  }
  const choice = options.toolChoice;
  if (choice && out.tools) out.tool_choice = choice.type === 'tool' ? { type: 'function', function: { name: String(choice.toolName) } } : (choice.type as 'auto' | 'none' | 'required');
  const format = options.responseFormat;
  if (format?.type === 'json') {
    out.response_format = format.schema
      ? { type: 'json_schema', json_schema: { name: format.name ?? 'response', ...(format.description ? { description: format.description } : {}), schema: format.schema as Record<string, unknown> } }
      : { type: 'json_object' };
  }
  return { ...out, warnings };
}
