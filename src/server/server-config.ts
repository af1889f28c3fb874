import { z } from 'zod';
import type { DashboardOptions } from '../dashboard/create-dashboard-handler.js';
import { ConfigError } from '../errors/config-error.js';
import { toConfigIssues } from '../errors/format-issues.js';
import type { GatewayConfig } from '../gateway/gateway-config.js';

/** How `tollgate serve` serves the gateway: the `server` part of a config file. */
export interface ServerConfig {
  /** Default 8787; `--port` overrides it. 0: any free port. */
  port?: number;
  /**
   * The interface to listen on. Default `127.0.0.1` (this machine only); in a container, give
   * `0.0.0.0`. `--host` overrides it.
   */
  host?: string;
  /** Where the OpenAI-compatible routes are. Default `/v1`. */
  basePath?: string;
  /** The dashboard, its console and the admin API, behind their `authorize` (see docs/admin.md). Absent: not served. */
  dashboard?: Omit<DashboardOptions, 'onError'>;
  /** On SIGTERM or SIGINT, how long calls in flight (streams included) may take to finish before they are cut. Default 30,000. */
  drainTimeoutMs?: number;
  /** Called once the gateway is closed, before the process exits: close what the config opened (a Redis client, a pg Pool). */
  onShutdown?: () => void | Promise<void>;
}

/** A config file's default export: the `createGateway` options, and how to serve them. */
export interface TollgateConfig extends GatewayConfig {
  server?: ServerConfig;
}

/**
 * The config of `tollgate serve`, typed: what `tollgate.config.ts` exports by default. Returns
 * its argument; the gateway validates it when the server starts.
 * @example
 * export default defineConfig({
 *   integrations: [{ slug: 'openai', provider: 'openai', credentials: { apiKey: secret.env('OPENAI_API_KEY') }, workspaces: 'all' }],
 *   server: { port: 8787, host: '0.0.0.0' },
 * });
 */
export function defineConfig(config: TollgateConfig): TollgateConfig {
  return config;
}

const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `must be a function ${what}`);

const serverSchema = z.strictObject({
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  basePath: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, "must be '' or a path like '/v1' (no trailing slash)")
    .optional(),
  // Checked whole by createDashboardHandler, which names each problem.
  dashboard: z.looseObject({}).optional(),
  drainTimeoutMs: z.number().int().min(0).optional(),
  onShutdown: fn('() => void | Promise<void>').optional(),
});

/** The `server` part, with its defaults; a `ConfigError` naming each problem as `server.<field>`. */
export function parseServerConfig(server: unknown): Required<Omit<ServerConfig, 'dashboard' | 'onShutdown'>> & Pick<ServerConfig, 'dashboard' | 'onShutdown'> {
  const parsed = serverSchema.safeParse(server ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      toConfigIssues(parsed.error).map((issue) => ({ ...issue, path: issue.path ? `server.${issue.path}` : 'server' })),
      'Invalid config',
    );
  }
  const s = parsed.data;
  return {
    port: s.port ?? 8787,
    host: s.host ?? '127.0.0.1',
    basePath: s.basePath ?? '/v1',
    drainTimeoutMs: s.drainTimeoutMs ?? 30_000,
    ...(s.dashboard ? { dashboard: s.dashboard as unknown as ServerConfig['dashboard'] } : {}),
    ...(s.onShutdown ? { onShutdown: s.onShutdown as ServerConfig['onShutdown'] } : {}),
  };
}
