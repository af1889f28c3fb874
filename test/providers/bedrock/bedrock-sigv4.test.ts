// npm test: SigV4 signatures computed alone; milliseconds.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signAwsRequest } from '../../../src/providers/bedrock/sign-aws-request.js';

/**
 * AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite, as shipped with
 * aws-c-auth and the AWS SDKs): credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
 * service `service`, region `us-east-1`, signed at 20150830T123600Z. The helper under test is the
 * one every Bedrock and STS request goes through.
 */
const options = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  date: new Date('2015-08-30T12:36:00Z'),
};

describe('SigV4 signing, against the AWS test suite', () => {
  it('get-vanilla', async () => {
    const headers = await signAwsRequest({ method: 'GET', url: 'https://example.amazonaws.com/', headers: {} }, options);

    expect(headers).toEqual({
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    });
  });

  it('get-vanilla-query-order-key-case', async () => {
    const headers = await signAwsRequest({ method: 'GET', url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1', headers: {} }, options);

    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    );
  });

  it('post-x-www-form-urlencoded (a signed body, as STS AssumeRole sends)', async () => {
    const headers = await signAwsRequest(
      { method: 'POST', url: 'https://example.amazonaws.com/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1' },
      options,
    );

    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    );
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('adds and signs x-amz-security-token for temporary credentials, and never returns the host or the secret', async () => {
    const headers = await signAwsRequest(
      { method: 'GET', url: 'https://example.amazonaws.com/', headers: {} },
      { ...options, credentials: { ...options.credentials, sessionToken: 'AQoDYXdzEXAMPLEsessiontoken' } },
    );

    expect(headers['x-amz-security-token']).toBe('AQoDYXdzEXAMPLEsessiontoken');
    expect(headers.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token,');
    expect(headers).not.toHaveProperty('host');
    expect(JSON.stringify(headers)).not.toContain(options.credentials.secretAccessKey);
  });

  it('signs a Bedrock model path encoded twice, as AWS expects of every service but S3', async () => {
    const url = 'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse';
    const signed = await signAwsRequest({ method: 'POST', url, headers: {}, body: '{}' }, { ...options, service: 'bedrock' });

    // An independent computation of the signature (SigV4 by the book, with node:crypto), for the
    // canonical URI `...v1%253A0/converse`: the path as sent (`%3A`), URI-encoded once more.
    const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
    const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
    const canonical = [
      'POST',
      '/model/anthropic.claude-3-5-haiku-20241022-v1%253A0/converse',
      '',
      'host:bedrock-runtime.us-east-1.amazonaws.com',
      'x-amz-date:20150830T123600Z',
      '',
      'host;x-amz-date',
      sha256('{}'),
    ].join('\n');
    const scope = '20150830/us-east-1/bedrock/aws4_request';
    const toSign = ['AWS4-HMAC-SHA256', '20150830T123600Z', scope, sha256(canonical)].join('\n');
    let key = hmac(`AWS4${options.credentials.secretAccessKey}`, '20150830');
    for (const part of ['us-east-1', 'bedrock', 'aws4_request']) key = hmac(key, part);
    const signature = createHmac('sha256', key).update(toSign).digest('hex');

    expect(signed.authorization).toBe(`AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}`);
  });
});
