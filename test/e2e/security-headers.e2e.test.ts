import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { describeE2E, launchBrowser, openPage, startE2EServer, type E2EServer } from '../helpers/e2e.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });

/** Records every CSP violation the page reports (the console also logs them; both are checked). */
async function recordViolations(context: BrowserContext) {
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
}

describeE2E('content security policy in the browser', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;

  beforeAll(async () => {
    server = await startE2EServer();
    org = await createTestOrg(server.ctx, { market: 'DE' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the built UI runs under its CSP: sign-in and every main page, in English and Chinese, with no violation', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    await recordViolations(context);
    const res = await page.goto('/');
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('E-mail').fill(org.users.owner.email);
    await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.getByRole('navigation', { name: 'Main navigation' }).isVisible()).toBe(true);
    for (const path of ['/inbox', '/returns', '/evidence', '/coupons', '/analytics', '/settings', '/settings/team', '/settings/sla']) {
      await page.goto(path);
      await poll(() => page.getByRole('navigation', { name: /Main navigation|主导航/ }).isVisible()).toBe(true);
      await page.waitForLoadState('networkidle');
    }
    await page.getByText('中文', { exact: true }).first().click().catch(() => undefined);
    await page.goto('/analytics');
    await page.waitForLoadState('networkidle');
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('Swagger UI at /docs renders the API under its own policy with no violation', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    await recordViolations(context);
    await page.goto('/docs');
    await poll(() => page.locator('.opblock-summary-path').filter({ hasText: '/api/auth/login' }).count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
