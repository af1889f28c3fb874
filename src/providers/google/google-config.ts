import type { Secret } from '../../config/secret.js';

/** Fields of an integration with `provider: 'gemini'` (Google AI Studio). */
export interface GeminiFields {
  provider: 'gemini';
  credentials: { apiKey: Secret };
}

/** Fields of an integration with `provider: 'vertex-ai'`. */
export interface VertexFields {
  provider: 'vertex-ai';
  /** One of: a service account key (JSON), or an access token. */
  credentials: { serviceAccountKey?: Secret; accessToken?: Secret };
  project: string;
  /** Default `us-central1`. */
  location?: string;
}
