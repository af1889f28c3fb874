import type { VendorPreset } from './vendor-preset.js';
import { convertDeepInfraUsage, convertDeepSeekUsage, convertOpenRouterUsage, convertPerplexityUsage, convertXaiUsage, groqUsageOf } from './vendor-usage.js';

/**
 * The OpenAI-compatible vendors known by name. Base URLs and usage as each vendor documents them
 * (docs/providers.md has the table); every one takes a `baseURL` override.
 */
export const VENDOR_PRESETS: readonly VendorPreset[] = [
  // Cache hits in prompt_cache_hit_tokens; reasoning inside completion_tokens.
  { id: 'deepseek', baseURL: 'https://api.deepseek.com', streamUsage: 'ask', convertUsage: convertDeepSeekUsage },
  // Usage in x_groq.usage of the last chunk, and in usage when asked.
  { id: 'groq', baseURL: 'https://api.groq.com/openai/v1', streamUsage: 'ask', usageOf: groqUsageOf },
  // Rejects stream_options; sends usage in its last chunk on its own.
  { id: 'mistral', baseURL: 'https://api.mistral.ai/v1', streamUsage: 'sent' },
  // Reasoning outside completion_tokens; cost in ticks.
  { id: 'xai', baseURL: 'https://api.x.ai/v1', streamUsage: 'ask', convertUsage: convertXaiUsage, statesCost: true },
  { id: 'together', baseURL: 'https://api.together.xyz/v1', streamUsage: 'ask' },
  { id: 'fireworks', baseURL: 'https://api.fireworks.ai/inference/v1', streamUsage: 'ask' },
  // Usage (with cost) always in the last event: stream_options is deprecated there, without effect.
  { id: 'openrouter', baseURL: 'https://openrouter.ai/api/v1', streamUsage: 'sent', convertUsage: convertOpenRouterUsage, statesCost: true },
  // Usage (with cost) in every chunk, unasked.
  { id: 'perplexity', baseURL: 'https://api.perplexity.ai', streamUsage: 'sent', convertUsage: convertPerplexityUsage, statesCost: true },
  // Usage on the chunk with the finish reason; no [DONE].
  { id: 'cerebras', baseURL: 'https://api.cerebras.ai/v1', streamUsage: 'ask' },
  { id: 'deepinfra', baseURL: 'https://api.deepinfra.com/v1/openai', streamUsage: 'ask', convertUsage: convertDeepInfraUsage, statesCost: true },
  { id: 'ollama', baseURL: 'http://localhost:11434/v1', local: true, streamUsage: 'ask' },
  { id: 'vllm', baseURL: 'http://localhost:8000/v1', local: true, streamUsage: 'ask' },
  { id: 'lmstudio', baseURL: 'http://localhost:1234/v1', local: true, streamUsage: 'ask' },
];
