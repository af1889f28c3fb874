// npm test: the dashboard handler's JSON and page, in process; milliseconds.
import { describe, expect, it, vi } from 'vitest';
import { createDashboardHandler, type Overview } from '../../src/dashboard.js';
import { ConfigError, createGateway, type LimitStatus } from '../../src/index.js';
import { ADMIN_AUTHORIZATION, authorize, dashboardGateway } from '../helpers/dashboard-gateway.js';

const get = (handler: (r: Request) => Promise<Response>, path: string, authorized = true) =>
  handler(new Request(`http://localhost${path}`, { headers: authorized ? { authorization: ADMIN_AUTHORIZATION } : {} }));

describe('createDashboardHandler', () => {
  it('refuses to start without authorize, or with a bad option, naming it', () => {
    const gateway = createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: 'all' }] });
    expect(() => createDashboardHandler(gateway, {} as never)).toThrow(ConfigError);
    expect(() => createDashboardHandler(gateway, undefined as never)).toThrow(/authorize: is required/);
    expect(() => createDashboardHandler(gateway, { authorize: 'yes' } as never)).toThrow(/authorize/);
    expect(() => createDashboardHandler(gateway, { authorize, basePath: 'dashboard/' })).toThrow(/basePath/);
  });

  it('answers 401 with a Basic challenge to a request authorize refuses, page and JSON alike; 404 elsewhere, 405 for other methods', async () => {
    const { gateway } = await dashboardGateway();
    const handler = createDashboardHandler(gateway, { authorize });
    for (const path of ['/dashboard', '/dashboard/', '/dashboard/api/overview']) {
      const res = await get(handler, path, false);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="tollgate dashboard"/);
      expect(await res.json()).toEqual({ error: { message: 'This dashboard needs authorization.', code: 'unauthorized' } });
    }
    const wrong = await handler(new Request('http://localhost/dashboard', { headers: { authorization: 'Basic YWRtaW46bm9wZQ==' } }));
    expect(wrong.status).toBe(401);
    expect((await get(handler, '/v1/models')).status).toBe(404);
    expect((await handler(new Request('http://localhost/dashboard', { method: 'POST', headers: { authorization: ADMIN_AUTHORIZATION } }))).status).toBe(405);
  });

  it('an authorize that throws is a 500 reported to onError, never a page', async () => {
    const gateway = createGateway({ integrations: [{ slug: 'llm', provider: 'mock', workspaces: 'all' }] });
    const onError = vi.fn();
    const handler = createDashboardHandler(gateway, { authorize: () => { throw new Error('auth backend down'); }, onError });
    const res = await get(handler, '/dashboard');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('auth backend down');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'auth backend down' }));
  });

  it('serves one self-contained page: the chart library inlined, nothing loaded from elsewhere', async () => {
    const { gateway } = await dashboardGateway();
    const res = await get(createDashboardHandler(gateway, { authorize }), '/dashboard');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('uPlot');
    // No script, style or image from another origin: the page works offline.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
  });

  it('every answer says nosniff; the page cannot be framed by another page, unless frameAncestors names it', async () => {
    const { gateway } = await dashboardGateway();
    const handler = createDashboardHandler(gateway, { authorize });
    const answers = [await get(handler, '/dashboard'), await get(handler, '/dashboard/api/overview'), await get(handler, '/dashboard/api/overview?range=nope'), await get(handler, '/dashboard', false), await get(handler, '/elsewhere')];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 400, 401, 404]);
    for (const res of answers) expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answers[0]!.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(answers[0]!.headers.get('x-frame-options')).toBe('DENY');

    const framed = await get(createDashboardHandler(gateway, { authorize, frameAncestors: ["'self'", 'https://admin.example.com'] }), '/dashboard');
    expect(framed.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://admin.example.com");
    expect(framed.headers.get('x-frame-options')).toBeNull();
    expect(() => createDashboardHandler(gateway, { authorize, frameAncestors: ['*; script-src *'] })).toThrow(/frameAncestors\[0\]: must be 'self' or an origin/);
  });

  it('the overview equals what analytics.query and limits.status answer: totals, groups, every budget and rate limit, closest to its limit first', async () => {
    const { gateway } = await dashboardGateway();
    const handler = createDashboardHandler(gateway, { authorize, basePath: '/admin/llm' });
    const res = await get(handler, '/admin/llm/api/overview?range=24h&groupBy=workspace');
    expect(res.status).toBe(200);
    const overview = (await res.json()) as Overview;

    const now = Date.now();
    const [total] = (await gateway.analytics.query({ from: now - 86_400_000, to: now })).rows;
    expect(overview.totals).toEqual({
      requests: total!.requests,
      errors: total!.errors,
      rejected: total!.rejected,
      aborted: total!.aborted,
      inputTokens: total!.inputTokens,
      outputTokens: total!.outputTokens,
      totalTokens: total!.totalTokens,
      cost: total!.cost,
      latencyMs: total!.latencyMs,
    });
    // 22 calls: 2 upstream failures, and the key's calls refused by team-b's hourly limit.
    expect(overview.totals.requests).toBe(22);
    expect(overview.totals.errors).toBe(2);
    expect(overview.totals.rejected).toBeGreaterThan(0);

    const groups = (await gateway.analytics.query({ from: now - 86_400_000, to: now, groupBy: ['workspace'] })).rows;
    expect(overview.byGroup.map((g) => [g.name, g.requests, g.cost]).sort()).toEqual(groups.map((g) => [g.workspace, g.requests, g.cost]).sort());
    // The series add up to the totals.
    const sum = (pick: (g: Overview['series']['groups'][number]) => number[]) => overview.series.groups.flatMap(pick).reduce((a, b) => a + b, 0);
    expect(sum((g) => g.requests)).toBe(overview.totals.requests);
    expect(sum((g) => g.totalTokens)).toBe(overview.totals.totalTokens);

    // Every limit of every scope, as limits.status answers for that scope, once each, and the
    // templated scopes' (team-a's users') that limits.nearest lists.
    const expected: LimitStatus[] = [];
    for (const { scope, query } of gateway.limits.scopes()) expected.push(...(await gateway.limits.status(query)).filter((s) => s.scope === scope));
    const nearest = [...(await gateway.limits.nearest({ n: 50 })), ...(await gateway.limits.nearest({ n: 50, kind: 'rateLimit' }))];
    expect(nearest.map((s) => s.scope).sort()).toEqual(['workspace:team-a/user:u-1', 'workspace:team-a/user:u-2', 'workspace:team-a/user:u-3']);
    expected.push(...nearest.map(({ template: _t, by: _b, value: _v, ...s }) => s));
    const strip = ({ share: _, ...s }: { share: number }) => s;
    expect(overview.budgets.map(strip)).toEqual(expect.arrayContaining(expected.filter((s) => s.kind === 'budget')));
    expect(overview.budgets).toHaveLength(expected.filter((s) => s.kind === 'budget').length);
    expect(overview.rateLimits).toHaveLength(expected.filter((s) => s.kind === 'rateLimit').length);
    const shares = overview.budgets.map((b) => b.share);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    // Failures by error code, as analytics group them.
    const codes = (await gateway.analytics.query({ from: now - 86_400_000, to: now, groupBy: ['errorCode'] })).rows.filter((r) => r.errorCode !== null);
    expect(overview.failures).toEqual(
      codes.map((r) => ({ code: r.errorCode, requests: r.requests, errors: r.errors, rejected: r.rejected, aborted: r.aborted })).sort((a, b) => b.requests - a.requests || a.code!.localeCompare(b.code!)),
    );
    expect(overview.failures.map((f) => f.code)).toEqual(['rate_limit_exceeded', 'provider_error']);
    expect(overview.failures.reduce((n, f) => n + f.requests, 0)).toBe(overview.totals.errors + overview.totals.rejected + overview.totals.aborted);

    // team-a's USD 1 budget is the one nearest its limit: first.
    expect(overview.budgets[0]).toMatchObject({ scope: 'workspace:team-a', type: 'cost' });
    expect(overview.budgets[0]!.used).toBeGreaterThan(0);
    for (const b of overview.budgets) expect(b.share).toBeCloseTo((b.used + b.reserved) / b.limit, 10);
  });

  it('never shows a key token, nor a credential, in the page or its JSON', async () => {
    const { gateway, token } = await dashboardGateway();
    const handler = createDashboardHandler(gateway, { authorize });
    for (const groupBy of ['workspace', 'key', 'model', 'user']) {
      const text = await (await get(handler, `/dashboard/api/overview?range=1h&groupBy=${groupBy}`)).text();
      expect(text).not.toContain(token);
    }
    expect(await (await get(handler, '/dashboard')).text()).not.toContain(token);
  });

  it('a bad query is a 400 naming the field', async () => {
    const { gateway } = await dashboardGateway();
    const handler = createDashboardHandler(gateway, { authorize });
    expect(await (await get(handler, '/dashboard/api/overview?range=2w')).json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('range') } });
    expect((await get(handler, '/dashboard/api/overview?groupBy=secret')).status).toBe(400);
    expect((await get(handler, '/dashboard/api/overview?range=custom&from=yesterday')).status).toBe(400);
    const custom = await get(handler, `/dashboard/api/overview?range=custom&from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date().toISOString()}`);
    expect(custom.status).toBe(200);
    expect(((await custom.json()) as Overview).interval).toBe('minute');
  });
});
