// npm test: Debian's Chromium (playwright-core) driving the console views served in this process; a few seconds.
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, serveOnLoopback } from '../helpers/chromium.js';
import { createDashboardHandler, type AdminIdentity } from '../../src/dashboard.js';
import { createFetchHandler, toNodeListener } from '../../src/http.js';
import { createGateway, memoryStore, type Gateway } from '../../src/index.js';

/**
 * The console (Keys, Integrations, Workspaces, Audit) as an admin and as a viewer use it, through
 * the controls' accessible names: what a keyboard or a screen reader reaches too.
 */

const available = chromiumAvailable('console browser test');

/** `UPDATE_SCREENSHOT=1 npx vitest run test/dashboard` writes these (linked from docs/dashboard.md). */
const SCREENSHOTS = { keys: fileURLToPath(new URL('../../docs/console-keys.png', import.meta.url)), workspaces: fileURLToPath(new URL('../../docs/console-workspaces.png', import.meta.url)) };

/** People by their HTTP Basic user name (the password is the same for all here). */
const PASSWORD = 'correct horse';
const PEOPLE: Record<string, AdminIdentity> = {
  ada: { actor: 'ada@example.com', role: 'admin' },
  vic: { actor: 'vic@example.com', role: 'viewer' },
  mo: { actor: 'mo@example.com', role: 'manager', workspaces: ['team-b'] },
};
const authorize = (request: Request) => {
  const [user, password] = Buffer.from(request.headers.get('authorization')?.replace(/^Basic /, '') ?? '', 'base64').toString().split(':');
  return password === PASSWORD ? (PEOPLE[user ?? ''] ?? false) : false;
};

/** Every button that changes something, by the start of its accessible name. */
const MUTATION_BUTTONS = /^(New key|Create key|Rotate|Revoke|New integration|Create integration|Disable|Enable|Provision|Edit budget|Save)/;

describe.skipIf(!available)('the console in a real browser', () => {
  let browser: Browser;
  let close: () => Promise<void>;
  let origin: string;
  let admin: Gateway;
  let other: Gateway;

  beforeAll(async () => {
    // Two gateways on one store: the console's, and another that serves the calls.
    const store = memoryStore();
    const config = {
      integrations: [{ slug: 'llm', provider: 'mock' as const, models: ['m', 'm2'], workspaces: { 'team-a': { budgets: [{ type: 'tokens' as const, limit: 100_000 }] }, 'team-b': { models: ['m2'] } } }],
      store,
    };
    admin = createGateway(config);
    other = createGateway(config);
    await admin.keys.create({ workspace: 'team-a', id: 'existing', name: 'batch job' });
    await admin.keys.create({ workspace: 'team-b', id: 'nightly-eval', name: 'nightly evaluation', budgets: [{ type: 'cost', limit: 25, reset: 'monthly' }], rateLimits: [{ type: 'requests', limit: 60, per: 'minute' }], expiresAt: '2027-06-30T00:00:00Z' });
    ({ origin, close } = await serveOnLoopback(toNodeListener(createDashboardHandler(admin, { authorize }))));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await close?.();
    await Promise.all([admin?.close(), other?.close()]);
  });

  /** A signed-in page, watching for page errors, failed requests and requests to other origins. */
  async function open(user: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ httpCredentials: { username: user, password: PASSWORD }, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
    page.on('request', (request) => {
      if (!request.url().startsWith(origin)) problems.push(`another origin: ${request.url()}`);
    });
    await page.goto(`${origin}/dashboard`);
    await expect.poll(() => page.locator('#signed-in').textContent()).toContain(PEOPLE[user]!.role);
    return { context, page, problems };
  }

  const view = async (page: Page, name: string) => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name }).click();
    await expect.poll(() => page.getByRole('link', { name }).getAttribute('aria-current')).toBe('page');
  };

  /** A call to the other gateway's OpenAI-compatible endpoint with a bearer token: its status. */
  const callOther = async (token: string) =>
    (
      await createFetchHandler(other)(
        new Request('http://gateway.test/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) }),
      )
    ).status;

  it('as an admin: a key made, used elsewhere and revoked; an integration made and provisioned with a budget; all in the audit', async () => {
    const { context, page, problems } = await open('ada');

    // Keys: a mistake is shown next to the form, its field named and marked.
    await view(page, 'Keys');
    await expect.poll(() => page.getByRole('cell', { name: 'batch job' }).count()).toBe(1);
    await page.getByRole('button', { name: 'New key' }).click();
    const form = page.getByRole('form', { name: 'Create key' });
    await form.getByLabel('Workspace', { exact: true }).fill('team-a');
    await form.getByLabel('Name', { exact: true }).fill('web app');
    await form.getByLabel('Budget type', { exact: true }).selectOption('tokens');
    await form.getByLabel('Budget limit', { exact: true }).fill('10');
    await form.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('budgets[0].limit');
    expect(await form.getByLabel('Budget limit', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    // Corrected: the token is shown once, to copy, with the warning.
    await form.getByLabel('Budget limit', { exact: true }).fill('5000');
    await form.getByRole('button', { name: 'Create key' }).click();
    const tokenField = page.getByLabel('New token', { exact: true });
    await expect.poll(() => tokenField.inputValue()).toMatch(/^tg_/);
    const token = await tokenField.inputValue();
    expect(await page.getByRole('region', { name: /Token of key/ }).textContent()).toContain('will not be shown again');
    await page.getByRole('button', { name: 'Copy token' }).click();
    expect(await callOther(token)).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(token);
    expect(await page.evaluate(() => [...document.querySelectorAll('input')].some((i) => i.value.startsWith('tg_')))).toBe(false);

    // Revoked in the page, after confirming: the other gateway refuses the next call.
    const [created] = (await admin.keys.list()).filter((k) => k.name === 'web app');
    await page.getByRole('button', { name: `Revoke key ${created!.id}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke key ${created!.id}` });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.getByRole('button', { name: `Revoke key ${created!.id}` }).count()).toBe(0);
    expect(await callOther(token)).toBe(401);

    // Rotated with a grace: the new token is shown once too.
    await page.getByRole('button', { name: 'Rotate key existing' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate key existing' });
    await rotate.getByLabel('Grace period (seconds)', { exact: true }).fill('3600');
    await rotate.getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => tokenField.inputValue()).toMatch(/^tg_/);
    expect(await callOther(await tokenField.inputValue())).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await admin.keys.get('existing')).toMatchObject({ previousValidUntil: expect.any(String) });

    // Integrations: one made in the page, with a credential by reference.
    await view(page, 'Integrations');
    await page.getByRole('button', { name: 'New integration' }).click();
    const integrationForm = page.getByRole('form', { name: 'Create integration' });
    await integrationForm.getByLabel('Provider', { exact: true }).selectOption('mock');
    await integrationForm.getByLabel('Slug', { exact: true }).fill('extra');
    await integrationForm.getByLabel('Name', { exact: true }).fill('Extra models');
    await integrationForm.getByLabel('Credential references', { exact: true }).fill('apiKey=env:EXTRA_KEY');
    await integrationForm.getByRole('button', { name: 'Create integration' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'Extra models' }).count()).toBe(1);
    expect(await page.getByRole('row', { name: /Extra models/ }).textContent()).toContain('apiKey: env EXTRA_KEY');

    // Workspaces: team-b provisioned on it with a budget; then llm's grant applied to every workspace.
    await view(page, 'Workspaces');
    await page.getByRole('button', { name: 'Provision a workspace on extra' }).click();
    const grant = page.getByRole('dialog', { name: 'Provision a workspace on extra' });
    await grant.getByLabel('Workspace', { exact: true }).fill('team-b');
    await grant.getByLabel('Models', { exact: true }).fill('m');
    await grant.getByLabel('Budget type', { exact: true }).selectOption('cost');
    await grant.getByLabel('Budget limit', { exact: true }).fill('5');
    await grant.getByLabel('Budget reset', { exact: true }).selectOption('monthly');
    await grant.getByLabel('Alert thresholds', { exact: true }).fill('2, 4');
    await grant.getByLabel('Rate limit type', { exact: true }).selectOption('requests');
    await grant.getByLabel('Rate limit', { exact: true }).fill('100');
    await grant.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Edit budget & rate limits of team-b on extra' }).count()).toBe(1);
    expect((await admin.integrations.get('extra'))!.workspaces).toEqual({
      'team-b': { models: ['m'], budgets: [{ type: 'cost', limit: 5, reset: 'monthly', alertThresholds: [2, 4] }], rateLimits: [{ type: 'requests', limit: 100, per: 'minute' }], each: [] },
    });
    await page.getByRole('button', { name: 'Edit budget & rate limits of team-a on llm' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit budget & rate limits of team-a on llm' });
    expect(await edit.getByLabel('Budget limit', { exact: true }).inputValue()).toBe('100000');
    await edit.getByLabel('Apply to every workspace', { exact: true }).check();
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Edit budget & rate limits of every workspace (*) on llm' }).count()).toBe(1);

    // Audit: those changes, newest first, by the admin.
    await view(page, 'Audit');
    await expect.poll(() => page.locator('#audit-rows tr').count()).toBeGreaterThan(5);
    const rows = await page.$$eval('#audit-rows tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 4).map((td) => td.textContent)));
    expect(rows.map((r) => r[1])).toEqual(['provisioning.provision', 'provisioning.provision', 'integration.create', 'key.rotate', 'key.revoke', 'key.create', 'key.create', 'key.create']);
    // The two keys made in code before have no actor; everything done in the page is the admin's.
    expect(rows.map((r) => r[0])).toEqual([...Array(6).fill('ada@example.com'), '', '']);
    await page.getByLabel('Action', { exact: true }).fill('key');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('#audit-rows tr').count()).toBe(5);

    expect(problems).toEqual([]);
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await view(page, 'Keys');
      await page.locator('#keys-rows tr').first().waitFor();
      await page.screenshot({ path: SCREENSHOTS.keys });
      await view(page, 'Workspaces');
      await page.getByRole('button', { name: 'Provision a workspace on extra' }).waitFor();
      await page.screenshot({ path: SCREENSHOTS.workspaces, fullPage: true });
    }
    await context.close();
  }, 60_000);

  it("as a manager: key controls on its own workspace's keys only, and none for integrations or grants", async () => {
    const { context, page, problems } = await open('mo');
    await view(page, 'Keys');
    await expect.poll(() => page.getByRole('cell', { name: 'nightly evaluation' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'New key' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Rotate key nightly-eval' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Revoke key nightly-eval' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Rotate key existing' }).count()).toBe(0);
    for (const name of ['Integrations', 'Workspaces']) {
      await view(page, name);
      await expect.poll(() => page.locator(`#view-${name.toLowerCase()} tbody tr`).count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: MUTATION_BUTTONS }).count(), name).toBe(0);
    }
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('as a viewer: every view reads, no control that changes anything exists, and a forged change is a 403', async () => {
    const { context, page, problems } = await open('vic');
    for (const name of ['Keys', 'Integrations', 'Workspaces', 'Audit']) {
      await view(page, name);
      await expect.poll(() => page.locator(`#view-${name.toLowerCase()} tbody tr`).count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: MUTATION_BUTTONS }).count(), name).toBe(0);
    }
    const forged = await page.evaluate(async () => {
      const response = await fetch('/dashboard/api/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workspace: 'team-a' }) });
      return { status: response.status, body: await response.json() };
    });
    expect(forged).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await admin.keys.list()).filter((k) => k.workspace === 'team-a' && k.name === null)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
