// npm test: the endpoint's onAnswered report, through fetch handlers in process; milliseconds.
import { describe, expect, it, vi } from 'vitest';
import { createFetchHandler, generateKey, type AnsweredRequest } from '../../src/http.js';
import { createGateway } from '../../src/index.js';

/** `createFetchHandler({ onAnswered })`: one report per request once its answer is complete, never a token. */

function setup(onAnswered: (r: AnsweredRequest) => void, onError = vi.fn()) {
  const { token, hash } = generateKey();
  const gateway = createGateway({
    integrations: [{ slug: 'llm', provider: 'mock', models: ['m'], workspaces: { team: {} }, mock: { chunks: ['a', 'b', 'c'] } }],
    keys: [{ id: 'app', workspace: 'team', integration: 'llm', hash }],
  });
  const handler = createFetchHandler(gateway, { onAnswered, onError });
  const post = (path: string, body: unknown, auth = token) =>
    handler(new Request(`http://gw.test${path}`, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  return { token, handler, post, onError };
}

describe('onAnswered', () => {
  it('reports a JSON answer with its route, status, key, workspace and model, and a refusal with what was known', async () => {
    const reports: AnsweredRequest[] = [];
    const { post, handler, token } = setup((r) => reports.push(r));
    const ok = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(reports).toEqual([
      { requestId: ok.headers.get('x-request-id'), method: 'POST', route: '/v1/chat/completions', status: 200, durationMs: expect.any(Number), key: 'app', workspace: 'team', model: 'm', aborted: false },
    ]);
    await post('/v1/chat/completions', { model: 'm', messages: [] }, 'tg_wrong');
    await handler(new Request('http://gw.test/v1/models/m', { headers: { authorization: `Bearer ${token}` } }));
    await handler(new Request('http://gw.test/elsewhere'));
    expect(reports.slice(1).map((r) => [r.route, r.status, r.key, r.model])).toEqual([
      ['/v1/chat/completions', 401, null, null],
      ['/v1/models/{id}', 200, 'app', null],
      [null, 404, null, null],
    ]);
    expect(JSON.stringify(reports).includes(token)).toBe(false);
    expect(JSON.stringify(reports).includes('tg_wrong')).toBe(false);
  });

  it('reports a stream when its last event is read, or when the client leaves it (aborted)', async () => {
    const reports: AnsweredRequest[] = [];
    const { post } = setup((r) => reports.push(r));
    const read = await post('/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(reports).toEqual([]);
    await read.text();
    expect(reports).toMatchObject([{ route: '/v1/chat/completions', status: 200, aborted: false, model: 'm' }]);
    const left = await post('/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const reader = left.body!.getReader();
    await reader.read();
    // Cancelling returns the events' iterator: the report is made before the cancel resolves.
    await reader.cancel();
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ status: 200, aborted: true });
  });

  it('a report that throws goes to onError; the answer is unaffected', async () => {
    const onError = vi.fn();
    const { post } = setup(() => {
      throw new Error('log sink down');
    }, onError);
    const answer = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.status).toBe(200);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'log sink down' }), answer.headers.get('x-request-id'));
  });
});
