import { CATALOG, type CatalogFamily } from './catalog.js';

/** Which catalog families price each provider's models. The mock answers to every first-party family's names. */
const FAMILIES: Readonly<Record<string, readonly CatalogFamily[]>> = {
  openai: ['openai'],
  'azure-openai': ['openai'],
  anthropic: ['anthropic'],
  bedrock: ['bedrock'],
  gemini: ['google'],
  'vertex-ai': ['google'],
  mock: ['openai', 'anthropic', 'google', 'bedrock'],
  deepseek: ['deepseek'],
  groq: ['groq'],
  mistral: ['mistral'],
  xai: ['xai'],
  together: ['together'],
  fireworks: ['fireworks'],
  openrouter: ['openrouter'],
  perplexity: ['perplexity'],
  cerebras: ['cerebras'],
  deepinfra: ['deepinfra'],
};

/**
 * Vendors whose catalog entries are listed as their models (`gateway.provisioning.models`,
 * `/v1/models`) when an integration allows `models: 'all'`: each serves the models its family
 * names, under those ids. (OpenAI's or Bedrock's catalog holds models an account may not have.)
 */
const LISTED: ReadonlySet<string> = new Set(['deepseek', 'groq', 'mistral', 'xai', 'together', 'fireworks', 'openrouter', 'perplexity', 'cerebras', 'deepinfra']);

const NONE: readonly CatalogFamily[] = [];

/** The catalog families that price `provider`'s models, in the order they are looked up. */
export function familiesOf(provider: string): readonly CatalogFamily[] {
  return FAMILIES[provider] ?? NONE;
}

/** The model ids listed for `provider` from the catalog (empty but for the vendor presets). */
export function listedModels(provider: string): string[] {
  if (!LISTED.has(provider)) return [];
  return familiesOf(provider).flatMap((family) => Object.keys(CATALOG[family]));
}
