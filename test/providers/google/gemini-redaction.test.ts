// npm test: Gemini's error bodies replayed by msw; milliseconds.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatMessage } from '../../../src/index.js';
import {
  API_KEY,
  fixtureJson,
  fixtureText,
  geminiGateway,
  geminiUrl,
  jsonResponse,
  setupGoogleServer,
  sseResponse,
} from '../../helpers/gemini-server.js';
import { drain } from '../../helpers/read-stream.js';
import { expectNoSecret, exposures } from '../../helpers/redaction.js';
import { sseEvents } from '../../helpers/sse-events.js';

const google = setupGoogleServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];

describe('Gemini adapter: the API key never leaks', () => {
  it('removes the key from an invalid-key error echoed by a proxy, in every exposure', async () => {
    const fixture = fixtureJson<{ error: { message: string } }>('gemini/gemini-error-400-api-key.json');
    const body = { error: { ...fixture.error, message: `${fixture.error.message} (key=${API_KEY})` } };
    google.respond(geminiUrl('gemini-2.5-flash', 'generateContent'), () =>
      jsonResponse(body, { status: 400, headers: { 'retry-after': API_KEY, 'x-echo-key': API_KEY } }),
    );
    const { gateway, events } = geminiGateway();

    const error = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-flash', messages }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(google.requests[0]!.headers['x-goog-api-key']).toBe(API_KEY);
    expect(e).toMatchObject({ status: 400, isRetryable: false, type: 'INVALID_ARGUMENT' });
    expect(e.message).toBe('gemini: API key not valid. Please pass a valid API key. (key=[REDACTED])');
    expect(e.body).toMatchObject({ error: { details: [{ reason: 'API_KEY_INVALID' }, {}] } });
    expectNoSecret(exposures(e, events), [API_KEY]);
  });

  it('removes the key from an error frame inside a stream', async () => {
    const frame = `data: ${JSON.stringify({ error: { code: 500, message: `internal error for key ${API_KEY}`, status: 'INTERNAL' } })}\r\n\r\n`;
    const first = sseEvents(fixtureText('gemini/gemini-stream.chunks.txt'))[0]!;
    google.respond(geminiUrl('gemini-2.5-flash', 'streamGenerateContent'), () => sseResponse(first + frame));
    const { gateway, events } = geminiGateway();

    const { error } = await drain(await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-flash', messages, stream: true }));

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toBe('gemini: internal error for key [REDACTED]');
    expectNoSecret(exposures(error as ProviderError, events), [API_KEY]);
  });

  it('never puts the key in a result or a usage event', async () => {
    google.respond(geminiUrl('gemini-2.0-flash', 'generateContent'), () => jsonResponse(fixtureJson('gemini/gemini-generate.json')));
    const { gateway, events } = geminiGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.0-flash', messages });

    expect(google.requests[0]!.url).not.toContain(API_KEY);
    expect(JSON.stringify(res)).not.toContain(API_KEY);
    expect(JSON.stringify(events)).not.toContain(API_KEY);
    expect(inspect(gateway, { depth: 10 })).not.toContain(API_KEY);
  });
});
