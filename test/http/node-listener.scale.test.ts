// npm run test:scale: a 10 MB stream read by a client that stalls after every piece (about ten seconds).
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import { httpGateway, mockIntegration } from '../helpers/http-gateway.js';

/** `toNodeListener` under backpressure for a long time; test/http/node-listener.test.ts has the rest of its behaviour. */
const HELLO = [{ role: 'user' as const, content: 'Hello' }];
const KEY = { id: 'app-1', workspace: 'team-a', integration: 'mock' };

describe('toNodeListener streaming to a slow reader', () => {
  it('a reader that stalls on every chunk of a 10,000-chunk stream: the response keeps a constant number of listeners', async () => {
    const responses: ServerResponse[] = [];
    let drains = 0;
    let most = 0;
    const app = await httpGateway(
      { integrations: [mockIntegration({ mock: { chunks: Array.from({ length: 10_000 }, (_, i) => `${i}`.padEnd(1_000, '.')) } })], keys: [KEY] },
      {
        listener: (tollgate) => (req, res) => {
          responses.push(res);
          res.on('drain', () => {
            drains++;
            most = Math.max(most, res.listenerCount('drain') + res.listenerCount('close') + res.listenerCount('error'));
          });
          tollgate(req, res);
        },
      },
    );
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const received = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ model: 'm', messages: HELLO, stream: true });
      const req = httpRequest(`${app.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${app.tokens['app-1']}`, 'content-type': 'application/json' },
      });
      req.on('error', reject);
      req.on('response', (res: IncomingMessage) => {
        let bytes = 0;
        // Stalls after every piece it reads: the server's writes back up again and again.
        res.on('data', (piece: Buffer) => {
          bytes += piece.length;
          res.pause();
          setTimeout(() => res.resume(), 0);
        });
        res.on('end', () => resolve(bytes));
      });
      req.end(body);
    });
    process.off('warning', onWarning);
    expect(received).toBeGreaterThan(10_000_000);
    // The writer waited for the reader many times over...
    expect(drains).toBeGreaterThan(50);
    // ...and each wait took its listeners back: the count never grew past what one wait adds.
    expect(most).toBeLessThanOrEqual(responses[0]!.listenerCount('close') + 4);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    await until(() => app.events.length === 1);
    expect(app.events[0]).toMatchObject({ status: 'success', stream: true });
  }, 60_000);
});
