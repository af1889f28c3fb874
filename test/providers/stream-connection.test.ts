// npm test: streamed calls on a loopback upstream that watches its connections; about a second
// (the last test waits for the gateway to give up on a body left open after [DONE]).
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createGateway, secret } from '../../src/index.js';
import { listen } from '../helpers/http-gateway.js';
import { fixtureText } from '../helpers/openai-server.js';

const SSE = fixtureText('openai-stream.chunks.txt');

/**
 * An OpenAI-shaped upstream streaming the recorded chunks, and ending each body only when told
 * (`endBodies`: the last bytes of a body arrive after `[DONE]`, as they may from any server).
 * `answered` holds, for each response once it closed, whether its connection was still open.
 */
async function upstream() {
  const sockets: Socket[] = [];
  const closed: Socket[] = [];
  const answered: Array<Promise<boolean>> = [];
  const ends: Array<() => void> = [];
  const server = await listen((req, res) => {
    req.resume();
    answered.push(new Promise((resolve) => res.on('close', () => resolve(!req.socket.destroyed))));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(SSE);
    ends.push(() => res.end());
  });
  server.server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    socket.on('close', () => closed.push(socket));
  });
  const gateway = createGateway({
    integrations: [{ slug: 'up', provider: 'openai', baseURL: `${server.origin}/v1`, credentials: { apiKey: secret.value('sk-stream-conn') }, workspaces: 'all' }],
    retry: { retries: 0 },
  });
  const stream = async () => {
    const chunks = await gateway.chat({ workspace: 'w', model: '@up/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let text = '';
    for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
    return text;
  };
  const endBodies = () => ends.splice(0).forEach((end) => end());
  return { sockets, closed, answered, endBodies, gateway, stream };
}

describe('a stream that ended with [DONE]', () => {
  it('gives its connection back to the pool: the rest of the body is read, not cancelled', async () => {
    const up = await upstream();
    const first = await up.stream();
    expect(first.length).toBeGreaterThan(0);
    // The caller has the whole answer; the body ends only now, and ends normally, its connection
    // open (cancelling the body at [DONE] closed it).
    up.endBodies();
    expect(await up.answered[0]).toBe(true);
    expect(await up.stream()).toBe(first);
    up.endBodies();
    expect(await up.answered[1]).toBe(true);
    expect(up.closed).toHaveLength(0);
    await up.gateway.close();
  });

  it('on a body left open after [DONE], the caller’s stream still ends at once, and the connection is closed a little later', async () => {
    const up = await upstream();
    const text = await up.stream();
    expect(text.length).toBeGreaterThan(0);
    // Never ended by the server: the gateway stops reading it after a second and closes it.
    expect(await up.answered[0]).toBe(false);
    expect(up.closed).toHaveLength(1);
    await up.gateway.close();
  });
});
