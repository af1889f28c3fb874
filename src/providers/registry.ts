import { anthropicProvider } from './anthropic/anthropic-provider.js';
import { azureProvider } from './azure/azure-provider.js';
import { bedrockProvider } from './bedrock/bedrock-provider.js';
import { externalProvider } from './external/external-provider.js';
import { geminiProvider } from './google/gemini-provider.js';
import { vertexProvider } from './google/vertex-provider.js';
import { mockProvider } from './mock/mock-provider.js';
import { openaiCompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import { openaiProvider } from './openai/openai-provider.js';
import { presetProvider } from './presets/vendor-preset.js';
import { VENDOR_PRESETS } from './presets/vendor-presets.js';
import type { ProviderDefinition } from './provider-definition.js';

/** Every provider an integration can name. */
export const providers: ReadonlyMap<string, ProviderDefinition> = new Map(
  [
    openaiProvider,
    azureProvider,
    anthropicProvider,
    bedrockProvider,
    vertexProvider,
    geminiProvider,
    openaiCompatibleProvider,
    ...VENDOR_PRESETS.map(presetProvider),
    mockProvider,
    externalProvider,
  ].map((p) => [p.id, p]),
);
