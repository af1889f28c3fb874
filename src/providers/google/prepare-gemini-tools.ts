import type { ChatRequestBody } from '../../usage/chat-types.js';
import type { GeminiRequest } from './gemini-api.js';

/**
 * OpenAI `tools` and `tool_choice` as Gemini `tools` and `toolConfig`. Parameters are JSON
 * Schema, so they go to `parametersJsonSchema` unchanged (the older `parameters` field takes an
 * OpenAPI subset that rejects common JSON Schema keywords such as `additionalProperties`).
 * `tool_choice`: auto -> AUTO, none -> NONE, required -> ANY, a named function -> ANY limited to it.
 */
export function prepareGeminiTools(body: ChatRequestBody, warn: (message: string) => void): Pick<GeminiRequest, 'tools' | 'toolConfig'> {
  const out: Pick<GeminiRequest, 'tools' | 'toolConfig'> = {};
  if (body.tools && body.tools.length > 0) {
    out.tools = [
      {
        functionDeclarations: body.tools.map(({ function: f }) => {
          if (f.strict === true) warn(`strict function schemas are not enforced by Gemini (function ${f.name})`);
          return {
            name: f.name,
            ...(f.description !== undefined ? { description: f.description } : {}),
            ...(f.parameters !== undefined ? { parametersJsonSchema: f.parameters } : {}),
          };
        }),
      },
    ];
  }
  const choice = body.tool_choice;
  if (choice === 'auto') out.toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
  else if (choice === 'none') out.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  else if (choice === 'required') out.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
  else if (choice && typeof choice === 'object') {
    out.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  if (body.parallel_tool_calls === false) warn('parallel_tool_calls: false is not supported by Gemini; the model may call several functions at once');
  return out;
}
