import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { HttpResponse } from 'msw';
import { secret, type GatewayConfig } from '../../src/index.js';
import { fixtureReader } from './fixture-reader.js';
import { gatewayWithEvents } from './mock-gateway.js';
import { providerJson, providerStream, setupProviderServer, type StreamOptions } from './provider-server.js';

/**
 * A fake Bedrock Runtime (and STS) for adapter tests: the real AWS endpoints, intercepted, replaying
 * recorded-style payloads from `test/fixtures/bedrock/` in AWS's formats: JSON, event stream
 * frames (encoded with the AWS codec), STS XML. The server itself: `provider-server.ts`.
 */

export const REGION = 'us-east-1';
export const RUNTIME_URL = `https://bedrock-runtime.${REGION}.amazonaws.com`;
export const STS_URL = `https://sts.${REGION}.amazonaws.com/`;
export const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';
export const MODEL = `@bedrock-prod/${MODEL_ID}`;
export const converseUrl = (model = MODEL_ID) => `${RUNTIME_URL}/model/${encodeURIComponent(model)}/converse`;
export const converseStreamUrl = (model = MODEL_ID) => `${RUNTIME_URL}/model/${encodeURIComponent(model)}/converse-stream`;
export const invokeUrl = (model: string) => `${RUNTIME_URL}/model/${encodeURIComponent(model)}/invoke`;

/** AWS's documented example keys (the SigV4 test suite's): not real credentials. */
export const ACCESS_KEY_ID = 'AKIDEXAMPLE';
export const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/bedrock-invoke';

export const { fixtureText, fixtureJson } = fixtureReader(new URL('../fixtures/bedrock/', import.meta.url));

export interface RecordedEvent {
  event: string;
  payload: Record<string, unknown>;
}

export interface RecordedException {
  exception: string;
  payload: Record<string, unknown>;
}

/** The events of a `.events.json` fixture. */
export const streamEvents = (name: string) => fixtureJson<RecordedEvent[]>(name);
export const streamException = (type: string) => fixtureJson<RecordedException[]>('bedrock-stream-exceptions.json').find((e) => e.exception === type)!;

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });

/** One `application/vnd.amazon.eventstream` frame of a ConverseStream event, headers in Bedrock's order. */
export function eventFrame({ event, payload }: RecordedEvent): Uint8Array {
  return rawEventFrame(event, JSON.stringify(payload));
}

/** An event frame with any payload text (valid CRCs, whatever the payload). */
export function rawEventFrame(event: string, payload: string): Uint8Array {
  return codec.encode({
    headers: { ':event-type': str(event), ':content-type': str('application/json'), ':message-type': str('event') },
    body: fromUtf8(payload),
  });
}

/** A frame of an exception sent inside a 200 stream (`:message-type: exception`). */
export function exceptionFrame({ exception, payload }: RecordedException): Uint8Array {
  return codec.encode({
    headers: { ':exception-type': str(exception), ':content-type': str('application/json'), ':message-type': str('exception') },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** The frames of `bedrock-stream.frames.b64.txt`: recorded binary frames, one base64 line each. */
export function recordedFrames(): Uint8Array[] {
  return fixtureText('bedrock-stream.frames.b64.txt')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => new Uint8Array(Buffer.from(line, 'base64')));
}

export const streamFrames = (name: string) => streamEvents(name).map(eventFrame);

/** Headers Bedrock Runtime puts on every answer. */
export function bedrockHeaders(requestId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-amzn-requestid': requestId, date: 'Sun, 01 Mar 2026 12:00:00 GMT', ...extra };
}

export function jsonResponse(body: unknown, init: { status?: number; requestId?: string; errorType?: string; headers?: Record<string, string> } = {}): Response {
  const extra: Record<string, string> = { ...init.headers };
  if (init.errorType) extra['x-amzn-errortype'] = `${init.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`;
  return providerJson(body, init.status ?? 200, bedrockHeaders(init.requestId ?? 'b6f3a1c2-7d4e-4f8a-9b0c-1d2e3f4a5b6c', extra));
}

/** A ConverseStream answer carrying `frames`, split as `providerStream` does. */
export function eventStreamResponse(frames: readonly Uint8Array[], options: StreamOptions & { requestId?: string } = {}): Response {
  return providerStream(
    frames,
    { 'content-type': 'application/vnd.amazon.eventstream', ...bedrockHeaders(options.requestId ?? 'e2a9c4f1-3b5d-4c7e-8f9a-0b1c2d3e4f5a') },
    options,
  );
}

/** The temporary credentials of `sts-assume-role.xml` (serial '001'), or of a later AssumeRole. */
export function temporary(serial = '001') {
  return {
    accessKeyId: `ASIATESTTEMPORARY${serial}`,
    secretAccessKey: `tEmPoRaRy/SeCrEt+KeY/fOr/TeStS/0000000${serial}`,
    sessionToken: `IQoJb3JpZ2luX2VjEXAMPLEtEsTsEsSiOnToKeN0${serial}//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexampleTOKEN=`,
  };
}

/** STS's AssumeRole answer (recorded shape), with the expiration given and the keys of `serial`. */
export function stsResponse(expiration: Date | string, serial = '001'): Response {
  const iso = typeof expiration === 'string' ? expiration : expiration.toISOString().replace(/\.\d{3}Z$/, 'Z');
  let xml = fixtureText('sts-assume-role.xml').replace(/<Expiration>[^<]*<\/Expiration>/, `<Expiration>${iso}</Expiration>`);
  const [recorded, wanted] = [temporary(), temporary(serial)];
  for (const name of ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const) xml = xml.replace(recorded[name], wanted[name]);
  return new HttpResponse(xml, { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'c6104cbe-af31-11e0-8154-cbc7ccf896c7' } });
}

/** The fake server (`respond(url, ...)`: Bedrock Runtime and STS have several endpoints). */
export const setupBedrockServer = setupProviderServer;

export interface TestGatewayOptions {
  retry?: GatewayConfig['retry'];
  roleArn?: string;
  externalId?: string;
  sessionToken?: string;
  baseURL?: string;
  pricing?: Record<string, { input: number; output: number; cachedInput?: number; cacheWrite?: number }>;
  budgets?: Array<{ type: 'cost' | 'tokens'; limit: number }>;
}

/** The gateway of the adapter tests (integration `bedrock-prod`), with a listener collecting its usage events. */
export function createTestGateway(options: TestGatewayOptions = {}) {
  return gatewayWithEvents({
    integrations: [
      {
        slug: 'bedrock-prod',
        provider: 'bedrock',
        ...(options.baseURL ? { baseURL: options.baseURL } : {}),
        credentials: {
          accessKeyId: secret.value(ACCESS_KEY_ID),
          secretAccessKey: secret.value(SECRET_ACCESS_KEY),
          ...(options.sessionToken ? { sessionToken: secret.value(options.sessionToken) } : {}),
          region: REGION,
          ...(options.roleArn ? { roleArn: options.roleArn } : {}),
          ...(options.externalId ? { externalId: options.externalId } : {}),
        },
        ...(options.pricing ? { pricing: options.pricing } : {}),
        workspaces: { 'team-a': { budgets: options.budgets ?? [] } },
      },
    ],
    retry: options.retry ?? { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
  });
}
