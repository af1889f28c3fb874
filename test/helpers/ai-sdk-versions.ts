import type { createOpenAI } from '@ai-sdk/openai';

/**
 * The AI SDK majors the tests run against, with their `@ai-sdk/openai`: 6 everywhere, 7 (under
 * the alias names `ai-v7`, `ai-sdk-openai-v4`) where Node >= 22 runs it.
 */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

export const openaiSdks = [
  { name: 'AI SDK 6', runs: true, load: async () => ({ ai: await import('ai'), createOpenAI: (await import('@ai-sdk/openai')).createOpenAI }) },
  {
    name: 'AI SDK 7',
    runs: NODE_MAJOR >= 22,
    load: async () => ({ ai: (await import('ai-v7')) as unknown as typeof import('ai'), createOpenAI: (await import('ai-sdk-openai-v4')).createOpenAI as unknown as typeof createOpenAI }),
  },
];

/** The describe title's note on a major that cannot run here. */
export const skipNote = (sdk: { runs: boolean }) => (sdk.runs ? '' : ` (needs Node >= 22; this is Node ${NODE_MAJOR})`);
