import { formatPath } from '../../errors/format-issues.js';
import type { ConfigIssue } from '../../errors/config-error.js';
import { RequestValidationError } from '../../errors/request-validation-error.js';
import type { ChatMessage, ChatRequestBody, ContentPart, FunctionTool, ToolChoice } from '../../usage/chat-types.js';

/** A Converse `ContentBlock`, as the gateway sends it. */
export type ConverseContentBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } | { s3Location: { uri: string } } } }
  | { document: { format: string; name: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string }> } };

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseContentBlock[];
}

/** The body of `POST /model/{modelId}/converse` (and `/converse-stream`). */
export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: {
    tools: Array<{ toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }>;
    toolChoice?: { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };
  };
  [field: string]: unknown;
}

/** Converse fields a caller may send as they are (`additionalModelRequestFields: { top_k: 50 }`...). */
const CONVERSE_FIELDS = new Set([
  'additionalModelRequestFields',
  'additionalModelResponseFieldPaths',
  'guardrailConfig',
  'performanceConfig',
  'promptVariables',
  'requestMetadata',
]);

/** OpenAI fields translated below, or the gateway's own (`stream`, `stream_options`). */
const HANDLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'n',
  'logprobs',
  'top_logprobs',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'logit_bias',
  'user',
  'response_format',
]);

const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DOCUMENT_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

/**
 * Translates an OpenAI-shaped chat request into a Converse request.
 *
 * - `system` and `developer` messages become `system` blocks (hoisted, with a warning, when they
 *   come after the conversation started: Converse has one system prompt).
 * - Images must be `data:` URLs (sent as bytes) or `s3://` URLs (`s3Location`). An `http(s)` URL
 *   is rejected with a `RequestValidationError`: Converse does not fetch URLs, and the gateway
 *   will not fetch arbitrary URLs on a caller's behalf (a server-side request forgery risk);
 *   dropping the image instead would answer a different question than the one asked.
 * - Assistant `tool_calls` become `toolUse` blocks, `tool` messages `toolResult` blocks in a user
 *   turn, and consecutive turns of one role are merged (Converse requires alternation).
 * - Parameters Converse cannot honor (`n > 1`, logprobs, penalties, `seed`, `logit_bias`,
 *   `user`, JSON `response_format`, `parallel_tool_calls: false`...) are reported with `warn`.
 */
export function convertToBedrockConverse(body: ChatRequestBody, warn: (message: string) => void): ConverseRequest {
  const issues: ConfigIssue[] = [];
  const system: Array<{ text: string }> = [];
  const messages: ConverseMessage[] = [];
  let started = false;
  let hasToolBlocks = false;

  const push = (role: 'user' | 'assistant', content: ConverseContentBlock[]) => {
    const last = messages.at(-1);
    if (last && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };

  body.messages.forEach((message: ChatMessage, i) => {
    if ('name' in message && message.name) warn('bedrock: message `name` is not supported by Converse: ignored');
    switch (message.role) {
      case 'system':
      case 'developer': {
        if (started) warn(`bedrock: a ${message.role} message after the conversation started was moved to the system prompt (Converse has one)`);
        for (const text of texts(message.content)) if (text) system.push({ text });
        return;
      }
      case 'user': {
        started = true;
        const content = typeof message.content === 'string' ? textBlocks(message.content) : message.content.flatMap((part, j) => userPart(part, ['messages', i, 'content', j], issues));
        push('user', content);
        return;
      }
      case 'assistant': {
        started = true;
        const content: ConverseContentBlock[] = [];
        if (typeof message.content === 'string') content.push(...textBlocks(message.content));
        else if (Array.isArray(message.content)) {
          for (const part of message.content) content.push(...textBlocks(part.type === 'text' ? part.text : part.refusal));
        }
        message.tool_calls?.forEach((call, j) => {
          hasToolBlocks = true;
          const input = parseArguments(call.function.arguments);
          if (input === INVALID) {
            issues.push({ path: formatPath(['messages', i, 'tool_calls', j, 'function', 'arguments']), message: 'must be a JSON document (Converse takes tool input as JSON)' });
            return;
          }
          content.push({ toolUse: { toolUseId: call.id, name: call.function.name, input } });
        });
        push('assistant', content);
        return;
      }
      case 'tool': {
        started = true;
        hasToolBlocks = true;
        push('user', [{ toolResult: { toolUseId: message.tool_call_id, content: texts(message.content).map((text) => ({ text })) } }]);
        return;
      }
    }
  });
  if (issues.length > 0) throw new RequestValidationError(issues);

  const request: ConverseRequest = { messages };
  if (system.length > 0) request.system = system;

  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) inference.maxTokens = maxTokens;
  if (body.temperature != null) inference.temperature = body.temperature;
  if (body.top_p != null) inference.topP = body.top_p;
  if (body.stop != null) {
    const stops = typeof body.stop === 'string' ? [body.stop] : body.stop;
    if (stops.length > 0) inference.stopSequences = stops;
  }
  if (Object.keys(inference).length > 0) request.inferenceConfig = inference;

  const toolConfig = convertTools(body.tools, body.tool_choice, hasToolBlocks, warn);
  if (toolConfig) request.toolConfig = toolConfig;
  if (body.parallel_tool_calls === false) warn('bedrock: parallel_tool_calls: false is not supported by Converse: the model may call several tools');

  if (body.n != null && body.n > 1) warn('bedrock: n > 1 is not supported by Converse: one choice is returned');
  if (body.logprobs || body.top_logprobs != null) warn('bedrock: logprobs are not supported by Converse: ignored');
  if (body.presence_penalty) warn('bedrock: presence_penalty is not supported by Converse: ignored');
  if (body.frequency_penalty) warn('bedrock: frequency_penalty is not supported by Converse: ignored');
  if (body.seed != null) warn('bedrock: seed is not supported by Converse: ignored');
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0) warn('bedrock: logit_bias is not supported by Converse: ignored');
  if (body.user != null) warn('bedrock: user is not sent to Converse (it has no end-user field): ignored');
  if (body.response_format && body.response_format.type !== 'text') {
    warn(`bedrock: response_format ${body.response_format.type} is not supported by Converse: ignored (ask for JSON in the prompt, or use a tool)`);
  }

  for (const name in body) {
    if (HANDLED.has(name) || body[name] === undefined) continue;
    if (CONVERSE_FIELDS.has(name)) request[name] = body[name];
    else warn(`bedrock: ${name} is not a Converse parameter: not sent`);
  }
  return request;
}

function convertTools(
  tools: readonly FunctionTool[] | undefined,
  choice: ToolChoice | undefined,
  hasToolBlocks: boolean,
  warn: (message: string) => void,
): ConverseRequest['toolConfig'] | undefined {
  if (!tools || tools.length === 0) return undefined;
  if (choice === 'none') {
    // No tools means no tool call. But Converse rejects toolUse/toolResult blocks without a
    // toolConfig, so with a tool history the tools stay and 'none' cannot be enforced.
    if (!hasToolBlocks) return undefined;
    warn("bedrock: tool_choice 'none' cannot be enforced by Converse when the conversation has tool calls: the model may call a tool");
  }
  const config: NonNullable<ConverseRequest['toolConfig']> = {
    tools: tools.map((tool) => {
      if (tool.function.strict) warn('bedrock: strict function schemas are not supported by Converse: not enforced');
      return {
        toolSpec: {
          name: tool.function.name,
          ...(tool.function.description ? { description: tool.function.description } : {}),
          inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
        },
      };
    }),
  };
  if (choice === 'auto') config.toolChoice = { auto: {} };
  else if (choice === 'required') config.toolChoice = { any: {} };
  else if (typeof choice === 'object') config.toolChoice = { tool: { name: choice.function.name } };
  return config;
}

function userPart(part: ContentPart, path: PropertyKey[], issues: ConfigIssue[]): ConverseContentBlock[] {
  switch (part.type) {
    case 'text':
      return textBlocks(part.text);
    case 'image_url': {
      const url = part.image_url.url;
      if (url.startsWith('s3://')) {
        const format = IMAGE_FORMATS[`image/${url.slice(url.lastIndexOf('.') + 1).toLowerCase()}`];
        if (!format) {
          issues.push({ path: formatPath([...path, 'image_url', 'url']), message: 'an s3:// image must end in .png, .jpeg, .jpg, .gif or .webp' });
          return [];
        }
        return [{ image: { format, source: { s3Location: { uri: url } } } }];
      }
      const data = parseDataUrl(url);
      const format = data && IMAGE_FORMATS[data.mediaType];
      if (!data || !format) {
        issues.push({
          path: formatPath([...path, 'image_url', 'url']),
          message: data
            ? `image type ${data.mediaType} is not supported by Converse (png, jpeg, gif, webp)`
            : 'Bedrock Converse takes images as bytes: send a data: URL (base64) or an s3:// URL; http(s) URLs are not fetched',
        });
        return [];
      }
      return [{ image: { format, source: { bytes: data.base64 } } }];
    }
    case 'file': {
      const data = part.file.file_data ? parseDataUrl(part.file.file_data) : null;
      const format = data && DOCUMENT_FORMATS[data.mediaType];
      if (!data || !format) {
        issues.push({
          path: formatPath([...path, 'file']),
          message: 'Bedrock Converse takes documents as a file_data data: URL (pdf, csv, doc, docx, xls, xlsx, html, txt, md); file ids are not supported',
        });
        return [];
      }
      return [{ document: { format, name: documentName(part.file.filename, path), source: { bytes: data.base64 } } }];
    }
    default:
      issues.push({ path: formatPath([...path, 'type']), message: `content parts of type ${part.type} are not supported by Bedrock Converse` });
      return [];
  }
}

/** Text blocks of a text: none for an empty string, which Converse rejects ("blank text"). */
function textBlocks(text: string): Array<{ text: string }> {
  return text ? [{ text }] : [];
}

function texts(content: string | ReadonlyArray<{ type: 'text'; text: string }>): string[] {
  return typeof content === 'string' ? [content] : content.map((part) => part.text);
}

const INVALID = Symbol('invalid');

function parseArguments(args: string): unknown {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return INVALID;
  }
}

function parseDataUrl(url: string): { mediaType: string; base64: string } | null {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!match) return null;
  const mediaType = (match[1] || 'text/plain').toLowerCase();
  const isBase64 = /;base64$/i.test(match[2] ?? '');
  const payload = match[3] ?? '';
  return { mediaType, base64: isBase64 ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64') };
}

/** Converse document names allow letters, digits, single spaces, hyphens, parentheses and brackets. */
function documentName(filename: string | undefined, path: PropertyKey[]): string {
  const base = (filename ?? '').replace(/\.[^.]*$/, '');
  const name = base.replace(/[^A-Za-z0-9\s\-()[\]]/g, '-').replace(/\s+/g, ' ').trim();
  return name || `document-${path.filter((p) => typeof p === 'number').join('-')}`;
}
