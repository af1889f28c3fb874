import type { ChatRequestBody } from '../../usage/chat-types.js';
import type { AnthropicRequestBody, AnthropicTextBlock } from './anthropic-api.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';
import { prepareAnthropicTools } from './prepare-anthropic-tools.js';

export interface AnthropicRequest {
  body: AnthropicRequestBody;
  /** See `PreparedTools.jsonTool`. */
  jsonTool: string | null;
}

/** Fields of the OpenAI body this file translates (or deliberately leaves out). */
const HANDLED = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
  'n',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
]);

/** Anthropic parameters with no OpenAI equivalent, passed through unchanged when a caller sends them. */
const NATIVE = new Set(['top_k', 'thinking']);

/**
 * The OpenAI-shaped body to a Messages API body. Every parameter Anthropic cannot honor is
 * reported with `warn` (recorded on the usage event), never silently dropped.
 */
export function convertToAnthropicRequest(
  source: ChatRequestBody,
  options: { stream: boolean; defaultMaxTokens: number; warn: (message: string) => void },
): AnthropicRequest {
  const { warn } = options;
  const { system, messages } = convertToAnthropicMessages(source.messages, warn);
  const prepared = prepareAnthropicTools(source, warn);

  let maxTokens = source.max_completion_tokens ?? source.max_tokens;
  if (maxTokens == null) {
    maxTokens = options.defaultMaxTokens;
    warn(`max_tokens is required by Anthropic and was not set: sent max_tokens ${maxTokens} (the gateway's limits.defaultMaxOutputTokens)`);
  }

  const body: AnthropicRequestBody = { model: source.model, max_tokens: maxTokens, messages };
  const instruction = prepared.jsonInstruction;
  if (instruction) {
    const blocks: AnthropicTextBlock[] = typeof system === 'string' ? [{ type: 'text', text: system }] : [...(system ?? [])];
    blocks.push({ type: 'text', text: instruction });
    body.system = blocks.length === 1 ? instruction : blocks;
  } else if (system !== undefined) {
    body.system = system;
  }
  if (prepared.tools) body.tools = prepared.tools;
  if (prepared.tool_choice) body.tool_choice = prepared.tool_choice;

  if (source.temperature != null) {
    // OpenAI's range is 0-2, Anthropic's 0-1.
    if (source.temperature > 1) warn(`temperature ${source.temperature} is above Anthropic's maximum of 1: sent 1`);
    body.temperature = Math.min(source.temperature, 1);
  }
  if (source.top_p != null) body.top_p = source.top_p;
  if (source.stop != null) {
    const stop = (typeof source.stop === 'string' ? [source.stop] : source.stop).filter((s) => s.length > 0);
    if (stop.length > 0) body.stop_sequences = stop;
  }
  if (source.user) body.metadata = { user_id: source.user };
  if (options.stream) body.stream = true;

  if (source.n != null && source.n > 1) warn(`n: ${source.n} is not supported by Anthropic: one choice was generated`);
  if (source.logprobs) warn('logprobs are not supported by Anthropic and were ignored');
  if (source.top_logprobs != null) warn('top_logprobs is not supported by Anthropic and was ignored');
  if (source.seed != null) warn('seed is not supported by Anthropic and was ignored');
  if (source.presence_penalty) warn('presence_penalty is not supported by Anthropic and was ignored');
  if (source.frequency_penalty) warn('frequency_penalty is not supported by Anthropic and was ignored');
  if (source.logit_bias && Object.keys(source.logit_bias).length > 0) warn('logit_bias is not supported by Anthropic and was ignored');

  for (const name in source) {
    if (HANDLED.has(name) || source[name] == null) continue;
    if (NATIVE.has(name)) body[name] = source[name];
    else warn(`${name} is not supported by Anthropic and was ignored`);
  }
  return { body, jsonTool: prepared.jsonTool };
}
