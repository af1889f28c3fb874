import type { ChatMessage, ContentPart, FunctionTool, ResponseFormat, ToolCall, ToolChoice } from '../usage/chat-types.js';
import { RequestValidationError } from '../errors/request-validation-error.js';

/** What the Responses request asked for that the answer echoes (`instructions`, `tools`...). */
export interface ResponsesEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  temperature: number | null;
  top_p: number | null;
  tools: unknown[];
  tool_choice: unknown;
  parallel_tool_calls: boolean;
  text: { format: unknown };
  metadata: Record<string, string>;
  user: string | null;
}

/** A Responses API request (`POST /v1/responses`) translated to a chat request, and what its answer echoes. */
export interface TranslatedRequest {
  chat: Record<string, unknown>;
  echo: ResponsesEcho;
  stream: boolean;
}

const bad = (path: string, message: string) => new RequestValidationError([{ path, message }]);

/** Fields that need state tollgate does not keep, or tools it cannot run: a clear 400 each. */
const UNSERVED: Record<string, string> = {
  previous_response_id: 'tollgate does not store responses: send the whole conversation in `input`',
  conversation: 'tollgate does not store conversations: send the whole conversation in `input`',
  background: 'background responses are not served: make the request and wait for it',
  prompt: 'stored prompt templates are not served: send `instructions` and `input`',
};

/**
 * Translates a Responses request to chat (to be served by chat, or, passed through, to be
 * validated, admitted and estimated as the chat call it amounts to): `instructions` and `input` (text, images, files,
 * function calls and their outputs) to messages, function tools, tool choice, `text.format` to
 * `response_format`, `max_output_tokens`, sampling, `user`, `metadata`. Reasoning items of
 * earlier turns are left out (a chat model takes none). What needs state or a hosted tool
 * (stored responses, built-in tools, file ids) is a 400 naming the field.
 */
export function translateResponsesRequest(body: Record<string, unknown>, reasoning: 'drop' | 'count' = 'drop'): TranslatedRequest {
  for (const [field, why] of Object.entries(UNSERVED)) if (body[field] !== undefined && body[field] !== null && body[field] !== false) throw bad(field, why);
  if (typeof body.model !== 'string' || body.model === '') throw bad('model', 'must be a model id');
  const messages: ChatMessage[] = [];
  if (body.instructions !== undefined && body.instructions !== null) {
    if (typeof body.instructions !== 'string') throw bad('instructions', 'must be a string');
    messages.push({ role: 'system', content: body.instructions });
  }
  const input = body.input;
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else if (Array.isArray(input)) input.forEach((item, i) => addItem(messages, item as Record<string, unknown>, `input[${i}]`, reasoning));
  else throw bad('input', 'must be a string or an array of items');

  const chat: Record<string, unknown> = { model: body.model, messages };
  const tools = functionTools(body.tools);
  if (tools) chat.tools = tools;
  if (body.tool_choice !== undefined) chat.tool_choice = toolChoice(body.tool_choice);
  if (typeof body.parallel_tool_calls === 'boolean') chat.parallel_tool_calls = body.parallel_tool_calls;
  const format = (body.text as { format?: Record<string, unknown> } | undefined)?.format;
  if (format) chat.response_format = responseFormat(format);
  const copy: Array<[string, string]> = [['max_output_tokens', 'max_tokens'], ['temperature', 'temperature'], ['top_p', 'top_p'], ['user', 'user'], ['metadata', 'metadata']];
  for (const [from, to] of copy) if (body[from] !== undefined && body[from] !== null) chat[to] = body[from];
  const effort = (body.reasoning as { effort?: unknown } | undefined)?.effort;
  if (typeof effort === 'string') chat.reasoning_effort = effort;
  const stream = body.stream === true;
  if (stream) Object.assign(chat, { stream: true, stream_options: { include_usage: true } });
  return {
    chat,
    stream,
    echo: {
      instructions: typeof body.instructions === 'string' ? body.instructions : null,
      max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
      temperature: typeof body.temperature === 'number' ? body.temperature : null,
      top_p: typeof body.top_p === 'number' ? body.top_p : null,
      tools: Array.isArray(body.tools) ? body.tools : [],
      tool_choice: body.tool_choice ?? 'auto',
      parallel_tool_calls: body.parallel_tool_calls !== false,
      text: { format: format ?? { type: 'text' } },
      metadata: (body.metadata as Record<string, string> | undefined) ?? {},
      user: typeof body.user === 'string' ? body.user : null,
    },
  };
}

function addItem(messages: ChatMessage[], item: Record<string, unknown>, path: string, reasoning: 'drop' | 'count'): void {
  if (typeof item !== 'object' || item === null) throw bad(path, 'must be an object');
  const type = item.type ?? 'message';
  switch (type) {
    case 'message':
      return void messages.push(message(item, path));
    case 'function_call': {
      const call: ToolCall = { id: String(item.call_id ?? ''), type: 'function', function: { name: String(item.name ?? ''), arguments: String(item.arguments ?? '') } };
      if (!call.id || !call.function.name) throw bad(path, 'a function_call needs call_id and name');
      const last = messages.at(-1);
      // Calls of one turn go in one assistant message, with its text if it came just before.
      if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    case 'function_call_output': {
      const output = item.output;
      const content = typeof output === 'string' ? output : JSON.stringify(output ?? null);
      return void messages.push({ role: 'tool', tool_call_id: String(item.call_id ?? ''), content });
    }
    case 'reasoning':
      // The model's own reasoning of an earlier turn: a chat model takes none. Passed through to
      // the Responses API, it is input: counted as text its size (its encrypted content is
      // larger than the tokens it holds), so that the reservation stays an upper bound.
      if (reasoning === 'count') messages.push({ role: 'assistant', content: JSON.stringify(item) });
      return;
    case 'item_reference':
      throw bad(path, 'items stored by OpenAI cannot be referenced (their size is unknown, so no reservation could bound the call): send the items themselves (with `store: false` and `include: ["reasoning.encrypted_content"]` for reasoning)');
    default:
      throw bad(`${path}.type`, `input items of type '${String(type)}' cannot be served (tollgate serves messages, function calls and their outputs)`);
  }
}

function message(item: Record<string, unknown>, path: string): ChatMessage {
  const role = item.role;
  const content = item.content;
  if (role === 'system' || role === 'developer') return { role: 'system', content: textOf(content, `${path}.content`) };
  if (role === 'assistant') return { role: 'assistant', content: textOf(content, `${path}.content`) };
  if (role !== 'user') throw bad(`${path}.role`, `must be user, assistant, system or developer (got ${JSON.stringify(role)})`);
  if (typeof content === 'string') return { role: 'user', content };
  if (!Array.isArray(content)) throw bad(`${path}.content`, 'must be a string or an array of content parts');
  return { role: 'user', content: content.map((part, i) => userPart(part as Record<string, unknown>, `${path}.content[${i}]`)) };
}

function textOf(content: unknown, path: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw bad(path, 'must be a string or an array of text parts');
  return content
    .map((part: Record<string, unknown>, i) => {
      if (part.type === 'input_text' || part.type === 'output_text') return String(part.text ?? '');
      if (part.type === 'refusal') return String(part.refusal ?? '');
      throw bad(`${path}[${i}].type`, `a part of type '${String(part.type)}' cannot be sent in this role`);
    })
    .join('');
}

function userPart(part: Record<string, unknown>, path: string): ContentPart {
  switch (part.type) {
    case 'input_text':
      return { type: 'text', text: String(part.text ?? '') };
    case 'input_image':
      if (typeof part.image_url !== 'string') throw bad(path, 'an input_image needs image_url (a URL or a data URL); file ids are not served');
      return { type: 'image_url', image_url: { url: part.image_url, ...(part.detail === 'low' || part.detail === 'high' || part.detail === 'auto' ? { detail: part.detail } : {}) } };
    case 'input_file':
      if (typeof part.file_data !== 'string') throw bad(path, 'an input_file needs file_data (a data URL); file ids and URLs are not served');
      return { type: 'file', file: { file_data: part.file_data, ...(typeof part.filename === 'string' ? { filename: part.filename } : {}) } };
    default:
      throw bad(`${path}.type`, `content parts of type '${String(part.type)}' cannot be served`);
  }
}

function functionTools(tools: unknown): FunctionTool[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw bad('tools', 'must be an array');
  if (tools.length === 0) return undefined;
  return tools.map((tool: Record<string, unknown>, i) => {
    if (tool.type !== 'function') throw bad(`tools[${i}].type`, `tools of type '${String(tool.type)}' (hosted by OpenAI) cannot be served; function tools can`);
    return {
      type: 'function',
      function: {
        name: String(tool.name),
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        ...(tool.parameters ? { parameters: tool.parameters as Record<string, unknown> } : {}),
        ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
      },
    };
  });
}

function toolChoice(choice: unknown): ToolChoice {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  const c = choice as { type?: string; name?: string } | null;
  if (c?.type === 'function' && typeof c.name === 'string') return { type: 'function', function: { name: c.name } };
  throw bad('tool_choice', 'must be auto, none, required or a function ({ type: "function", name })');
}

function responseFormat(format: Record<string, unknown>): ResponseFormat {
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    return {
      type: 'json_schema',
      json_schema: {
        name: String(format.name ?? 'response'),
        ...(typeof format.description === 'string' ? { description: format.description } : {}),
        ...(format.schema ? { schema: format.schema as Record<string, unknown> } : {}),
        ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
      },
    };
  }
  throw bad('text.format.type', 'must be text, json_object or json_schema');
}
