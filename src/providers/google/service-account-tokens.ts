import { ProviderError } from '../../errors/provider-error.js';
import { CredentialsUnavailableError } from '../../errors/runtime-errors.js';
import { untilAborted } from '../../util/until-aborted.js';
import type { AuthCall } from './gemini-fetch.js';
import { loadGoogleAuth, type GoogleAuthLibrary } from './load-google-auth.js';
import { createHash } from 'node:crypto';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** A token is renewed this long before it expires (google-auth-library's own eager refresh). */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** Google's access tokens last an hour; used when the answer gives no expiry. */
const DEFAULT_LIFETIME_MS = 60 * 60_000;
const SOURCE = 'credentials.serviceAccountKey';
/**
 * A token request is shared by every call waiting for it (each may stop waiting on its own
 * abort): a hung one must end, or no call of the integration would get a token.
 */
const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

type JwtClient = InstanceType<GoogleAuthLibrary['JWT']>;

/**
 * Access tokens minted from a service account key with `google-auth-library` (loaded on first
 * use), cached until shortly before they expire; concurrent calls share one request to Google's
 * token endpoint. A rotated key (a new value of the secret) starts over with a new client.
 */
export class ServiceAccountTokens {
  #fingerprint: string | null = null;
  #client: Promise<JwtClient> | null = null;
  #token: { value: string; expiresAt: number } | null = null;
  #pending: Promise<string> | null = null;

  constructor(
    private readonly integration: string,
    private readonly provider: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(keyJson: string, call: AuthCall): Promise<string> {
    const fingerprint = createHash('sha256').update(keyJson).digest('hex');
    if (fingerprint !== this.#fingerprint) {
      this.#fingerprint = fingerprint;
      this.#client = null;
      this.#token = null;
      this.#pending = null;
    }
    if (this.#token && this.#token.expiresAt - REFRESH_MARGIN_MS > this.now()) return this.#token.value;
    let pending = this.#pending;
    if (!pending) {
      const minting = this.#mint(keyJson, fingerprint, call.fetch);
      const clear = () => {
        if (this.#pending === minting) this.#pending = null;
      };
      minting.then(clear, clear);
      this.#pending = pending = minting;
    }
    return untilAborted(pending, call.signal);
  }

  /**
   * Forgets the cached token (Vertex refused it): the next call mints a new one, with a new
   * client, since the library keeps its own copy of the token.
   */
  invalidate(): void {
    this.#token = null;
    this.#client = null;
  }

  async #mint(keyJson: string, fingerprint: string, fetch: typeof globalThis.fetch): Promise<string> {
    const created = (this.#client ??= this.#createClient(keyJson, fetch));
    let client: JwtClient;
    try {
      client = await created;
    } catch (error) {
      if (this.#client === created) this.#client = null;
      throw error;
    }
    let credentials: Awaited<ReturnType<JwtClient['authorize']>>;
    try {
      credentials = await client.authorize();
    } catch (error) {
      throw this.#tokenError(error);
    }
    const token = credentials.access_token;
    if (!token) throw new CredentialsUnavailableError(this.integration, SOURCE, "was accepted but Google's token endpoint returned no access token");
    const expiresAt = credentials.expiry_date ?? this.now() + DEFAULT_LIFETIME_MS;
    if (this.#fingerprint === fingerprint) this.#token = { value: token, expiresAt };
    return token;
  }

  async #createClient(keyJson: string, fetch: typeof globalThis.fetch): Promise<JwtClient> {
    const key = parseKey(keyJson);
    if (!key) throw new CredentialsUnavailableError(this.integration, SOURCE, 'is not a service account key (a JSON object with client_email and private_key)');
    let library: GoogleAuthLibrary;
    try {
      library = await loadGoogleAuth();
    } catch {
      throw new CredentialsUnavailableError(
        this.integration,
        SOURCE,
        "needs the optional peer dependency 'google-auth-library', which could not be loaded: install it with `npm install google-auth-library` (or use credentials.accessToken)",
      );
    }
    return new library.JWT({
      email: key.client_email,
      key: key.private_key,
      ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
      scopes: [SCOPE],
      transporterOptions: { fetchImplementation: fetch, timeout: TOKEN_REQUEST_TIMEOUT_MS },
    });
  }

  /**
   * A refusal by the token endpoint (4xx: a revoked key, a wrong clock, a deleted account) is a
   * credentials problem; a network failure or a 5xx is a provider failure worth a retry. Only
   * the endpoint's error code and description are kept: never the request, which carries the
   * signed assertion.
   */
  #tokenError(error: unknown): Error {
    const e = error as { status?: unknown; response?: { status?: unknown }; message?: unknown };
    const status = typeof e.status === 'number' ? e.status : typeof e.response?.status === 'number' ? e.response.status : null;
    const detail = typeof e.message === 'string' ? e.message : 'unknown error';
    if (status !== null && status >= 400 && status < 500) {
      return new CredentialsUnavailableError(this.integration, SOURCE, `was refused by Google's token endpoint (HTTP ${status}: ${detail})`);
    }
    return new ProviderError({
      provider: this.provider,
      message: `could not get an access token from Google's token endpoint: ${detail}`,
      upstreamStatus: status,
      status: 502,
      isRetryable: true,
    });
  }
}

function parseKey(json: string): { client_email: string; private_key: string; private_key_id?: string } | null {
  try {
    const key = JSON.parse(json) as Record<string, unknown>;
    if (typeof key.client_email === 'string' && typeof key.private_key === 'string') {
      return {
        client_email: key.client_email,
        private_key: key.private_key,
        ...(typeof key.private_key_id === 'string' ? { private_key_id: key.private_key_id } : {}),
      };
    }
  } catch {
    // not JSON
  }
  return null;
}
