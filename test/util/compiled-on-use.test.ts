// npm test: the hot paths' zod schemas, compiled by zod, agree with zod's runtime parser on valid and broken input (fast-check); milliseconds.
import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { keySchema } from '../../src/config/config-schema.js';
import { chatRequestSchema } from '../../src/gateway/chat-request-schema.js';
import { embeddingsRequestSchema } from '../../src/gateway/embeddings-request-schema.js';
import * as anthropic from '../../src/providers/anthropic/anthropic-api.js';
import * as bedrock from '../../src/providers/bedrock/bedrock-api.js';
import { geminiResponseSchema } from '../../src/providers/google/gemini-api.js';
import * as openai from '../../src/providers/openai/openai-api.js';
import { compiledOnUse } from '../../src/util/compiled-on-use.js';

const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 2 } };

/** Each schema a call parses (through compiledOnUse), with an input it accepts. */
const hot: Array<[string, z.ZodType, unknown]> = [
  [
    'chat request',
    chatRequestSchema,
    {
      model: '@openai/gpt-4o-mini',
      key: 'key-1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      ],
      max_tokens: 200,
      temperature: 0.5,
      stop: ['\n'],
      metadata: { user: 'u-1' },
      fallbacks: ['@azure/gpt-4o-mini'],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      stream: false,
      seed: 7,
    },
  ],
  ['embeddings request', embeddingsRequestSchema, { model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 256 }],
  ['key', keySchema, { id: 'key-1', workspace: 'team-a', integration: 'openai', models: ['gpt-4o-mini'], hash: 'a'.repeat(64), metadata: { owner: 'x' }, expiresAt: '2027-01-31T00:00:00Z', budgets: [{ type: 'cost', limit: 5, reset: 'monthly' }], rateLimits: [{ type: 'requests', limit: 10, per: 'minute' }] }],
  ['openai usage', openai.openaiUsageSchema, usage],
  [
    'openai completion',
    openai.openaiChatCompletionSchema,
    { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop', logprobs: null }], usage, system_fingerprint: 'fp' },
  ],
  ['openai chunk', openai.openaiChunkSchema, { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'H' }, finish_reason: null }], usage: null }],
  ['openai embeddings', openai.openaiEmbeddingsSchema, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'text-embedding-3-small', usage: { prompt_tokens: 2, total_tokens: 2 } }],
  [
    'anthropic message',
    anthropic.anthropicMessageSchema,
    { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [{ type: 'text', text: 'Hi' }, { type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 4 } },
  ],
  ['anthropic content_block_delta', anthropic.contentBlockDeltaEventSchema, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'H' } }],
  ['anthropic message_delta', anthropic.messageDeltaEventSchema, { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } }],
  [
    'gemini response',
    geminiResponseSchema,
    { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 }, modelVersion: 'gemini-2.0' },
  ],
  ['bedrock converse', bedrock.converseResponseSchema, { output: { message: { role: 'assistant', content: [{ text: 'Hi' }] } }, stopReason: 'end_turn', usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } }],
  ['bedrock delta', bedrock.contentBlockDeltaEventSchema, { contentBlockIndex: 0, delta: { text: 'H' } }],
];

/** Every path to a value in `value` (objects and arrays walked). */
function pathsOf(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...at, k]));
  return out;
}

const DELETE = Symbol('delete');
const odd = fc.constantFrom<unknown>(DELETE, null, undefined, 0, -1, 1.5, 2 ** 31, Number.NaN, Number.POSITIVE_INFINITY, '', 'x', true, [], {}, [1, 'a'], { role: 'user' });
const mutation = fc.tuple(fc.nat(), fc.oneof(odd, fc.jsonValue()));

/** `sample` with each mutation applied: a value replaced (or deleted) at one of its paths. */
function mutate(sample: unknown, mutations: Array<[number, unknown]>): unknown {
  let root = structuredClone(sample);
  for (const [pick, value] of mutations) {
    const paths = pathsOf(root);
    const path = paths[pick % paths.length]!;
    if (path.length === 0) {
      root = value === DELETE ? undefined : structuredClone(value);
      continue;
    }
    const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], root);
    const last = path[path.length - 1]!;
    if (value === DELETE) {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else parent[last] = structuredClone(value);
  }
  return root;
}

function expectSameParse(schema: z.ZodType, compiled: z.ZodType, input: unknown): void {
  const slow = schema.safeParse(structuredClone(input));
  const fast = compiled.safeParse(structuredClone(input));
  expect(fast.success).toBe(slow.success);
  if (slow.success) expect(fast.data).toStrictEqual(slow.data);
  else expect(fast.error!.issues).toStrictEqual(slow.error.issues);
}

describe('schemas compiled by zod, on the hot paths', () => {
  it.each(hot)('the %s schema compiles (zod generates its fast path) and accepts its sample', (_name, schema, sample) => {
    expect(() => z.compile(schema, { strict: true })).not.toThrow();
    expect(schema.safeParse(sample).success).toBe(true);
  });

  it.each(hot)('compiled, the %s schema gives what the runtime parser gives, on its sample and on broken copies of it', (_name, schema, sample) => {
    const compiled = z.compile(schema, { strict: true });
    expectSameParse(schema, compiled, sample);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => expectSameParse(schema, compiled, mutate(sample, mutations))),
      { numRuns: 300 },
    );
  });
});

describe('compiledOnUse', () => {
  // A refinement seen: zod's compiled parser runs it on its fast path, and again through the
  // runtime parser when the fast path rejects the input; the runtime parser alone runs it once.
  let refined = 0;
  const schema = z.object({ a: z.string().refine(() => ++refined > 0), b: z.number() });

  it('parses with the runtime parser until its uses reach the threshold, then with the compiled one, with the same results', () => {
    const parser = compiledOnUse(schema, 3);
    const results: unknown[] = [];
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      refined = 0;
      const result = parser.safeParse({ a: 'x', b: 'not a number' });
      counts.push(refined);
      results.push(result.success ? result.data : result.error.issues);
    }
    expect(counts).toEqual([1, 1, 2, 2, 2]);
    expect(results.every((r) => JSON.stringify(r) === JSON.stringify(results[0]))).toBe(true);
    expect(parser.safeParse({ a: 'y', b: 2 })).toEqual({ success: true, data: { a: 'y', b: 2 } });
  });
});
