import type { ChatCompletion, CompletionUsage } from '../../usage/chat-types.js';
import type { Usage } from '../../usage/usage.js';

/**
 * The OpenAI `usage` object of a completion (or of a stream's last chunk) from normalized usage,
 * shaped as OpenAI sends it: cache reads in `prompt_tokens_details.cached_tokens`, reasoning in
 * `completion_tokens_details.reasoning_tokens` (0 where the provider does not count it apart).
 */
export function toCompletionUsage(usage: Usage): CompletionUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/**
 * Characters the choices of a completion produced: text, and tool calls' names and arguments.
 * The measure output tokens are estimated from when a provider reports no usage.
 */
export function completionOutputChars(completion: Pick<ChatCompletion, 'choices'>): number {
  let n = 0;
  for (const { message } of completion.choices) {
    n += message.content?.length ?? 0;
    for (const call of message.tool_calls ?? []) n += call.function.name.length + call.function.arguments.length;
  }
  return n;
}
