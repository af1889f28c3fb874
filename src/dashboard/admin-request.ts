import type { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { toConfigIssues } from '../errors/format-issues.js';
import { GatewayError } from '../errors/gateway-error.js';
import { KeyNotFoundError, KeyRevokedError } from '../errors/access-errors.js';
import { assertNesting } from '../gateway/request-depth.js';

/** An admin API answer: its status and JSON body. */
export interface AdminAnswer {
  status: number;
  body: unknown;
}

/** An admin API refusal, answered as `{ error: { code, message, issues? } }`. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

/** A body larger than this is refused (413) as it streams in: an admin change is a few kilobytes. */
const MAX_BODY_BYTES = 1_000_000;

/**
 * The checks a mutation passes before anything is read (CSRF): its body is declared JSON, which
 * no HTML form can send without a CORS preflight; an `Origin`, when the browser sends one, is the
 * request's own; and a browser that says the request is cross-site is refused.
 */
export function assertSameOriginJson(request: Request, url: URL): void {
  const type = request.headers.get('content-type')?.split(';', 1)[0]!.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new AdminError(403, 'forbidden', 'A change must be sent with `Content-Type: application/json` (a cross-site form cannot).');
  }
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== url.origin) throw new AdminError(403, 'forbidden', `A change must come from this origin (${url.origin}), not ${origin === 'null' ? 'an opaque one' : origin}.`);
  if (request.headers.get('sec-fetch-site') === 'cross-site') throw new AdminError(403, 'forbidden', 'A change cannot come from another site.');
}

/** The request's JSON body, validated by `schema`; a mutation without a body is an empty object. */
export async function readBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.output<T>> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  let text = '';
  if (request.body) {
    const decoder = new TextDecoder();
    let size = 0;
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) throw tooLarge();
      text += decoder.decode(chunk, { stream: true });
    }
    text += decoder.decode();
  }
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new AdminError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
  }
  return validate(schema, value, 'body');
}

/** `value` checked by `schema` (and for depth: the work on it stays bounded), or a 400 naming each field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query'): z.output<T> {
  try {
    assertNesting(value);
  } catch (error) {
    throw fromGatewayError(error as GatewayError);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = toConfigIssues(parsed.error);
    throw new AdminError(400, 'invalid_request', `Invalid ${where === 'body' ? 'request body' : 'query'}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, issues);
  }
  return parsed.data;
}

const tooLarge = () => new AdminError(413, 'request_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);

/**
 * A gateway error as the admin API answers it: a change the gateway refused as invalid is the
 * caller's mistake (400, with its issues); an unknown or revoked key is a 404 here (a 401 is what
 * a call with it gets); any other keeps its class's status and code. Null for an error that is not
 * the gateway's (a 500, reported).
 */
export function fromGatewayError(error: unknown): AdminError | null {
  if (error instanceof AdminError) return error;
  if (!GatewayError.isInstance(error)) return null;
  if (ConfigError.isInstance(error)) return new AdminError(400, 'invalid_request', error.message, error.issues);
  if (KeyNotFoundError.isInstance(error) || KeyRevokedError.isInstance(error)) return new AdminError(404, 'key_not_found', error.message);
  const issues = (error as { issues?: Array<{ path: string; message: string }> }).issues;
  return new AdminError(error.status, error.code, error.message, issues);
}
