/**
 * The AI SDK majors that `tollgate/ai-sdk` supports, with the provider packages of each: 7, the
 * current major (`specificationVersion: 'v4'`, the default), and 6 (`'v3'`), installed under the
 * alias names `ai-v6`, `ai-sdk-openai-v3` and `ai-sdk-openai-compatible-v2`. Both run on every
 * supported Node. The types are AI SDK 7's: the tests call what both majors share.
 */
export type AiSdk = {
  name: string;
  spec: 'v3' | 'v4';
  load: () => Promise<{
    ai: typeof import('ai');
    createOpenAI: (typeof import('@ai-sdk/openai'))['createOpenAI'];
    createOpenAICompatible: (typeof import('@ai-sdk/openai-compatible'))['createOpenAICompatible'];
  }>;
};

export const aiSdks: AiSdk[] = [
  {
    name: 'AI SDK 7',
    spec: 'v4',
    load: async () => ({
      ai: await import('ai'),
      createOpenAI: (await import('@ai-sdk/openai')).createOpenAI,
      createOpenAICompatible: (await import('@ai-sdk/openai-compatible')).createOpenAICompatible,
    }),
  },
  {
    name: 'AI SDK 6',
    spec: 'v3',
    load: async () => ({
      ai: (await import('ai-v6')) as unknown as typeof import('ai'),
      createOpenAI: (await import('ai-sdk-openai-v3')).createOpenAI as unknown as (typeof import('@ai-sdk/openai'))['createOpenAI'],
      createOpenAICompatible: (await import('ai-sdk-openai-compatible-v2')).createOpenAICompatible as unknown as (typeof import('@ai-sdk/openai-compatible'))['createOpenAICompatible'],
    }),
  },
];
