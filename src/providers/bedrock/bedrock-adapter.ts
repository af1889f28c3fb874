import { redactProviderError } from '../../secrets/redact-secrets.js';
import { ProviderError } from '../../errors/provider-error.js';
import type { AdapterSettings } from '../provider-definition.js';
import { errorFromResponse, networkError } from '../shared/provider-fetch.js';
import { providerStream } from '../shared/provider-stream.js';
import { readJsonBody } from '../shared/read-json.js';
import { firstIssue, malformedResponse, type ResponseContext } from '../shared/response-errors.js';
import type { ChatAdapter, EmbeddingCall, EmbeddingResult, ProviderCall, ProviderResult, ProviderStream } from '../spec.js';
import { assumeRole } from './assume-role.js';
import { converseResponseParser } from './bedrock-api.js';
import { convertBedrockResponse } from './convert-bedrock-response.js';
import { convertBedrockStream } from './convert-bedrock-stream.js';
import { convertToBedrockConverse } from './convert-to-bedrock-converse.js';
import { embedWithBedrock } from './embed-with-bedrock.js';
import { readAwsEventStream } from './read-aws-event-stream.js';
import { readBedrockError } from './read-bedrock-error.js';
import { RoleCredentialsCache } from './role-credentials-cache.js';
import { signAwsRequest, type AwsCredentials } from './sign-aws-request.js';

const PROVIDER = 'bedrock';
const REQUEST_ID_HEADER = 'x-amzn-requestid';
/** Lifetime asked for assumed-role credentials: one hour, the default of STS and of most roles. */
const ROLE_DURATION_SECONDS = 3600;
const STS_TIMEOUT_MS = 30_000;

export interface BedrockAdapterOptions {
  /** Clock of the assumed-role credentials cache (ms). Default `Date.now`: a seam for tests. */
  clock?: () => number;
}

type AttemptCall = ProviderCall | EmbeddingCall;

/**
 * The Bedrock Runtime adapter: Converse and ConverseStream for chat, InvokeModel for embeddings.
 * Every request is signed with SigV4 (service `bedrock`) by the integration's keys, or by the
 * temporary credentials of `credentials.roleArn` (STS AssumeRole, cached and refreshed).
 */
export function createBedrockAdapter(settings: AdapterSettings, options: BedrockAdapterOptions = {}): ChatAdapter {
  const roles = new RoleCredentialsCache({ clock: options.clock });
  const baseURL = settings.baseURL?.replace(/\/+$/, '');
  const stsEndpoint = typeof settings.stsEndpoint === 'string' ? settings.stsEndpoint : undefined;
  const runtimeURL = (region: string) => baseURL ?? `https://bedrock-runtime.${region}.amazonaws.com`;

  /** The credentials that sign a call: the integration's keys, or the role they assume. */
  async function signingCredentials(call: AttemptCall): Promise<AwsCredentials> {
    const c = call.credentials;
    const base: AwsCredentials = { accessKeyId: c.accessKeyId!, secretAccessKey: c.secretAccessKey!, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
    if (!c.roleArn) return base;
    const region = c.region!;
    const endpoint = stsEndpoint ?? `https://sts.${region}.amazonaws.com/`;
    const roleSessionName = c.roleSessionName ?? defaultSessionName(settings.slug);
    const key = RoleCredentialsCache.key([base.accessKeyId, base.secretAccessKey, base.sessionToken, region, endpoint, c.roleArn, c.externalId, roleSessionName]);
    return roles.get(
      key,
      () =>
        assumeRole({
          provider: PROVIDER,
          fetch: call.fetch,
          endpoint,
          // The global endpoint signs for us-east-1; regional and VPC endpoints for their region.
          region: new URL(endpoint).hostname === 'sts.amazonaws.com' ? 'us-east-1' : region,
          credentials: base,
          roleArn: c.roleArn!,
          roleSessionName,
          externalId: c.externalId,
          durationSeconds: ROLE_DURATION_SECONDS,
          timeoutMs: STS_TIMEOUT_MS,
        }),
      call.signal,
    );
  }

  /** Signs and POSTs a JSON body to `/model/{modelId}/{action}`; non-2xx answers become ProviderErrors. */
  async function send(call: AttemptCall, action: 'converse' | 'converse-stream' | 'invoke', body: unknown, accept: string): Promise<Response> {
    const region = call.credentials.region!;
    const url = `${runtimeURL(region)}/model/${encodeURIComponent(call.body.model)}/${action}`;
    const payload = JSON.stringify(body);
    const credentials = await signingCredentials(call);
    const headers = await signAwsRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json', accept }, body: payload },
      { credentials, region, service: 'bedrock' },
    );
    // The gateway removes the integration's own keys from errors; an assumed role's temporary
    // keys are known only here, so they are removed here.
    const scrub = (error: ProviderError) =>
      credentials.accessKeyId === call.credentials.accessKeyId
        ? error
        : redactProviderError(error, [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? '']);
    let response: Response;
    try {
      response = await call.fetch(url, { method: 'POST', headers, body: payload, signal: call.signal });
    } catch (error) {
      if (call.signal.aborted) throw call.signal.reason;
      throw scrub(networkError(PROVIDER, error));
    }
    if (response.ok) return response;
    throw scrub(await errorFromResponse(PROVIDER, response, readBedrockError(response.headers), REQUEST_ID_HEADER));
  }

  const answerOf = (response: Response): ResponseContext => ({ provider: PROVIDER, status: response.status, requestId: response.headers.get(REQUEST_ID_HEADER) });

  return {
    provider: PROVIDER,

    async chat(call: ProviderCall): Promise<ProviderResult> {
      const request = convertToBedrockConverse(call.body, (message) => call.warn(message));
      const response = await send(call, 'converse', request, 'application/json');
      const ctx = answerOf(response);
      const parsed = converseResponseParser.safeParse(await readJsonBody(response, call.signal, ctx));
      if (!parsed.success) throw malformedResponse(ctx, `the response is not a Converse answer (${firstIssue(parsed.error)})`);
      const { completion, usage, finishReason } = convertBedrockResponse(parsed.data, call.body.model, ctx.requestId, (message) => call.warn(message));
      return { completion, usage, finishReason, providerRequestId: ctx.requestId };
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const request = convertToBedrockConverse(call.body, (message) => call.warn(message));
      const response = await send(call, 'converse-stream', request, 'application/vnd.amazon.eventstream');
      const ctx = answerOf(response);
      if (!response.body) throw malformedResponse(ctx, 'the stream has no body');
      const parts = convertBedrockStream(readAwsEventStream(response.body, call.signal), {
        ...ctx,
        model: call.body.model,
        includeUsage: call.body.stream_options?.include_usage === true,
        signal: call.signal,
        warn: (message) => call.warn(message),
      });
      return providerStream(parts, ctx.requestId);
    },

    async embed(call: EmbeddingCall): Promise<EmbeddingResult> {
      return embedWithBedrock(
        call,
        async (body) => {
          const response = await send(call, 'invoke', body, 'application/json');
          const ctx = answerOf(response);
          return { ...ctx, json: await readJsonBody(response, call.signal, ctx), headers: response.headers };
        },
        PROVIDER,
      );
    },
  };
}

/** RoleSessionName allows `[\w+=,.@-]`, 2 to 64 characters. */
function defaultSessionName(slug: string): string {
  return `tollgate-${slug}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}
