import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials as SigV4 takes them: long-term keys, or temporary ones with their session token. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The exact bytes that will be sent: the payload hash is part of the signature. */
  body?: string;
}

export interface SigningOptions {
  credentials: AwsCredentials;
  region: string;
  /** Signing name of the service: `bedrock` for Bedrock Runtime, `sts` for STS. */
  service: string;
  /** Signing time. Default: now. */
  date?: Date;
}

/**
 * Signs a request with AWS Signature Version 4 (`Authorization: AWS4-HMAC-SHA256 ...`,
 * `x-amz-date`, and `x-amz-security-token` for temporary credentials) and returns the headers to
 * send. The `host` header is signed but not returned: fetch derives it from the URL, identically.
 *
 * No `x-amz-content-sha256` header is added (only S3 requires it): the payload hash is still
 * signed, inside the canonical request. Paths are URI-encoded once more for the canonical request,
 * as every service but S3 expects, so a model id sent as `...v1%3A0` is signed as `...v1%253A0`.
 */
export async function signAwsRequest(request: AwsRequest, options: SigningOptions): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = url.host;
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const { sessionToken } = options.credentials;
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: {
      accessKeyId: options.credentials.accessKeyId,
      secretAccessKey: options.credentials.secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    { signingDate: options.date ?? new Date() },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) if (name !== 'host') out[name] = value;
  return out;
}
