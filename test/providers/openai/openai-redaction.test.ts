// npm test: OpenAI's error bodies replayed by msw; milliseconds.
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
  setupOpenAIServer,
} from '../../helpers/openai-server.js';
import { drain } from '../../helpers/read-stream.js';
import { expectNoSecret, exposures } from '../../helpers/redaction.js';
import { sseEvents } from '../../helpers/sse-events.js';

const openai = setupOpenAIServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
/** How OpenAI echoes a wrong key in its 401 (see the fixture). */
const MASKED_KEY = 'sk-test-**********6789';

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('OpenAI adapter: credentials never leak', () => {
  it('removes the full and the masked key echoed by a 401', async () => {
    const fixture = fixtureJson<OpenAIErrorBody>('openai-error-401.json');
    expect(fixture.error.message).toContain(MASKED_KEY);
    // A proxy in front of OpenAI that echoes the whole key, on top of OpenAI's masked echo.
    const body: OpenAIErrorBody = {
      error: { ...fixture.error, message: `${fixture.error.message} (Authorization: Bearer ${API_KEY})` },
    };
    openai.respond(() =>
      jsonResponse(body, { status: 401, requestId: 'req_deadbeefdeadbeefdeadbeefdeadbeef', headers: { 'x-echo-authorization': `Bearer ${API_KEY}` } }),
    );
    const { gateway, events } = createTestGateway();

    const error = await gateway.chat({ workspace: 'team-a', model: MODEL, messages }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(openai.requests).toHaveLength(1);
    // The key did go out in the request itself.
    expect(openai.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(e).toMatchObject({ status: 401, upstreamStatus: 401, isRetryable: false, type: 'invalid_api_key', requestId: 'req_deadbeefdeadbeefdeadbeefdeadbeef' });
    expect(e.message).toContain('Incorrect API key provided: [REDACTED]');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 401, errorCode: 'provider_error' });

    expectNoSecret(exposures(e, events), [API_KEY, MASKED_KEY, '0123456789']);
    // The rest of the body is kept for the caller.
    expect(e.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null } });
  });

  it('removes the key from an error frame inside a stream', async () => {
    const frame = `data: ${JSON.stringify({
      error: { message: `Incorrect API key provided: ${API_KEY}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
    })}\n\n`;
    const chunks = sseEvents(fixtureText('openai-stream.chunks.txt')).slice(0, 2).join('');
    openai.respond(() => sseResponse(chunks + frame));
    const { gateway, events } = createTestGateway();

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const { error } = await drain(stream);

    expect(error).toBeInstanceOf(ProviderError);
    expectNoSecret(exposures(error as ProviderError, events), [API_KEY]);
    expect((error as ProviderError).message).toContain('[REDACTED]');
  });

  it('never puts the key in a successful usage event', async () => {
    openai.respond(() => jsonResponse(fixtureJson('openai-chat.json')));
    const { gateway, events } = createTestGateway();

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(JSON.stringify(res)).not.toContain(API_KEY);
    expect(JSON.stringify(events)).not.toContain(API_KEY);
  });
});
