import { readFileSync } from 'node:fs';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createGateway, secret, type GatewayConfig, type UsageEvent } from '../../src/index.js';

/**
 * A fake Bedrock Runtime (and STS) for adapter tests: an msw server intercepting the real AWS
 * endpoints, replaying recorded-style payloads from `test/fixtures/bedrock/`, recording every
 * request it receives and answering the n-th request to a URL with the n-th responder given.
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

const FIXTURES = new URL('../fixtures/bedrock/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

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

export interface CapturedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** The body exactly as sent. */
  text: string;
  /** The body as JSON (Bedrock) or form parameters (STS). */
  body: Record<string, unknown>;
}

export type Responder = (ctx: { request: Request; attempt: number }) => Response | Promise<Response>;

/** Headers Bedrock Runtime puts on every answer. */
export function bedrockHeaders(requestId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-amzn-requestid': requestId, date: 'Sun, 01 Mar 2026 12:00:00 GMT', ...extra };
}

export function jsonResponse(body: unknown, init: { status?: number; requestId?: string; errorType?: string; headers?: Record<string, string> } = {}): Response {
  const extra: Record<string, string> = { ...init.headers };
  if (init.errorType) extra['x-amzn-errortype'] = `${init.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`;
  return HttpResponse.json(body as Record<string, unknown>, {
    status: init.status ?? 200,
    headers: bedrockHeaders(init.requestId ?? 'b6f3a1c2-7d4e-4f8a-9b0c-1d2e3f4a5b6c', extra),
  });
}

export interface EventStreamOptions {
  requestId?: string;
  /** Keep the body open after the last frame (until the client cancels it). */
  hold?: boolean;
  onCancel?: () => void;
  /** Hands over the body's controller, e.g. to reset the connection at a chosen point. */
  control?: (controller: ReadableStreamDefaultController<Uint8Array>) => void;
}

/**
 * A ConverseStream answer carrying `frames`. Each frame is written in two network chunks, split
 * mid-frame, as TCP may deliver it; by default the body then closes.
 */
export function eventStreamResponse(frames: readonly Uint8Array[], options: EventStreamOptions = {}): Response {
  const pieces = frames.flatMap((frame) => {
    const cut = Math.floor(frame.length / 2);
    return [frame.subarray(0, cut), frame.subarray(cut)];
  });
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      options.control?.(controller);
    },
    pull(controller) {
      if (i < pieces.length) {
        controller.enqueue(pieces[i++]!);
        return;
      }
      if (!options.hold) controller.close();
      else return new Promise<void>(() => {});
    },
    cancel() {
      options.onCancel?.();
    },
  });
  return new HttpResponse(body, {
    status: 200,
    headers: { 'content-type': 'application/vnd.amazon.eventstream', ...bedrockHeaders(options.requestId ?? 'e2a9c4f1-3b5d-4c7e-8f9a-0b1c2d3e4f5a') },
  });
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

/** Starts the msw server for the file's tests: strict about unhandled requests, reset after each test. */
export function setupBedrockServer() {
  const server = setupServer();
  const requests: CapturedRequest[] = [];

  beforeAll(() => {
    server.listen({ onUnhandledRequest: 'error' });
    // Leave the client as the only reader of a mocked body, as on a real connection.
    server.events.on('response:mocked', ({ response }) => {
      void response.body?.cancel().catch(() => {});
    });
  });
  afterEach(() => {
    server.resetHandlers();
    requests.length = 0;
  });
  afterAll(() => server.close());

  /** The n-th request to `url` gets the n-th responder; the last one answers every request after it. */
  function respond(url: string, ...responders: Responder[]): void {
    let attempts = 0;
    server.use(
      http.post(url, async ({ request }) => {
        const text = await request.clone().text();
        const headers: Record<string, string> = {};
        request.headers.forEach((value, name) => {
          headers[name] = value;
        });
        const isForm = (request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
        const body = isForm ? Object.fromEntries(new URLSearchParams(text)) : text ? (JSON.parse(text) as Record<string, unknown>) : {};
        requests.push({ url: request.url, method: request.method, headers, text, body });
        attempts++;
        return responders[Math.min(attempts, responders.length) - 1]!({ request, attempt: attempts });
      }),
    );
  }

  /** The requests received at `url`. */
  const to = (url: string) => requests.filter((r) => r.url === url);

  return { server, requests, respond, to };
}

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
  const events: UsageEvent[] = [];
  const gateway = createGateway({
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
  gateway.on('usage', (event) => events.push(event));
  return { gateway, events };
}

/** Reassembles streamed tool-call deltas the way an OpenAI client does. */
export function collectToolCalls(chunks: ReadonlyArray<{ choices: Array<{ delta: { tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> } }> }>) {
  const calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      for (const delta of choice.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.function.name += delta.function.name;
        if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
      }
    }
  }
  return calls;
}
