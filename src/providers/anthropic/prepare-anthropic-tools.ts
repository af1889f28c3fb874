import type { ChatRequestBody } from '../../usage/chat-types.js';
import type { AnthropicTool, AnthropicToolChoice } from './anthropic-api.js';

export interface PreparedTools {
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  /**
   * Name of the tool that carries a JSON response (`response_format` emulation): its input is
   * the answer, returned as the message content, never as a tool call.
   */
  jsonTool: string | null;
  /** An instruction for the system prompt, when JSON output can only be asked for in words. */
  jsonInstruction: string | null;
}

const JSON_OBJECT_TOOL = 'json_response';

/**
 * OpenAI `tools` / `tool_choice` / `parallel_tool_calls` / `response_format` to Anthropic's.
 *
 * `tool_choice`: `auto` -> `{type: 'auto'}`, `required` -> `{type: 'any'}`, `none` ->
 * `{type: 'none'}`, `{function: {name}}` -> `{type: 'tool', name}`. `parallel_tool_calls: false`
 * -> `disable_parallel_tool_use: true`.
 *
 * JSON mode: Anthropic has no `response_format`. Without tools of the caller, it is emulated
 * the way the Vercel AI SDK does: one tool whose `input_schema` is the requested schema (any
 * object for `json_object`), forced with `tool_choice`; the adapter returns that tool's input as
 * the message content, with `finish_reason: 'stop'`. Anthropic's tool use makes the answer a
 * JSON object but does not guarantee schema adherence (OpenAI's `strict`), so `strict: true`
 * warns. With the caller's own tools, or extended `thinking` (which refuses a forced tool), or
 * a schema whose root is not an object, JSON is asked for in the system prompt instead, with a
 * warning: the answer is then not guaranteed to be JSON.
 */
export function prepareAnthropicTools(body: ChatRequestBody, warn: (message: string) => void): PreparedTools {
  const hasTools = (body.tools?.length ?? 0) > 0;
  const tools: AnthropicTool[] | undefined = hasTools
    ? body.tools!.map((tool, i) => {
        const fn = tool.function;
        if (fn.strict === true) warn(`tools[${i}].function.strict: Anthropic does not enforce strict schema adherence of tool arguments`);
        return {
          name: fn.name,
          ...(fn.description !== undefined ? { description: fn.description } : {}),
          input_schema: fn.parameters ?? { type: 'object', properties: {} },
        };
      })
    : undefined;

  const noParallel = body.parallel_tool_calls === false;
  let toolChoice: AnthropicToolChoice | undefined;
  const choice = body.tool_choice;
  if (hasTools) {
    if (choice === 'none') toolChoice = { type: 'none' };
    else if (choice === 'required') toolChoice = { type: 'any' };
    else if (typeof choice === 'object') toolChoice = { type: 'tool', name: choice.function.name };
    else if (choice === 'auto' || noParallel) toolChoice = { type: 'auto' };
    if (noParallel && toolChoice && toolChoice.type !== 'none') toolChoice.disable_parallel_tool_use = true;
  } else if (choice === 'required' || typeof choice === 'object') {
    warn(`tool_choice: ${JSON.stringify(choice)} was ignored: the request has no tools`);
  }

  const format = body.response_format;
  if (!format || format.type === 'text') return { tools, tool_choice: toolChoice, jsonTool: null, jsonInstruction: null };

  const schema = format.type === 'json_schema' ? format.json_schema.schema : undefined;
  const objectRoot = schema === undefined || schema.type === 'object';
  const thinking = body.thinking != null && (body.thinking as { type?: unknown }).type !== 'disabled';
  if (hasTools || thinking || !objectRoot) {
    const why = hasTools ? 'the request has tools of its own' : thinking ? 'extended thinking cannot be combined with a forced tool' : 'the schema root is not an object';
    warn(`response_format ${format.type}: Anthropic has no JSON mode and ${why}, so JSON output was requested in the system prompt only and is not guaranteed`);
    const instruction =
      format.type === 'json_schema'
        ? `Respond only with a JSON value that conforms to this JSON schema, without any other text:\n${JSON.stringify(schema ?? {})}`
        : 'Respond only with a valid JSON object, without any other text.';
    return { tools, tool_choice: toolChoice, jsonTool: null, jsonInstruction: instruction };
  }

  if (format.type === 'json_schema' && format.json_schema.strict === true) {
    warn('response_format json_schema strict: Anthropic does not enforce strict schema adherence; the answer is a JSON object shaped by the schema');
  }
  const name = format.type === 'json_schema' && /^[A-Za-z0-9_-]{1,64}$/.test(format.json_schema.name) ? format.json_schema.name : JSON_OBJECT_TOOL;
  const description =
    (format.type === 'json_schema' ? format.json_schema.description : undefined) ?? 'Respond with a JSON object. The input of this tool is the response.';
  return {
    tools: [{ name, description, input_schema: schema ?? { type: 'object' } }],
    tool_choice: { type: 'tool', name },
    jsonTool: name,
    jsonInstruction: null,
  };
}
