import { ProviderError } from '../../errors/provider-error.js';
import { isRetryableStatus } from '../shared/is-retryable-status.js';
import { parseRetryAfter } from '../../util/retry-after.js';
import { signAwsRequest, type AwsCredentials } from './sign-aws-request.js';

/** Temporary credentials of an assumed role; `expiration` in ms since the epoch. */
export interface TemporaryCredentials extends Required<AwsCredentials> {
  expiration: number;
}

export interface AssumeRoleOptions {
  /** Name reported in errors (`bedrock`). */
  provider: string;
  fetch: typeof globalThis.fetch;
  /** STS endpoint URL, e.g. `https://sts.us-east-1.amazonaws.com/`. */
  endpoint: string;
  /** Signing region: the region of the STS endpoint. */
  region: string;
  /** The keys that assume the role. */
  credentials: AwsCredentials;
  roleArn: string;
  roleSessionName: string;
  externalId?: string;
  /** Lifetime asked for the temporary credentials, in seconds (900 to the role's maximum). */
  durationSeconds: number;
  /**
   * How long to wait for STS. The call has no caller signal: it may be shared by every call
   * waiting for the role's credentials, and one caller's abort must not fail the others.
   */
  timeoutMs: number;
}

/** STS error codes worth retrying although their status is 400 (`Throttling`). */
const RETRYABLE_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'IDPCommunicationError']);

/**
 * Calls STS AssumeRole (Query API, `Version=2011-06-15`), SigV4-signed for `sts`, and reads the
 * temporary credentials from its XML answer.
 *
 * Failures are `ProviderError`s, so that the gateway retries what is transient (throttling,
 * 5xx, network) and reports the rest with STS's own code (`type: 'AccessDenied'`...). Their
 * `status` is 502 whatever STS answered: a 403 from STS means the integration's role is
 * misconfigured, not that the caller was refused. `upstreamStatus` keeps STS's status.
 */
export async function assumeRole(options: AssumeRoleOptions): Promise<TemporaryCredentials> {
  const { provider, roleArn } = options;
  const params = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: options.roleSessionName,
    DurationSeconds: String(options.durationSeconds),
  });
  if (options.externalId) params.set('ExternalId', options.externalId);
  const body = params.toString();
  const headers = await signAwsRequest(
    { method: 'POST', url: options.endpoint, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'text/xml' }, body },
    { credentials: options.credentials, region: options.region, service: 'sts' },
  );
  const fail = (message: string, fields: Partial<ConstructorParameters<typeof ProviderError>[0]> = {}) =>
    new ProviderError({
      provider,
      message: `STS AssumeRole of ${roleArn} failed: ${message}`,
      upstreamStatus: null,
      status: 502,
      isRetryable: true,
      ...fields,
    });

  let response: Response;
  let text: string;
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    response = await options.fetch(options.endpoint, { method: 'POST', headers, body, signal });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw fail(`timeout: no answer within ${options.timeoutMs} ms`, { status: 504, cause: error });
    const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw fail(`network error: ${detail}`, { cause: error });
  }
  const requestId = response.headers.get('x-amzn-requestid') ?? xmlValue(text, 'RequestId');

  if (!response.ok) {
    const code = xmlValue(text, 'Code');
    const message = xmlValue(text, 'Message');
    throw fail(`${code ?? `HTTP ${response.status}`}${message ? `: ${message}` : ''}`, {
      upstreamStatus: response.status,
      isRetryable: isRetryableStatus(response.status, response.headers) || (code !== null && RETRYABLE_CODES.has(code)),
      retryAfterMs: parseRetryAfter(response.headers),
      type: code,
      body: { Code: code, Message: message },
      requestId,
    });
  }

  const credentials = xmlValue(text, 'Credentials');
  const accessKeyId = credentials && xmlValue(credentials, 'AccessKeyId');
  const secretAccessKey = credentials && xmlValue(credentials, 'SecretAccessKey');
  const sessionToken = credentials && xmlValue(credentials, 'SessionToken');
  const expiration = credentials && Date.parse(xmlValue(credentials, 'Expiration') ?? '');
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration || Number.isNaN(expiration)) {
    throw fail('malformed response: no Credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration) in the answer', {
      upstreamStatus: response.status,
      requestId,
    });
  }
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

/** The trimmed, entity-decoded text of the first `<name>` element (STS answers are flat and namespace-free). */
function xmlValue(xml: string, name: string): string | null {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  if (!match) return null;
  return decodeEntities(match[1]!.trim());
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower]!;
  });
}
