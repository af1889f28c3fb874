import { z } from 'zod';
import type { Gateway } from '../gateway/gateway.js';
import { ConfigError } from '../errors/config-error.js';
import { toConfigIssues } from '../errors/format-issues.js';
import { GatewayError } from '../errors/gateway-error.js';
import { buildOverview, parseOverviewQuery } from './dashboard-overview.js';
import { dashboardPage } from './dashboard-page.js';

export interface DashboardOptions {
  /**
   * Decides whether a request may see the dashboard (the page and its JSON): true serves it,
   * false answers 401. Required: the dashboard shows spend, limits and who calls what. A
   * `WWW-Authenticate: Basic` challenge comes with the 401, so an `authorize` that checks HTTP
   * Basic credentials gets the browser's login prompt, and the browser sends them with the
   * page's own requests too.
   * @example authorize: (request) => request.headers.get('authorization') === `Basic ${btoa(`admin:${process.env.DASHBOARD_PASSWORD}`)}`
   */
  authorize: (request: Request) => boolean | Promise<boolean>;
  /** Where it is served: the page at `basePath`, its JSON at `${basePath}/api/overview`. Default `'/dashboard'`. */
  basePath?: string;
  /** Scopes whose limits one page load reads, at most (the page says how many it left out). Default 1,000. */
  maxScopes?: number;
  /** Called with errors the dashboard did not expect (a 500). Default: `console.error`. */
  onError?: (error: unknown) => void;
  /**
   * The pages that may show the dashboard in a frame (CSP `frame-ancestors`): `'self'` or
   * origins. Default: none, so no other page can frame it (and trick a signed-in admin's clicks).
   * @example frameAncestors: ['https://admin.example.com']
   */
  frameAncestors?: string[];
}

const schema = z.strictObject({
  authorize: z.custom<DashboardOptions['authorize']>((v) => typeof v === 'function', {
    message: 'is required: a function (request) => boolean deciding who may see spend and limits (the dashboard refuses to start without one)',
  }),
  basePath: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)+$/, "must be a path like '/dashboard' (no trailing slash)")
    .optional(),
  maxScopes: z.number().int().positive().optional(),
  onError: z.custom<NonNullable<DashboardOptions['onError']>>((v) => typeof v === 'function', 'must be a function (error) => void').optional(),
  frameAncestors: z.array(z.string().regex(/^('self'|https?:\/\/[A-Za-z0-9.-]+(:\d+)?)$/, "must be 'self' or an origin like 'https://admin.example.com'")).optional(),
});

// Every answer: never cached, never read as another type than it says.
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers } });

const problem = (status: number, code: string, message: string, headers?: Record<string, string>) => json(status, { error: { message, code } }, headers);

/**
 * A fetch handler serving the dashboard: one self-contained page (charts included, nothing
 * fetched from elsewhere) and the JSON it reads, built from `gateway.analytics` and
 * `gateway.limits` only, so that on a shared store it shows every process's traffic. Answers 404
 * outside `basePath`, so it can sit in front of or beside `createFetchHandler`.
 * @example
 * const dashboard = createDashboardHandler(gateway, { authorize: (req) => req.headers.get('authorization') === `Basic ${btoa('admin:' + password)}` });
 * createServer(toNodeListener(dashboard)).listen(8788); // http://localhost:8788/dashboard
 * @throws ConfigError without `authorize`, or with an invalid option
 */
export function createDashboardHandler(gateway: Gateway, options: DashboardOptions): (request: Request) => Promise<Response> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new ConfigError(toConfigIssues(parsed.error), 'Invalid createDashboardHandler options');
  const { authorize } = parsed.data;
  const base = parsed.data.basePath ?? '/dashboard';
  const maxScopes = parsed.data.maxScopes ?? 1_000;
  const onError = parsed.data.onError ?? ((error: unknown) => console.error('tollgate dashboard: unexpected error', error));
  const ancestors = parsed.data.frameAncestors?.length ? parsed.data.frameAncestors.join(' ') : "'none'";
  const pageHeaders = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors ${ancestors}`,
    // For browsers that predate frame-ancestors.
    ...(ancestors === "'none'" ? { 'x-frame-options': 'DENY' } : {}),
  };
  let page: string | null = null;

  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== base && path !== `${base}/api/overview`) return problem(404, 'not_found', `Nothing is served at ${url.pathname}; the dashboard is at ${base}.`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return problem(405, 'method_not_allowed', `${url.pathname} takes GET.`, { allow: 'GET' });
    try {
      if (!(await authorize(request))) return problem(401, 'unauthorized', 'This dashboard needs authorization.', { 'www-authenticate': 'Basic realm="tollgate dashboard", charset="UTF-8"' });
    } catch (error) {
      onError(error);
      return problem(500, 'internal_error', 'The authorization check failed.');
    }
    try {
      if (path === base) {
        page ??= dashboardPage();
        return new Response(page, { headers: pageHeaders });
      }
      return json(200, await buildOverview(gateway, parseOverviewQuery(url.searchParams), Date.now(), maxScopes));
    } catch (error) {
      if (GatewayError.isInstance(error)) return problem(error.status, error.code, error.message);
      onError(error);
      return problem(500, 'internal_error', 'The dashboard failed to answer; the error was reported to its onError.');
    }
  };
}
