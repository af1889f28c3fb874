import { z } from 'zod';
import type { Gateway } from '../gateway/gateway.js';
import { ConfigError } from '../errors/config-error.js';
import { toConfigIssues } from '../errors/format-issues.js';
import { identityOf, type AuthorizeResult, type Caller } from './admin-identity.js';
import { AdminError, assertSameOriginJson, fromGatewayError } from './admin-request.js';
import { ADMIN_ROUTES, type AdminRoute } from './admin-routes.js';
import { buildOverview, parseOverviewQuery } from './dashboard-overview.js';
import { openApiDocument } from './openapi-document.js';
import { dashboardPage } from './dashboard-page.js';

export interface DashboardOptions {
  /**
   * Decides who a request is made by. `true`: a viewer (reads the page and every `GET` of the
   * API); `false` or `null`: 401; `{ actor, role, workspaces? }`: a `viewer`, a `manager` (reads,
   * and creates, changes, rotates and revokes the keys of its `workspaces`) or an `admin` (does
   * everything: keys, integrations, provisioning), named `actor` in the audit. A mutation its role
   * does not allow is a 403. Required: the dashboard shows spend, limits and who calls what. A
   * `WWW-Authenticate: Basic` challenge comes with the 401, so an `authorize` that checks HTTP
   * Basic credentials gets the browser's login prompt, and the browser sends them with the
   * page's own requests too.
   * @example authorize: (request) => request.headers.get('authorization') === `Basic ${btoa(`admin:${process.env.DASHBOARD_PASSWORD}`)}` && { actor: 'admin', role: 'admin' }
   */
  authorize: (request: Request) => AuthorizeResult | Promise<AuthorizeResult>;
  /**
   * Where it is served: the page at `basePath`, its JSON under `${basePath}/api/` (the overview,
   * and the admin API: see docs/admin.md). Default `'/dashboard'`.
   */
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
    message: 'is required: a function (request) => true | false | { actor, role } deciding who may see spend and limits and change the policy (the dashboard refuses to start without one)',
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

const problem = (status: number, code: string, message: string, headers?: Record<string, string>, issues?: ReadonlyArray<{ path: string; message: string }>) =>
  json(status, { error: { code, message, ...(issues ? { issues } : {}) } }, headers);

/** The admin routes, each with the expression its path matches (parameters captured). */
const MATCHERS = ADMIN_ROUTES.map((route) => ({
  route,
  names: [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!),
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '([^/]+)')}$`),
}));

/** The route of `method` at `rest` (the path under /api) and its parameters; the methods the path takes when none is `method`'s. */
function matchRoute(method: string, rest: string): { route: AdminRoute; params: Record<string, string> } | { allow: string[] } | null {
  const allow: string[] = [];
  for (const { route, names, pattern } of MATCHERS) {
    const match = pattern.exec(rest);
    if (!match) continue;
    if (route.method !== method) {
      allow.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      try {
        params[names[i]!] = decodeURIComponent(match[i + 1]!);
      } catch {
        return null;
      }
    }
    return { route, params };
  }
  return allow.length > 0 ? { allow } : null;
}

/** Whether the caller's role lets it call the route (a manager's workspaces are checked by the route). */
function allowed(caller: Caller, route: AdminRoute): boolean {
  if (route.access === 'read') return true;
  if (route.access === 'keys') return caller.role === 'admin' || caller.role === 'manager';
  return caller.isAdmin;
}

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
  let openapi: unknown = null;
  const api = `${base}/api`;

  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(`${api}/`)) return problem(404, 'not_found', `Nothing is served at ${url.pathname}; the dashboard is at ${base}.`);
    let caller: Caller | null;
    try {
      caller = identityOf(await authorize(request));
    } catch (error) {
      onError(error);
      return problem(500, 'internal_error', 'The authorization check failed.');
    }
    if (!caller) return problem(401, 'unauthorized', 'This dashboard needs authorization.', { 'www-authenticate': 'Basic realm="tollgate dashboard", charset="UTF-8"' });
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const rest = path.slice(api.length);
    try {
      if (path === base || rest === '/overview' || rest === '/openapi.json') {
        if (method !== 'GET') return problem(405, 'method_not_allowed', `${url.pathname} takes GET.`, { allow: 'GET' });
        if (path === base) {
          page ??= dashboardPage();
          return new Response(page, { headers: pageHeaders });
        }
        if (rest === '/openapi.json') return json(200, (openapi ??= openApiDocument(ADMIN_ROUTES, base)));
        return json(200, await buildOverview(gateway, parseOverviewQuery(url.searchParams), Date.now(), maxScopes));
      }
      const matched = matchRoute(method, rest);
      if (matched === null) return problem(404, 'not_found', `Nothing is served at ${url.pathname}: see ${api}/openapi.json.`);
      if ('allow' in matched) return problem(405, 'method_not_allowed', `${url.pathname} takes ${matched.allow.join(', ')}.`, { allow: matched.allow.join(', ') });
      const { route, params } = matched;
      if (!allowed(caller, route)) throw new AdminError(403, 'forbidden', `${route.method} ${api}${route.path} needs the ${route.access === 'admin' ? 'admin role' : 'admin or manager role'}; this caller is a ${caller.role}.`);
      if (route.method !== 'GET') assertSameOriginJson(request, url);
      const reason = url.searchParams.get('reason');
      if (reason !== null) url.searchParams.delete('reason');
      const change = { ...(caller.actor !== null ? { actor: caller.actor } : {}), ...(reason !== null ? { reason } : {}) };
      const answer = await route.handle({ gateway, caller, params, url, request, change });
      return json(answer.status, answer.body);
    } catch (error) {
      const refusal = fromGatewayError(error);
      if (refusal) return problem(refusal.status, refusal.code, refusal.message, undefined, refusal.issues);
      onError(error);
      return problem(500, 'internal_error', 'The dashboard failed to answer; the error was reported to its onError.');
    }
  };
}
