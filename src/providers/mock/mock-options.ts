import { z } from 'zod';
import type { ChatRequestBody } from '../../usage/chat-types.js';

/** One scripted failure: an upstream error status, or a network error when `status` is absent. */
const failureSchema = z.strictObject({
  /** Upstream HTTP status (400-599). Absent: a network error (no response). */
  status: z.number().int().min(400).max(599).optional(),
  message: z.string().optional(),
  /** Sent as the provider's Retry-After. */
  retryAfterMs: z.number().int().min(0).optional(),
  /** How many consecutive attempts fail this way. Default 1. */
  times: z.number().int().positive().default(1),
});

const usageOverrideSchema = z.strictObject({
  inputTokens: z.number().int().min(0).optional(),
  outputTokens: z.number().int().min(0).optional(),
  cacheReadTokens: z.number().int().min(0).optional(),
  cacheWriteTokens: z.number().int().min(0).optional(),
  reasoningTokens: z.number().int().min(0).optional(),
});

/**
 * Options of `provider: 'mock'`, the deterministic provider that the quickstart and the tests
 * use. Everything it does is a function of the request and these options; it makes no network call.
 */
export const mockOptionsSchema = z
  .strictObject({
    /** The reply text, or a function of the request. Default: `Mock reply to "<last user message>"`. */
    reply: z.union([z.string(), z.custom<(request: ChatRequestBody) => string>((v) => typeof v === 'function', 'must be a string or a function')]).optional(),
    /** Reply with these tool calls instead of text (finish reason `tool_calls`). */
    toolCalls: z
      .array(z.strictObject({ name: z.string().min(1), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]) }))
      .optional(),
    /** Delay before the response, or before the first chunk of a stream. Default 0. */
    latencyMs: z.number().min(0).default(0),
    /** Delay between stream chunks. Default 0. */
    chunkDelayMs: z.number().min(0).default(0),
    /** Stream chunks to send instead of the reply split into words. */
    chunks: z.array(z.string()).optional(),
    /** Fixed usage figures; unset ones are estimated from the text (about 4 characters a token). */
    usage: usageOverrideSchema.optional(),
    /** Report no usage at all, like a server that does not count tokens. */
    omitUsage: z.boolean().default(false),
    /** Failures for the next attempts, in order; once used up, calls succeed. */
    failures: z.array(failureSchema).default([]),
    /** Cut every stream after this many content chunks (the connection drops). */
    cutStreamAfter: z.number().int().min(0).optional(),
  })
  .default({ latencyMs: 0, chunkDelayMs: 0, omitUsage: false, failures: [] });

export type MockOptions = z.input<typeof mockOptionsSchema>;
export type ParsedMockOptions = z.output<typeof mockOptionsSchema>;
export type MockFailure = z.output<typeof failureSchema>;
