import type { Secret } from '../../secrets/secret.js';

/**
 * Fields of an integration with `provider: 'gemini'` (the Gemini API of Google AI Studio).
 * @example { slug: 'gemini', provider: 'gemini', credentials: { apiKey: secret.env('GEMINI_API_KEY') }, workspaces: 'all' }
 */
export interface GeminiFields {
  provider: 'gemini';
  /** The API key, sent in the `x-goog-api-key` header (never in the URL). */
  credentials: { apiKey: Secret };
}

/**
 * Fields of an integration with `provider: 'vertex-ai'` (Gemini on Vertex AI).
 * @example { slug: 'vertex', provider: 'vertex-ai', project: 'acme-prod', location: 'europe-west4',
 *            credentials: { serviceAccountKey: secret.env('GCP_SA_KEY_JSON') }, workspaces: 'all' }
 */
export interface VertexFields {
  provider: 'vertex-ai';
  /**
   * Exactly one of: `serviceAccountKey`, the JSON of a service account key, from which access
   * tokens are minted and cached (needs the optional peer dependency `google-auth-library`);
   * or `accessToken`, an OAuth access token you refresh yourself (e.g. `secret.from(getToken,
   * { ttlMs: 50 * 60_000 })`).
   */
  credentials: { serviceAccountKey?: Secret; accessToken?: Secret };
  /** The Google Cloud project id. */
  project: string;
  /** Default `us-central1`; `global` uses the global endpoint `aiplatform.googleapis.com`. */
  location?: string;
}
