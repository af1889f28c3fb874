// npm test: Anthropic's error bodies replayed by msw; milliseconds.
import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatMessage } from '../../../src/index.js';
import {
  API_KEY,
  MODEL,
  createTestGateway,
  fixtureJson,
  fixtureText,
  jsonResponse,
  sseResponse,
  setupAnthropicServer,
} from '../../helpers/anthropic-server.js';
import { drain } from '../../helpers/read-stream.js';
import { expectNoSecret, exposures } from '../../helpers/redaction.js';
import { sseEvents } from '../../helpers/sse-events.js';

const anthropic = setupAnthropicServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];

interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

describe('Anthropic adapter: credentials never leak', () => {
  it('removes the key from a 401 whose body and headers echo it', async () => {
    const fixture = fixtureJson<AnthropicErrorBody>('anthropic-error-401.json');
    // A proxy in front of Anthropic that echoes the key it was given.
    const body: AnthropicErrorBody = { ...fixture, error: { ...fixture.error, message: `${fixture.error.message}: ${API_KEY}` } };
    anthropic.respond(() =>
      jsonResponse(body, { status: 401, requestId: 'req_011CSLsW7mFqvHHnzrKdKjAE', headers: { 'x-echo-x-api-key': API_KEY, 'retry-after': API_KEY } }),
    );
    const { gateway, events } = createTestGateway();

    const error = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 50 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(anthropic.requests).toHaveLength(1);
    expect(anthropic.requests[0]!.headers['x-api-key'] === API_KEY).toBe(true);
    expect(e).toMatchObject({ status: 401, upstreamStatus: 401, isRetryable: false, type: 'authentication_error', requestId: 'req_011CSLsW7mFqvHHnzrKdKjAE' });
    expect(e.message).toBe('anthropic: invalid x-api-key: [REDACTED]');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 401, errorCode: 'provider_error' });

    expectNoSecret(exposures(e, events), [API_KEY, '0123456789abcdef']);
    // The rest of the body is kept for the caller.
    expect(e.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' }, request_id: 'req_011CSLsW7mFqvHHnzrKdKjAE' });
  });

  it('removes the key from an error event inside a stream', async () => {
    const frame = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: `Internal error (key ${API_KEY})` } })}\n\n`;
    const events0 = sseEvents(fixtureText('anthropic-stream.chunks.txt'));
    anthropic.respond(() => sseResponse(events0.slice(0, 4).join('') + frame));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true, max_tokens: 50 });
    const { error } = await drain(stream);

    expect(error).toBeInstanceOf(ProviderError);
    expectNoSecret(exposures(error as ProviderError, events), [API_KEY]);
    expect((error as ProviderError).message).toBe('anthropic: Internal error (key [REDACTED])');
  });

  it('never puts the key in a successful result or usage event', async () => {
    anthropic.respond(() => jsonResponse(fixtureJson('anthropic-messages.json')));
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, max_tokens: 50 });

    expect(JSON.stringify(res).includes(API_KEY)).toBe(false);
    expect(JSON.stringify(events).includes(API_KEY)).toBe(false);
  });
});
