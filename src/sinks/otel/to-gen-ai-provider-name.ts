/**
 * tollgate's provider ids mapped to the well-known `gen_ai.provider.name` values, which the
 * conventions say MUST be used when one applies.
 */
const WELL_KNOWN: Readonly<Record<string, string>> = Object.freeze({
  openai: 'openai',
  'azure-openai': 'azure.ai.openai',
  anthropic: 'anthropic',
  bedrock: 'aws.bedrock',
  // Gemini's API (generativelanguage.googleapis.com) and Vertex AI (aiplatform.googleapis.com)
  // have values of their own.
  gemini: 'gcp.gemini',
  'vertex-ai': 'gcp.vertex_ai',
  // The named OpenAI-compatible vendors that have a value of their own.
  deepseek: 'deepseek',
  groq: 'groq',
  mistral: 'mistral_ai',
  perplexity: 'perplexity',
  xai: 'x_ai',
});

/**
 * The `gen_ai.provider.name` of a call: the integration's entry in `overrides` (the `providerNames`
 * option), else the well-known value of tollgate's provider, else tollgate's id in the
 * conventions' snake_case (`openai-compatible` -> `openai_compatible`, `mock`). An OpenAI-compatible
 * endpoint is not reported as `openai`: it may be vLLM, Groq or anything else, and the value
 * splits dashboards by provider; name it with `providerNames` (e.g. `groq`), or use the named
 * preset (`provider: 'groq'`).
 */
export function toGenAiProviderName(provider: string, integration: string | null, overrides: Readonly<Record<string, string>>): string {
  if (integration !== null && Object.hasOwn(overrides, integration)) return overrides[integration]!;
  return Object.hasOwn(WELL_KNOWN, provider) ? WELL_KNOWN[provider]! : provider.replace(/-/g, '_');
}
