import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboardHandler } from '../dashboard/create-dashboard-handler.js';
import { createGateway } from '../gateway/create-gateway.js';
import type { Gateway } from '../gateway/gateway.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { createFetchHandler } from '../http/fetch-handler.js';
import { toNodeListener } from '../http/node-listener.js';
import { parseServerConfig, type TollgateConfig } from './server-config.js';
import type { ServerLog } from './server-log.js';

/** A gateway being served: where, and how to stop it. */
export interface RunningServer {
  /** `http://host:port`, as it listens. */
  url: string;
  gateway: Gateway;
  /**
   * Drains and stops: new connections refused and `/readyz` 503 at once; calls in flight finish
   * (streams included) within `drainTimeoutMs`, then are cut; then the gateway closes (every
   * settlement recorded, every sink flushed, the store closed) and `onShutdown` runs.
   */
  close(reason: string): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/**
 * Serves a config as `tollgate serve` does: the OpenAI-compatible routes (`/v1/...`), the
 * dashboard and admin API when the config gives `server.dashboard`, `GET /healthz` (the process
 * answers) and `GET /readyz` (the store answers and the policy log is replayed: 503 until then,
 * while the store is down, and once draining).
 * @throws ConfigError for a config that does not validate, naming each problem
 */
export async function startServer(config: TollgateConfig, overrides: { port?: number; host?: string }, log: ServerLog): Promise<RunningServer> {
  const { server: serverConfig, ...gatewayConfig } = config;
  // Every problem of the file at once, the server's and the gateway's, each with its path.
  const issues: ConfigIssue[] = [];
  const checked = <T>(make: () => T, prefix = ''): T | null => {
    try {
      return make();
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      issues.push(...error.issues.map((issue) => ({ ...issue, path: prefix + issue.path })));
      return null;
    }
  };
  const options = checked(() => parseServerConfig(serverConfig));
  const gateway = checked(() => createGateway(gatewayConfig));
  const onError = (error: unknown, requestId?: string) => log.error('unexpected error', { requestId, error });
  const dashboardHandler = gateway && options?.dashboard ? checked(() => createDashboardHandler(gateway, { ...options.dashboard!, onError }), 'server.dashboard.') : null;
  if (!options || !gateway || issues.length > 0) {
    await gateway?.close();
    throw new ConfigError(issues, 'Invalid config');
  }
  const api = toNodeListener(createFetchHandler(gateway, { basePath: options.basePath, onAnswered: (r) => log.request(r), onError }));
  const dashboardBase = options.dashboard?.basePath ?? '/dashboard';
  const dashboard = dashboardHandler ? toNodeListener(dashboardHandler) : null;

  let draining = false;
  /** Responses being written: on a drain, each is told to close its connection when it ends. */
  const active = new Set<ServerResponse>();

  /** Logs a request the OpenAI endpoint does not report itself (the probes, the dashboard) once its answer ends. */
  const logged = (req: IncomingMessage, res: ServerResponse, route: string) => {
    const start = performance.now();
    res.once('close', () => log.request({ requestId: randomUUID(), method: req.method ?? 'GET', route, status: res.statusCode, durationMs: performance.now() - start, key: null, workspace: null, model: null, aborted: !res.writableFinished }));
  };

  const server = createServer((req, res) => {
    active.add(res);
    res.once('close', () => {
      active.delete(res);
      // Once this answer is out, its keep-alive connection is idle: a draining server ends it (on
      // the next turn, when node:http has marked it idle).
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
    if (draining) res.setHeader('connection', 'close');
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path === '/healthz') {
      logged(req, res, path);
      return json(res, 200, { status: 'ok' });
    }
    if (path === '/readyz') {
      logged(req, res, path);
      if (draining) return json(res, 503, { status: 'draining' });
      void gateway.readiness().then((r) => json(res, r.ready ? 200 : 503, r.ready ? { status: 'ready' } : { status: 'unavailable', reason: r.reason }));
      return;
    }
    if (dashboard && (path === dashboardBase || path.startsWith(`${dashboardBase}/`))) {
      logged(req, res, path);
      return dashboard(req, res);
    }
    api(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(overrides.port ?? options.port, overrides.host ?? options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info('listening', { url, api: `${url}${options.basePath}`, dashboard: dashboard ? `${url}${dashboardBase}` : null, pid: process.pid, node: process.version });

  let closing: Promise<void> | undefined;
  const close = (reason: string) =>
    (closing ??= (async () => {
      draining = true;
      log.info('draining', { reason, inFlight: active.size, drainTimeoutMs: options.drainTimeoutMs });
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cut = new Promise<'cut'>((resolve) => (timer = setTimeout(() => resolve('cut'), options.drainTimeoutMs)));
      if ((await Promise.race([closed, cut])) === 'cut') {
        log.error('drain timeout: cutting the connections left', { connections: active.size });
        server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      await gateway.close();
      await options.onShutdown?.();
      log.info('stopped', { reason, stats: gateway.stats().sinks.map((s) => ({ sink: s.name, delivered: s.delivered, dropped: s.dropped })) });
    })());

  return { url, gateway, close };
}
