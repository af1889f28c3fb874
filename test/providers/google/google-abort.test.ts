// npm test: aborts against Gemini replayed by msw; milliseconds.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RequestAbortedError, secret, type ChatMessage } from '../../../src/index.js';
import {
  PROJECT,
  TOKEN_URL,
  fixtureText,
  geminiGateway,
  geminiUrl,
  setupGoogleServer,
  sseResponse,
  vertexGateway,
} from '../../helpers/gemini-server.js';
import { neverAnswer } from '../../helpers/provider-server.js';
import { drain } from '../../helpers/read-stream.js';
import { sseEvents } from '../../helpers/sse-events.js';
import { until } from '../../helpers/until.js';

const google = setupGoogleServer();

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const STREAM = fixtureText('gemini/gemini-stream.chunks.txt');

describe('Google adapters: the caller aborts', () => {
  it('aborts a Gemini call while Google has not answered, without retrying', async () => {
    google.respond(geminiUrl('gemini-2.5-flash', 'generateContent'), neverAnswer);
    const { gateway, events } = geminiGateway();
    const controller = new AbortController();

    const call = gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-flash', messages }, { signal: controller.signal });
    await until(() => google.requests.length === 1);
    controller.abort();

    await expect(call).rejects.toBeInstanceOf(RequestAbortedError);
    expect(google.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 'aborted', httpStatus: 499, errorCode: 'request_aborted' });
  });

  it('aborts a Gemini stream in the middle, closing the upstream stream', async () => {
    let cancelled = false;
    google.respond(geminiUrl('gemini-2.5-flash', 'streamGenerateContent'), () =>
      sseResponse(sseEvents(STREAM).slice(0, 2).join(''), { hold: true, onCancel: () => (cancelled = true) }),
    );
    const { gateway, events } = geminiGateway();
    const controller = new AbortController();

    const stream = await gateway.chat({ workspace: 'team-a', model: '@gemini/gemini-2.5-flash', messages, stream: true }, { signal: controller.signal });
    const { error } = await drain(stream, (delivered) => {
      if (delivered.length === 2) controller.abort();
    });

    expect(error).toBeInstanceOf(RequestAbortedError);
    await until(() => cancelled);
    expect(events[0]).toMatchObject({ status: 'aborted', stream: true, usage: { estimated: true } });
  });

  it('aborts a Vertex call waiting for its access token', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = JSON.stringify({
      type: 'service_account',
      client_email: `tollgate-test@${PROJECT}.iam.gserviceaccount.com`,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    google.respond(TOKEN_URL, neverAnswer);
    const { gateway, events } = vertexGateway({ serviceAccountKey: secret.value(key) });
    const controller = new AbortController();

    const call = gateway.chat({ workspace: 'team-a', model: '@vertex/gemini-2.5-flash', messages }, { signal: controller.signal });
    // The first call loads google-auth-library and signs a JWT with RSA before it asks for a token.
    await until(() => google.requests.length === 1);
    controller.abort();

    await expect(call).rejects.toBeInstanceOf(RequestAbortedError);
    expect(google.requests.map((r) => r.url)).toEqual([TOKEN_URL]);
    expect(events[0]).toMatchObject({ status: 'aborted' });
  });
});
