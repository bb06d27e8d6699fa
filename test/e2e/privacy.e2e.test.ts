import type { Browser, Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn } from '../helpers/e2e.js';
import { actorFor, createTestOrg, TEST_PASSWORD } from '../helpers/org.js';
import { seedOrder } from '../helpers/returns.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });


describeE2E('Settings → Privacy (browser)', () => {
  let server: E2EServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startE2EServer();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the owner finds a buyer, exports, erases (report shown) and sets retention; a supervisor has no Privacy tab', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    const order = await seedOrder(server.ctx, org, { lines: [{ unitPrice: 9_900 }] });
    const [b] = await server.ctx.platform.db.tenant(org.orgId, async (tx) => (await tx.execute(sql`update buyers set display_name = 'Henrike Adelsberger', email = 'henrike@example.de' where org_id = ${org.orgId} and id = (select buyer_id from orders where org_id = ${org.orgId} and id = ${order.orderId}) returning id`)).rows as { id: string }[]);
    const { page, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-privacy');
      console.log('page problems:', problems);
    });
    await page.goto('/settings/privacy');
    await signIn(page, org.users.owner.email);
    await poll(() => page.getByRole('tab', { name: 'Privacy' }).getAttribute('aria-selected')).toBe('true');

    await page.getByTestId('buyer-search').fill('Adelsberger');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    const results = page.getByTestId('buyer-results');
    await poll(() => results.locator('tbody tr').count()).toBe(1);
    expect(await results.locator('tbody tr td').first().innerText()).toContain('Henrike Adelsberger');

    const download = page.waitForEvent('download');
    await results.getByRole('button', { name: 'Export' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`buyer-${b!.id}.json`);

    await results.getByRole('button', { name: 'Erase', exact: true }).click();
    await page.getByTestId('confirm-erase').click();
    await poll(() => page.getByTestId('erasure-report').isVisible()).toBe(true);
    expect(await page.getByTestId('erasure-report').innerText()).toContain(`Buyer ${b!.id} erased`);
    const [after] = await server.ctx.platform.db.tenant(org.orgId, async (tx) => (await tx.execute(sql`select display_name, email from buyers where org_id = ${org.orgId} and id = ${b!.id}`)).rows);
    expect(after).toEqual({ display_name: null, email: null });

    await page.getByTestId('retention-closedTicketContentDays').fill('30');
    await page.getByTestId('retention-orderPersonalDays').fill('365');
    await page.getByRole('button', { name: 'Save' }).click();
    await poll(() => server.ctx.services.privacy.getSettings(actorFor(org, 'owner'))).toEqual({ closedTicketContentDays: 30, webhookBodyDays: null, orderPersonalDays: 365 });
    await screenshot(page, 'privacy-settings');
    expect(problems).toEqual([]);

    const sup = await openPage(browser, server.baseUrl);
    await sup.page.goto('/settings/sla');
    await signIn(sup.page, org.users.supervisor.email);
    await poll(() => sup.page.getByRole('tab', { name: 'SLA policies' }).getAttribute('aria-selected')).toBe('true');
    expect(await sup.page.getByRole('tab', { name: 'Privacy' }).count()).toBe(0);
    await sup.context.close();
  });
});
