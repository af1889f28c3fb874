// npm test: token bounds computed alone; milliseconds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateInputTokens, estimateInputTokensUpperBound } from '../../src/usage/estimate-tokens.js';

describe('input token estimates', () => {
  it('the upper bound is at least the UTF-8 size of every text, and never below the average', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 5 }), (texts) => {
        const messages = texts.map((content) => ({ role: 'user' as const, content }));
        const bound = estimateInputTokensUpperBound(messages);
        expect(bound).toBeGreaterThanOrEqual(texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0));
        expect(bound).toBeGreaterThanOrEqual(estimateInputTokens(messages));
      }),
    );
  });

  it('counts multi-byte text by bytes (a CJK character can be several tokens)', () => {
    const ascii = estimateInputTokensUpperBound([{ role: 'user', content: 'abc' }]);
    const cjk = estimateInputTokensUpperBound([{ role: 'user', content: '漢字語' }]);
    expect(cjk - ascii).toBe(9 - 3);
  });

  it('counts images, tool calls, names and tools', () => {
    const base = estimateInputTokensUpperBound([{ role: 'user', content: 'x' }]);
    const withImage = estimateInputTokensUpperBound([
      { role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'data:...' } }] },
    ]);
    expect(withImage - base).toBe(5_000);
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }];
    expect(estimateInputTokensUpperBound([{ role: 'user', content: 'x' }], tools)).toBe(base + Buffer.byteLength(JSON.stringify(tools)));
    const call = estimateInputTokensUpperBound([
      { role: 'user', content: 'x' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
    ]);
    expect(call - base).toBe(8 + 8 + 1 + 7);
  });
});
