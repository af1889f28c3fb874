import { anthropicProvider } from './anthropic/anthropic-provider.js';
import { bedrockProvider } from './bedrock/bedrock-provider.js';
import { geminiProvider } from './google/gemini-provider.js';
import { vertexProvider } from './google/vertex-provider.js';
import { mockProvider } from './mock/mock-provider.js';
import { openaiProvider } from './openai/openai-provider.js';
import type { ProviderDefinition } from './provider-definition.js';

/** Providers this version can talk to. */
export const providers: ReadonlyMap<string, ProviderDefinition> = new Map(
  [openaiProvider, anthropicProvider, bedrockProvider, geminiProvider, vertexProvider, mockProvider].map((p) => [p.id, p]),
);

/** Providers of the public contract whose adapters are not in this version yet. */
export const plannedProviders: ReadonlySet<string> = new Set(['azure-openai', 'openai-compatible']);
