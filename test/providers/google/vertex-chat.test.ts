// npm test: Vertex AI and its token endpoint replayed by msw; a fraction of a second.
import { generateKeyPairSync, verify } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  CredentialsUnavailableError,
  ProviderError,
  createGateway,
  secret,
  type ChatMessage,
} from '../../../src/index.js';
import { setGoogleAuthLoader } from '../../../src/providers/google/load-google-auth.js';
import { streamedText } from '../../helpers/chunk-content.js';
import { failure } from '../../helpers/failure.js';
import {
  ACCESS_TOKEN,
  PROJECT,
  TOKEN_URL,
  fixtureJson,
  fixtureText,
  jsonResponse,
  setupGoogleServer,
  sseResponse,
  vertexGateway,
  vertexUrl,
} from '../../helpers/gemini-server.js';
import { collect } from '../../helpers/read-stream.js';

const google = setupGoogleServer();

const URL_FLASH = vertexUrl('gemini-2.5-flash', 'generateContent');
const MODEL = '@vertex/gemini-2.5-flash';
const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const ok = () => jsonResponse(fixtureJson('vertex/vertex-generate.json'));

/** A throwaway service account key, made for this test run (no key is committed). */
function serviceAccountKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = {
    type: 'service_account',
    project_id: PROJECT,
    private_key_id: '3f9c1a7e5b2d4c6e8a0b1c2d3e4f5a6b7c8d9e0f',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: `tollgate-test@${PROJECT}.iam.gserviceaccount.com`,
    client_id: '109876543210987654321',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: TOKEN_URL,
  };
  return { key, json: JSON.stringify(key), publicKey };
}

/** Google's token endpoint: checks the signed JWT assertion, answers a one-hour token. */
function tokenEndpoint(publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'], token = ACCESS_TOKEN) {
  return async ({ request }: { request: Request }) => {
    const form = new URLSearchParams(await request.text());
    const [header, payload, signature] = form.get('assertion')!.split('.');
    const valid = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature!, 'base64url'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !valid) {
      return jsonResponse({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }, { status: 400 });
    }
    return jsonResponse({ access_token: token, expires_in: 3599, token_type: 'Bearer' });
  };
}

const decodeJwt = (jwt: string) => {
  const [header, payload] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(header!, 'base64url').toString()), claims: JSON.parse(Buffer.from(payload!, 'base64url').toString()) };
};

describe('Vertex AI adapter: with an access token', () => {
  it('calls the regional endpoint with the token as Bearer and answers an OpenAI completion', async () => {
    let loads = 0;
    google.respond(URL_FLASH, ok);
    const { gateway, events } = vertexGateway({ accessToken: secret.from(() => (loads++, ACCESS_TOKEN), { ttlMs: 60_000 }) });

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, ...messages] });
    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(loads).toBe(1);
    expect(google.requests).toHaveLength(2);
    const sent = google.requests[0]!;
    expect(sent.url).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/acme-llm-prod/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent',
    );
    expect(sent.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect({ ...sent.headers, authorization: '<token>' }).toEqual({ authorization: '<token>', 'content-type': 'application/json', accept: 'application/json' });
    expect(sent.body).toEqual({ systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });

    const { gateway: info, ...completion } = res;
    expect(completion).toEqual({
      id: 'dB1JaYOyC4ergLUPl7S_8Qk',
      object: 'chat.completion',
      created: Math.floor(Date.parse('2026-11-18T09:30:12.187395Z') / 1000),
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 36, total_tokens: 45, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 27 } },
    });
    expect(info).toMatchObject({ provider: 'vertex-ai', integration: 'vertex', providerRequestId: 'dB1JaYOyC4ergLUPl7S_8Qk' });
    expect(events[0]).toMatchObject({ status: 'success', provider: 'vertex-ai', usage: { inputTokens: 9, outputTokens: 36, reasoningTokens: 27, totalTokens: 45 } });
  });

  it('uses aiplatform.googleapis.com for the global location', async () => {
    const root = `https://aiplatform.googleapis.com/v1/projects/${PROJECT}/locations/global/publishers/google/models`;
    google.respond(vertexUrl('gemini-2.5-flash', 'generateContent', root), ok);
    const { gateway } = vertexGateway({ accessToken: secret.value(ACCESS_TOKEN) }, { location: 'global' });

    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(google.requests[0]!.url).toBe(`${root}/gemini-2.5-flash:generateContent`);
  });

  it('streams with streamGenerateContent?alt=sse', async () => {
    google.respond(vertexUrl('gemini-2.5-flash', 'streamGenerateContent'), () => sseResponse(fixtureText('vertex/vertex-stream.chunks.txt')));
    const { gateway, events } = vertexGateway({ accessToken: secret.value(ACCESS_TOKEN) });

    const stream = await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true });
    const chunks = await collect(stream);

    expect(google.requests[0]!.url).toMatch(/:streamGenerateContent\?alt=sse$/);
    expect(google.requests[0]!.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(streamedText(chunks)).toBe('Hello! How can I help you today?');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks[0]!.created).toBe(Math.floor(Date.parse('2026-11-18T09:30:14.530287Z') / 1000));
    expect(stream.gateway.providerRequestId).toBe('fB1JaZ3PD5mrgLUPhYqO0Ao');
    expect(events[0]).toMatchObject({ status: 'success', stream: true, usage: { inputTokens: 9, outputTokens: 36, totalTokens: 45, estimated: false } });
  });

  it('retries a 429 and reports a 403 with Google status, without leaking the token', async () => {
    google.respond(
      URL_FLASH,
      () => jsonResponse(fixtureJson('vertex/vertex-error-429.json'), { status: 429 }),
      () => {
        const body = fixtureJson<{ error: { message: string } }>('vertex/vertex-error-403.json');
        body.error.message += ` (token ${ACCESS_TOKEN})`;
        return jsonResponse(body, { status: 403 });
      },
    );
    const { gateway, events } = vertexGateway({ accessToken: secret.value(ACCESS_TOKEN) });

    const error = await failure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(google.requests).toHaveLength(2);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 403, isRetryable: false, type: 'PERMISSION_DENIED', provider: 'vertex-ai' });
    expect((error as ProviderError).message).toMatch(/^vertex-ai: Permission 'aiplatform.endpoints.predict' denied/);
    for (const text of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 10 }), JSON.stringify(events)]) {
      expect(text).not.toContain(ACCESS_TOKEN);
    }
  });
});

describe('Vertex AI adapter: with a service account key', () => {
  afterEach(() => setGoogleAuthLoader(null));

  it('mints an access token with google-auth-library, signs the assertion with the key, and caches the token', async () => {
    const { key, json, publicKey } = serviceAccountKey();
    google.respond(TOKEN_URL, tokenEndpoint(publicKey));
    google.respond(URL_FLASH, ok);
    google.respond(vertexUrl('gemini-2.5-flash', 'streamGenerateContent'), () => sseResponse(fixtureText('vertex/vertex-stream.chunks.txt')));
    const { gateway, events } = vertexGateway({ serviceAccountKey: secret.value(json) });

    // Concurrent first calls share one token request; later calls reuse the token.
    await Promise.all([gateway.chat({ workspace: 'team-a', model: MODEL, messages }), gateway.chat({ workspace: 'team-a', model: MODEL, messages })]);
    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });
    await collect(await gateway.chat({ workspace: 'team-a', model: MODEL, messages, stream: true }));

    const tokenRequests = google.to(TOKEN_URL);
    expect(tokenRequests).toHaveLength(1);
    const { header, claims } = decodeJwt(tokenRequests[0]!.body.assertion as string);
    expect(header).toEqual({ alg: 'RS256' });
    expect(claims).toMatchObject({ iss: key.client_email, scope: 'https://www.googleapis.com/auth/cloud-platform', aud: TOKEN_URL });
    expect(claims.exp - claims.iat).toBe(3600);

    const vertexRequests = google.requests.filter((r) => r.url !== TOKEN_URL);
    expect(vertexRequests).toHaveLength(4);
    for (const r of vertexRequests) expect(r.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(events.map((e) => e.status)).toEqual(['success', 'success', 'success', 'success']);
    // Neither the key nor the minted token shows in events.
    expect(JSON.stringify(events)).not.toContain(ACCESS_TOKEN);
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
  });

  it('mints a new token after Vertex refuses the cached one (401)', async () => {
    const { json, publicKey } = serviceAccountKey();
    let minted = 0;
    google.respond(TOKEN_URL, async (ctx) => {
      minted++;
      return tokenEndpoint(publicKey, `${ACCESS_TOKEN}-${minted}`)(ctx);
    });
    google.respond(
      URL_FLASH,
      // A proxy echoing the minted token, which the gateway's secrets do not list: redacted all the same.
      () => jsonResponse({ error: { code: 401, message: `Request had invalid authentication credentials (${ACCESS_TOKEN}-1).`, status: 'UNAUTHENTICATED' } }, { status: 401 }),
      ok,
    );
    const { gateway } = vertexGateway({ serviceAccountKey: secret.value(json) });

    const error = await failure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));
    expect(error).toMatchObject({ status: 401, type: 'UNAUTHENTICATED', isRetryable: false });
    expect((error as Error).message).toBe('vertex-ai: Request had invalid authentication credentials ([REDACTED]).');
    expect(JSON.stringify(error)).not.toContain(ACCESS_TOKEN);
    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(minted).toBe(2);
    expect(google.to(URL_FLASH).map((r) => r.headers.authorization)).toEqual([`Bearer ${ACCESS_TOKEN}-1`, `Bearer ${ACCESS_TOKEN}-2`]);
  });

  it('reports a key the token endpoint refuses as unavailable credentials, without calling Vertex', async () => {
    const { json } = serviceAccountKey();
    const other = serviceAccountKey();
    google.respond(TOKEN_URL, tokenEndpoint(other.publicKey));
    const { gateway, events } = vertexGateway({ serviceAccountKey: secret.value(json) });

    const error = await failure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toBe(
      "Credentials of integration 'vertex' are unavailable: credentials.serviceAccountKey was refused by Google's token endpoint (HTTP 400: invalid_grant: Invalid JWT Signature.)",
    );
    expect(google.to(URL_FLASH)).toHaveLength(0);
    expect(events[0]).toMatchObject({ status: 'error', errorCode: 'credentials_unavailable' });
    for (const text of [JSON.stringify(error), inspect(error, { depth: 10 }), JSON.stringify(events)]) expect(text).not.toContain('PRIVATE KEY');
  });

  it('reports a value that is not a service account key', async () => {
    const { gateway } = vertexGateway({ serviceAccountKey: secret.value('{"type":"authorized_user"}') });

    const error = await failure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toMatch(/credentials.serviceAccountKey is not a service account key/);
    expect(google.requests).toHaveLength(0);
  });

  it('tells the user to install google-auth-library when it is missing', async () => {
    const { json, publicKey } = serviceAccountKey();
    setGoogleAuthLoader(() =>
      Promise.reject(Object.assign(new Error("Cannot find package 'google-auth-library' imported from tollgate"), { code: 'ERR_MODULE_NOT_FOUND' })),
    );
    const { gateway, events } = vertexGateway({ serviceAccountKey: secret.value(json) });

    const error = await failure(gateway.chat({ workspace: 'team-a', model: MODEL, messages }));

    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(error).toMatchObject({ code: 'credentials_unavailable', integration: 'vertex', source: 'credentials.serviceAccountKey' });
    expect((error as Error).message).toContain("needs the optional peer dependency 'google-auth-library'");
    expect((error as Error).message).toContain('npm install google-auth-library');
    expect(google.requests).toHaveLength(0);
    expect(events[0]).toMatchObject({ status: 'error', errorCode: 'credentials_unavailable' });

    // Once the library loads, the same integration works: the failure is not cached.
    setGoogleAuthLoader(null);
    google.respond(TOKEN_URL, tokenEndpoint(publicKey));
    google.respond(URL_FLASH, ok);
    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });
    expect(res.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    expect(google.to(TOKEN_URL)).toHaveLength(1);
  });
});

describe('Vertex AI adapter: configuration', () => {
  const base = { slug: 'vertex', provider: 'vertex-ai', project: PROJECT, workspaces: 'all' } as const;
  const issuesOf = (integration: Record<string, unknown>) => {
    try {
      createGateway({ integrations: [integration as never] });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  };

  it('needs exactly one of serviceAccountKey and accessToken', () => {
    const message = 'exactly one of serviceAccountKey or accessToken is required';
    expect(issuesOf({ ...base, credentials: {} })).toEqual([{ path: 'integrations[0].credentials', message }]);
    expect(issuesOf({ ...base, credentials: { accessToken: secret.value('a'), serviceAccountKey: secret.value('{}') } })).toEqual([
      { path: 'integrations[0].credentials', message },
    ]);
  });

  it('rejects a location that is not one (it becomes part of the host name)', () => {
    expect(issuesOf({ ...base, location: 'evil.example.com/x', credentials: { accessToken: secret.value('a') } })).toEqual([
      { path: 'integrations[0].location', message: "must be a Vertex AI location (e.g. 'us-central1' or 'global')" },
    ]);
  });
});
