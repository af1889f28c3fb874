import { z } from 'zod';
import { compiledOnUse } from '../../util/compiled-on-use.js';

/**
 * Minimal schemas of Anthropic's Messages API wire format: what the gateway reads. Objects are
 * loose so that new fields (and new block or event types, which the adapter skips) never break
 * a call. https://docs.anthropic.com/en/api/messages
 */

/**
 * `input_tokens` counts only the tokens after the last cache breakpoint: cache reads and writes
 * are reported apart, unlike OpenAI's `prompt_tokens`.
 */
export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});

const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
/** `thinking`, `redacted_thinking`, server tool blocks...: not representable in a chat completion. */
const otherBlockSchema = z.looseObject({
  type: z.string().refine((t) => t !== 'text' && t !== 'tool_use', 'a text or tool_use block is malformed'),
});
export const anthropicContentBlockSchema = z.union([textBlockSchema, toolUseBlockSchema, otherBlockSchema]);

export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(anthropicContentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema.nullish(),
});

/** `{"type": "error", "error": {"type", "message"}, "request_id"}`, also sent as an `error` stream event. */
export const anthropicErrorBodySchema = z.looseObject({
  type: z.literal('error').optional(),
  error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }),
});

// Stream events (`event: <type>` + `data: {"type": "<type>", ...}`).

export const messageStartEventSchema = z.looseObject({
  type: z.literal('message_start'),
  message: z.looseObject({ id: z.string(), model: z.string(), usage: anthropicUsageSchema.nullish() }),
});

export const contentBlockStartEventSchema = z.looseObject({
  type: z.literal('content_block_start'),
  index: z.number(),
  content_block: anthropicContentBlockSchema,
});

export const contentBlockDeltaEventSchema = z.looseObject({
  type: z.literal('content_block_delta'),
  index: z.number(),
  delta: z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    partial_json: z.string().optional(),
  }),
});

export const contentBlockStopEventSchema = z.looseObject({ type: z.literal('content_block_stop'), index: z.number() });

export const messageDeltaEventSchema = z.looseObject({
  type: z.literal('message_delta'),
  delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
  usage: anthropicUsageSchema.nullish(),
});

export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;
export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

// Request shapes (what the adapter sends; built in code, never parsed).

export type AnthropicTextBlock = { type: 'text'; text: string };
export type AnthropicImageBlock = {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
};
export type AnthropicDocumentBlock = {
  type: 'document';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  title?: string;
};
export type AnthropicToolUseBlock = { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };
export type AnthropicToolResultBlock = {
  type: 'tool_result';
  tool_use_id: string;
  content: string | AnthropicTextBlock[];
};
export type AnthropicRequestBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock;

export interface AnthropicRequestMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicRequestBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  system?: string | AnthropicTextBlock[];
  messages: AnthropicRequestMessage[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  stream?: boolean;
  [native: string]: unknown;
}

export type AnthropicTextContent = z.infer<typeof textBlockSchema>;
export type AnthropicToolUseContent = z.infer<typeof toolUseBlockSchema>;

export function isTextContent(block: AnthropicContentBlock): block is AnthropicTextContent {
  return block.type === 'text';
}

export function isToolUseContent(block: AnthropicContentBlock): block is AnthropicToolUseContent {
  return block.type === 'tool_use';
}

/** The parses of every answer and stream event, compiled once hot (see compiledOnUse). */
export const anthropicMessageParser = compiledOnUse(anthropicMessageSchema);
export const messageStartEventParser = compiledOnUse(messageStartEventSchema);
export const contentBlockStartEventParser = compiledOnUse(contentBlockStartEventSchema);
export const contentBlockDeltaEventParser = compiledOnUse(contentBlockDeltaEventSchema);
export const contentBlockStopEventParser = compiledOnUse(contentBlockStopEventSchema);
export const messageDeltaEventParser = compiledOnUse(messageDeltaEventSchema);
