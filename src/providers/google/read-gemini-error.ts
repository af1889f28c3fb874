import type { ErrorBodyReader } from '../shared/provider-fetch.js';
import { geminiErrorBodySchema } from './gemini-api.js';

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/** Google's error body, also found as the first element of an array (non-SSE streams answer so). */
function errorOf(body: unknown) {
  const parsed = geminiErrorBodySchema.safeParse(Array.isArray(body) ? body[0] : body);
  return parsed.success ? parsed.data.error : null;
}

/** Message and status (`RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`...) of a google.rpc.Status body. */
export const readGeminiError: ErrorBodyReader = (body) => {
  const error = errorOf(body);
  if (!error) return null;
  return { message: error.message ?? undefined, type: error.status ?? null };
};

/**
 * The wait Google asks for in a `google.rpc.RetryInfo` detail, in ms: `retryDelay` is a
 * protobuf Duration, `"34.4s"` in JSON (or `{seconds, nanos}`). Null when absent.
 */
export function retryDelayFromBody(body: unknown): number | null {
  for (const detail of errorOf(body)?.details ?? []) {
    if (typeof detail !== 'object' || detail === null || (detail as Record<string, unknown>)['@type'] !== RETRY_INFO) continue;
    const delay = (detail as { retryDelay?: unknown }).retryDelay;
    if (typeof delay === 'string') {
      const match = /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
      if (match) return Math.ceil(Number.parseFloat(match[1]!) * 1000);
    } else if (typeof delay === 'object' && delay !== null) {
      const { seconds, nanos } = delay as { seconds?: unknown; nanos?: unknown };
      const s = Number(seconds ?? 0);
      const n = Number(nanos ?? 0);
      if (Number.isFinite(s) && Number.isFinite(n)) return Math.ceil(s * 1000 + n / 1e6);
    }
  }
  return null;
}
