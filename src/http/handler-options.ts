import { z } from 'zod';
import { toConfigIssues } from '../errors/format-issues.js';
import { ConfigError } from '../errors/config-error.js';
import type { AnsweredRequest } from './answered-request.js';

/** Options of `createFetchHandler(gateway, options)`. Every one is optional. */
export interface FetchHandlerOptions {
  /**
   * Where the routes live: `${basePath}/chat/completions`, `${basePath}/embeddings`,
   * `${basePath}/models`. Default `'/v1'`, so that OpenAI clients take `baseURL: 'http://host:port/v1'`.
   * @example basePath: '/llm/v1'
   */
  basePath?: string;
  /** Larger request bodies are refused with 413 before they are read in full. Default 4 MiB. */
  maxBodyBytes?: number;
  /**
   * Called with every error the handler did not expect (a bug, not a refusal or a provider
   * failure), which the client sees as a bare 500. Default: `console.error`.
   */
  onError?: (error: unknown, requestId: string) => void;
  /**
   * Called once per request when its answer is complete (a stream at its end, or when the
   * client leaves): an access log line, with the key's id, workspace and model, never a token.
   * An error it throws goes to `onError`.
   * @example onAnswered: (r) => console.log(JSON.stringify(r))
   */
  onAnswered?: (request: AnsweredRequest) => void;
}

export interface HandlerSettings {
  basePath: string;
  maxBodyBytes: number;
  onError: (error: unknown, requestId: string) => void;
  onAnswered?: (request: AnsweredRequest) => void;
}

const schema = z.strictObject({
  basePath: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, "must be '' or a path like '/v1' (no trailing slash)")
    .optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  onError: z.custom<HandlerSettings['onError']>((v) => typeof v === 'function', 'must be a function (error, requestId) => void').optional(),
  onAnswered: z.custom<NonNullable<HandlerSettings['onAnswered']>>((v) => typeof v === 'function', 'must be a function (request) => void').optional(),
});

export function parseHandlerOptions(options: unknown): HandlerSettings {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new ConfigError(toConfigIssues(parsed.error), 'Invalid createFetchHandler options');
  const o = parsed.data;
  return {
    basePath: o.basePath ?? '/v1',
    maxBodyBytes: o.maxBodyBytes ?? 4 * 1024 * 1024,
    onError: o.onError ?? ((error, requestId) => console.error(`tollgate http: unexpected error in request ${requestId}`, error)),
    ...(o.onAnswered ? { onAnswered: o.onAnswered } : {}),
  };
}
