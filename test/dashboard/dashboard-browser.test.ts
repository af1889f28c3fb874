// npm test: Debian's Chromium (playwright-core) on a page served in this process; under a second.
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, serveOnLoopback } from '../helpers/chromium.js';
import { createDashboardHandler } from '../../src/dashboard.js';
import { toNodeListener } from '../../src/http.js';
import type { Gateway, LimitStatus } from '../../src/index.js';
import { ADMIN, authorize, dashboardGateway } from '../helpers/dashboard-gateway.js';

const available = chromiumAvailable('dashboard browser test');

/** `UPDATE_SCREENSHOT=1 npx vitest run test/dashboard` writes docs/dashboard.png (linked from the README). */
const SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));

describe.skipIf(!available)('the dashboard in a real browser', () => {
  let browser: Browser;
  let close: () => Promise<void>;
  let origin: string;
  let gateway: Gateway;
  let token: string;

  beforeAll(async () => {
    ({ gateway, token } = await dashboardGateway());
    ({ origin, close } = await serveOnLoopback(toNodeListener(createDashboardHandler(gateway, { authorize }))));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await close?.();
    await gateway?.close();
  });

  it('renders totals and budget rows equal to analytics.query and limits.status', async () => {
    // HTTP Basic: the browser answers the 401 challenge with these, for the page and its requests.
    const context = await browser.newContext({ httpCredentials: ADMIN, viewport: { width: 1280, height: 1400 } });
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('pageerror', (error) => failed.push(error.message));
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));

    await page.goto(`${origin}/dashboard`);
    await page.waitForFunction(() => document.getElementById('t-requests')?.textContent !== '–' && document.querySelectorAll('#budgets tr').length > 0);

    const now = Date.now();
    const [total] = (await gateway.analytics.query({ from: now - 86_400_000, to: now })).rows;
    expect(await page.textContent('#t-requests')).toBe(total!.requests.toLocaleString('en-US'));
    expect(await page.textContent('#t-errors')).toBe(total!.errors.toLocaleString('en-US'));
    expect(await page.textContent('#t-tokens')).toBe(total!.totalTokens.toLocaleString('en-US'));
    expect(await page.textContent('#t-cost')).toBe(`$${total!.cost < 1 ? total!.cost.toFixed(4) : total!.cost.toFixed(2)}`);

    // Every budget of every scope, and each user's of team-a (limits.nearest), one row each, closest to its limit first.
    const budgets: LimitStatus[] = [];
    for (const { scope, query } of gateway.limits.scopes()) budgets.push(...(await gateway.limits.status(query)).filter((s) => s.scope === scope && s.kind === 'budget'));
    budgets.push(...(await gateway.limits.nearest({ n: 50 })));
    const share = (b: LimitStatus) => (b.used + b.reserved) / b.limit;
    budgets.sort((a, b) => share(b) - share(a) || a.scope.localeCompare(b.scope));
    const rows = await page.$$eval('#budgets tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.map((r) => [r[0], r[1]])).toEqual(budgets.map((b) => [b.scope, b.type]));
    expect(rows.filter((r) => r[0]!.startsWith('workspace:team-a/user:'))).toHaveLength(3);
    const money = (usd: number) => `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
    rows.forEach((r, i) => {
      const b = budgets[i]!;
      const amount = (n: number) => (b.type === 'cost' ? money(n) : n.toLocaleString('en-US'));
      expect([r[2], r[3], r[4]]).toEqual([amount(b.used), amount(b.reserved), amount(b.limit)]);
    });
    // Failures by error code, as analytics.query groups them.
    const codes = (await gateway.analytics.query({ from: now - 86_400_000, to: now, groupBy: ['errorCode'] })).rows.filter((r) => r.errorCode !== null);
    const failureRows = await page.$$eval('#failures tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)));
    expect(failureRows.sort()).toEqual(codes.map((r) => [r.errorCode, r.requests.toLocaleString('en-US')]).sort());
    // Five charts drawn by uPlot, and the rate limits listed.
    expect(await page.locator('.uplot').count()).toBe(5);
    expect(await page.locator('#rates tr').count()).toBeGreaterThan(0);

    // The key's token is nowhere on the page; nothing was loaded from another origin; no error.
    expect(await page.content()).not.toContain(token);
    expect(requests.every((url) => url.startsWith(origin))).toBe(true);
    expect(failed).toEqual([]);

    // Another grouping reloads the data.
    await page.selectOption('#groupBy', 'workspace');
    await page.waitForFunction(() => document.getElementById('group-title')?.textContent === 'By workspace');
    expect(await page.$$eval('#groups tr td:first-child', (tds) => tds.map((td) => td.textContent).sort())).toEqual(['team-a', 'team-b']);

    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.selectOption('#groupBy', 'model');
      await page.waitForFunction(() => document.getElementById('group-title')?.textContent === 'By model');
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    await context.close();
  }, 60_000);

  it('a request without authorization gets 401, and no page', async () => {
    // The browser's own request context: no credentials to answer the challenge with.
    const context = await browser.newContext();
    for (const path of ['/dashboard', '/dashboard/api/overview']) {
      const response = await context.request.get(`${origin}${path}`);
      expect(response.status()).toBe(401);
      expect(response.headers()['www-authenticate']).toMatch(/^Basic /);
      expect(await response.text()).not.toContain('uPlot');
    }
    await context.close();
  }, 60_000);
});
