// npm test: STS and Bedrock replayed by msw, credential expiry on an injected clock; milliseconds.
import { HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ProviderError, type ChatMessage, type ProviderCall } from '../../../src/index.js';
import { createBedrockAdapter } from '../../../src/providers/bedrock/bedrock-adapter.js';
import {
  ACCESS_KEY_ID,
  MODEL,
  MODEL_ID,
  REGION,
  ROLE_ARN,
  SECRET_ACCESS_KEY,
  STS_URL,
  converseUrl,
  createTestGateway,
  fixtureJson,
  fixtureText,
  jsonResponse,
  setupBedrockServer,
  stsResponse,
  temporary,
} from '../../helpers/bedrock-server.js';
import { fetchTransport } from '../../../src/providers/transport/fetch-transport.js';

const bedrock = setupBedrockServer();
const keyOfLastCall = () => credentialScope(bedrock.to(converseUrl()).at(-1)!.headers.authorization).keyId;

const messages: ChatMessage[] = [{ role: 'user', content: 'Hello' }];
const ok = () => jsonResponse(fixtureJson('bedrock-converse.json'));
const inOneHour = () => new Date(Date.now() + 3_600_000);

/** One attempt as the gateway hands it to the adapter, with the integration's resolved credentials. */
const call = (): ProviderCall => ({
  body: { model: MODEL_ID, messages },
  credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, region: REGION, roleArn: ROLE_ARN },
  signal: new AbortController().signal,
  fetch: (input, init) => globalThis.fetch(input, init),
  transport: fetchTransport((input, init) => globalThis.fetch(input, init)),
  attempt: 1,
  warn: () => {},
});

/** `Credential=<key id>/<date>/<region>/<service>/aws4_request` of an Authorization header. */
function credentialScope(authorization: string | undefined): { keyId: string; region: string; service: string } {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, /.exec(authorization ?? '');
  expect(match).not.toBeNull();
  return { keyId: match![1]!, region: match![2]!, service: match![3]! };
}

describe('Bedrock adapter: AssumeRole (credentials.roleArn)', () => {
  it('assumes the role with a signed STS request, signs Bedrock calls with the temporary credentials, and reuses them', async () => {
    bedrock.respond(STS_URL, () => stsResponse(inOneHour()));
    bedrock.respond(converseUrl(), ok);
    const { gateway, events } = createTestGateway({ roleArn: ROLE_ARN, externalId: 'tollgate-external-7c1e' });

    const first = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    const [sts] = bedrock.to(STS_URL);
    expect(sts).toBeDefined();
    expect(sts!.method).toBe('POST');
    expect(sts!.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(sts!.body).toEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: ROLE_ARN,
      RoleSessionName: 'tollgate-bedrock-prod',
      DurationSeconds: '3600',
      ExternalId: 'tollgate-external-7c1e',
    });
    // Signed for STS by the integration's own keys.
    expect(credentialScope(sts!.headers.authorization)).toEqual({ keyId: ACCESS_KEY_ID, region: REGION, service: 'sts' });
    expect(sts!.headers.authorization).toContain('SignedHeaders=accept;content-type;host;x-amz-date,');
    expect(sts!.headers).not.toHaveProperty('x-amz-security-token');

    // The Bedrock call is signed by the assumed role.
    const [call] = bedrock.to(converseUrl());
    expect(credentialScope(call!.headers.authorization)).toEqual({ keyId: temporary().accessKeyId, region: REGION, service: 'bedrock' });
    expect(call!.headers['x-amz-security-token']).toBe(temporary().sessionToken);
    expect(call!.headers.authorization).toContain('SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token,');
    expect(first.choices[0]!.message.content).toBe('Hello! How can I help you today?');

    // A second call reuses the cached credentials.
    await gateway.chat({ workspace: 'team-a', model: MODEL, messages });
    expect(bedrock.to(STS_URL)).toHaveLength(1);
    expect(bedrock.to(converseUrl())).toHaveLength(2);
    expect(bedrock.to(converseUrl())[1]!.headers['x-amz-security-token']).toBe(temporary().sessionToken);

    // No secret (base or temporary) ever leaves in a request header or an event.
    const everything = JSON.stringify({ requests: bedrock.requests.map((r) => r.headers), events });
    for (const secretValue of [SECRET_ACCESS_KEY, temporary().secretAccessKey]) expect(everything).not.toContain(secretValue);
  });

  it('shares one AssumeRole between concurrent calls', async () => {
    bedrock.respond(STS_URL, () => stsResponse(inOneHour()));
    bedrock.respond(converseUrl(), ok);
    const { gateway } = createTestGateway({ roleArn: ROLE_ARN });

    await Promise.all(Array.from({ length: 5 }, () => gateway.chat({ workspace: 'team-a', model: MODEL, messages })));

    expect(bedrock.to(STS_URL)).toHaveLength(1);
    expect(bedrock.to(converseUrl())).toHaveLength(5);
  });

  it('refreshes the credentials 5 minutes before they expire, not before (injected clock)', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    bedrock.respond(
      STS_URL,
      () => stsResponse('2026-03-01T13:00:00Z', '001'),
      () => stsResponse('2026-03-01T14:00:00Z', '002'),
    );
    bedrock.respond(converseUrl(), ok);
    const adapter = createBedrockAdapter({ slug: 'bedrock-prod', provider: 'bedrock', headers: {}, defaultMaxOutputTokens: 4096 }, { clock: () => now });

    await adapter.chat(call());
    expect(bedrock.to(STS_URL)).toHaveLength(1);
    expect(keyOfLastCall()).toBe(temporary('001').accessKeyId);

    now = Date.parse('2026-03-01T12:54:59Z'); // 5 min 1 s before expiry: still fresh.
    await adapter.chat(call());
    expect(bedrock.to(STS_URL)).toHaveLength(1);
    expect(keyOfLastCall()).toBe(temporary('001').accessKeyId);

    now = Date.parse('2026-03-01T12:55:30Z'); // Inside the 5-minute margin: refreshed before use.
    await adapter.chat(call());
    expect(bedrock.to(STS_URL)).toHaveLength(2);
    expect(keyOfLastCall()).toBe(temporary('002').accessKeyId);
    expect(bedrock.to(converseUrl()).at(-1)!.headers['x-amz-security-token']).toBe(temporary('002').sessionToken);

    now = Date.parse('2026-03-01T13:30:00Z');
    await adapter.chat(call());
    expect(bedrock.to(STS_URL)).toHaveLength(2);
    expect(keyOfLastCall()).toBe(temporary('002').accessKeyId);
  });

  it('keeps using still-valid credentials when an early refresh fails, and tries again on the next call', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    bedrock.respond(
      STS_URL,
      () => stsResponse('2026-03-01T13:00:00Z', '001'),
      () => new HttpResponse(fixtureText('sts-error-access-denied.xml').replace('AccessDenied', 'Throttling'), { status: 400 }),
      () => stsResponse('2026-03-01T14:00:00Z', '002'),
    );
    bedrock.respond(converseUrl(), ok);
    const adapter = createBedrockAdapter({ slug: 'bedrock-prod', provider: 'bedrock', headers: {}, defaultMaxOutputTokens: 4096 }, { clock: () => now });

    await adapter.chat(call());
    now = Date.parse('2026-03-01T12:57:00Z');
    await adapter.chat(call());
    expect(bedrock.to(STS_URL)).toHaveLength(2);
    expect(keyOfLastCall()).toBe(temporary('001').accessKeyId);

    await adapter.chat(call());
    expect(bedrock.to(STS_URL)).toHaveLength(3);
    expect(keyOfLastCall()).toBe(temporary('002').accessKeyId);
  });

  it('reports an STS AccessDenied as a non-retryable ProviderError (502) and never calls Bedrock', async () => {
    bedrock.respond(
      STS_URL,
      () => new HttpResponse(fixtureText('sts-error-access-denied.xml'), { status: 403, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': '4d0cf5ec-892a-4d3f-84e4-30e9987d9bdd' } }),
    );
    bedrock.respond(converseUrl(), ok);
    const { gateway, events } = createTestGateway({ roleArn: ROLE_ARN });

    const error = await gateway.chat({ workspace: 'team-a', model: MODEL, messages }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      provider: 'bedrock',
      status: 502,
      upstreamStatus: 403,
      isRetryable: false,
      type: 'AccessDenied',
      requestId: '4d0cf5ec-892a-4d3f-84e4-30e9987d9bdd',
    });
    expect((error as ProviderError).message).toBe(
      `bedrock: STS AssumeRole of ${ROLE_ARN} failed: AccessDenied: User: arn:aws:iam::123456789012:user/tollgate is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`,
    );
    expect(bedrock.to(STS_URL)).toHaveLength(1);
    expect(bedrock.to(converseUrl())).toHaveLength(0);
    expect(events[0]).toMatchObject({ status: 'error', httpStatus: 502, upstreamStatus: 403, errorCode: 'provider_error', retries: 0 });
  });

  it('retries a transient STS failure (500) like any provider error', async () => {
    bedrock.respond(
      STS_URL,
      () => new HttpResponse('<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>An internal error occurred.</Message></Error></ErrorResponse>', { status: 500 }),
      () => stsResponse(inOneHour()),
    );
    bedrock.respond(converseUrl(), ok);
    const { gateway } = createTestGateway({ roleArn: ROLE_ARN });

    const res = await gateway.chat({ workspace: 'team-a', model: MODEL, messages });

    expect(res.gateway.retries).toBe(1);
    expect(bedrock.to(STS_URL)).toHaveLength(2);
    expect(bedrock.to(converseUrl())).toHaveLength(1);
  });
});

describe('Bedrock adapter: redaction of assumed-role credentials', () => {
  it('keeps the temporary keys out of an error whose body echoes them', async () => {
    const keys = temporary();
    bedrock.respond(STS_URL, () => stsResponse(inOneHour()));
    bedrock.respond(converseUrl(), () =>
      HttpResponse.json(
        { message: `The security token included in the request is invalid: ${keys.sessionToken} / ${keys.secretAccessKey} (${keys.accessKeyId})` },
        { status: 400, headers: { 'x-amzn-errortype': 'UnrecognizedClientException' } },
      ),
    );
    const { gateway, events } = createTestGateway({ roleArn: ROLE_ARN });
    const error = await gateway.chat({ workspace: 'team-a', model: MODEL, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    const seen = [(error as Error).message, JSON.stringify(error), JSON.stringify(events)].join('\n');
    for (const secret of [keys.sessionToken, keys.secretAccessKey, keys.accessKeyId]) expect(seen).not.toContain(secret);
    expect(seen).toContain('[REDACTED]');
  });
});
