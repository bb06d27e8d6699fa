import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { TikTokSandbox } from '../../src/integrations/tiktok/index.js';
import { enqueue, PermanentError } from '../../src/platform/outbox/outbox.js';
import { outbox } from '../../src/platform/outbox/outbox.schema.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn, SIGN_IN_EN, SIGN_IN_ZH } from '../helpers/e2e.js';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { uniqueShops } from '../tiktok/helpers.js';

// Issue 12's settings screens in a real browser: an owner connects a sandbox shop through TikTok's
// consent page and sees its first sync; a supervisor finds a failed outbox step, reads why, and
// sends it again. Then every new screen is photographed in en and zh-CN, desktop and phone.

const poll = <T,>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 150 });
const SHOTS = '/work/shots/settings';


describeE2E('Settings screens (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let sandbox: TikTokSandbox;
  let org: TestOrg;

  beforeAll(async () => {
    server = await startE2EServer();
    browser = await launchBrowser();
    // The sandbox sends the seller's browser back to this server's OAuth callback, as TikTok does
    // with the redirect address registered for the app.
    sandbox = new TikTokSandbox({ seed: 17, ordersPerShop: 6, shops: uniqueShops(), redirectUrl: `${server.baseUrl}/api/tiktok/oauth/callback` });
    const url = await sandbox.start();
    server.ctx.services.tiktok.client.retarget({ apiBase: url, authBase: url });
    org = await createTestOrg(server.ctx, { market: 'DE' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
    await server?.close();
  });

  it("an owner authorises the org's unbound DE shop from the connections page, lands back there and sees the first sync", async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-settings-tiktok');
      console.log('page problems:', problems);
    });
    await page.goto('/settings/tiktok');
    await signIn(page, org.users.owner.email);
    const card = page.getByTestId(`connection-${org.shopId}`);
    await poll(() => card.getByTestId('connection-status').innerText()).toBe('Not connected');

    await card.getByRole('button', { name: 'Authorise on TikTok' }).click();
    // TikTok's consent page redirects to our callback, which sends the browser back here.
    await poll(() => page.getByTestId('oauth-outcome').innerText()).toContain('Connected: Lumière DE.');
    expect(new URL(page.url()).pathname).toBe('/settings/tiktok');
    expect(new URL(page.url()).search).toBe('');
    await poll(() => card.getByTestId('connection-status').innerText()).toBe('Connected');
    const [conn] = await server.ctx.services.tiktok.connections.list(org.orgId);
    expect(conn).toMatchObject({ shopId: org.shopId, status: 'active' });
    await poll(() => card.innerText()).toContain(`TikTok shop ${conn!.tiktokShopId}`);
    // The first sync ran in the background; the page follows it until each kind has a time.
    for (const kind of ['orders', 'returns', 'cancellations', 'conversations']) {
      await poll(() => card.getByTestId(`sync-${kind}`).locator('td').nth(1).innerText()).not.toBe('not yet');
    }
    const orders = await card.getByTestId('sync-orders').locator('td').nth(2).innerText();
    expect(Number(orders)).toBeGreaterThan(0);

    // A manual sync reports what it brought in (nothing new now).
    const answer = page.waitForResponse((r) => r.url().endsWith(`/api/tiktok/shops/${org.shopId}/sync`));
    await card.getByRole('button', { name: 'Sync now' }).click();
    const r = (await (await answer).json()) as { orders: number; returns: number; cancellations: number; messages: number };
    await poll(() => card.getByTestId('sync-report').innerText()).toBe(`Brought in: ${r.orders} orders, ${r.returns} returns, ${r.cancellations} cancellations, ${r.messages} chat messages.`);
    // The installation-wide view of shops bound nowhere is the operator's (CLI), and the page says so.
    expect(await page.getByTestId('unbound-note').innerText()).toContain('npx afterdesk tiktok unbound');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('a supervisor sees a failed outbox step with its reason and sends it again; it then runs', async () => {
    let calls = 0;
    server.ctx.platform.outbox.register('e2e.notify', async () => {
      calls += 1;
      if (calls === 1) throw new PermanentError('the chat tool answered 410 Gone for this webhook address');
      return { delivered: true };
    });
    const { row } = await server.ctx.platform.db.tenant(org.orgId, (tx) =>
      enqueue(tx, { orgId: org.orgId, handler: 'e2e.notify', idempotencyKey: 'e2e-notify-1', payload: { text: 'hello' } }, { ids: server.ctx.platform.ids, clock: server.ctx.platform.clock }),
    );
    await server.ctx.platform.dispatcher.drain(5, org.orgId);
    const status = async () => (await server.ctx.platform.db.tenant(org.orgId, (tx) => tx.select({ s: outbox.status }).from(outbox).where(and(eq(outbox.orgId, org.orgId), eq(outbox.id, row.id)))))[0]!.s;
    expect(await status()).toBe('failed');

    const { page, context, problems } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await screenshot(page, 'failed-settings-outbox');
      console.log('page problems:', problems);
    });
    await page.goto('/settings/outbox');
    await signIn(page, org.users.supervisor.email);
    const step = page.getByTestId(`outbox-step-${row.id}`);
    await poll(() => step.getByTestId('outbox-error').innerText()).toBe('Why it failed: the chat tool answered 410 Gone for this webhook address');
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'outbox-failed-en-desktop.png'), animations: 'disabled' });
    await step.getByRole('button', { name: 'Send again' }).click();
    await poll(() => status()).toBe('pending');
    // It leaves the "Failed" list; the dispatcher runs it and it shows under "Done".
    await poll(() => step.count()).toBe(0);
    await server.ctx.platform.dispatcher.drain(5, org.orgId);
    expect(await status()).toBe('done');
    expect(calls).toBe(2);
    await page.getByTestId('outbox-filter').getByText('Done', { exact: true }).click();
    await poll(() => step.getByText('Done', { exact: true }).count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('every new settings screen in en and zh-CN, desktop and 390 px phone (screenshots)', async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const pages = ['tiktok', 'remedies', 'reasons', 'agents', 'outbox'];
    for (const [lang, locale] of [
      ['en', 'en-US'],
      ['zh-CN', 'zh-CN'],
    ] as const) {
      // The signed-in person's own UI language decides the page's language.
      for (const role of ['owner', 'agent'] as const) {
        const res = await server.ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie: await org.cookie(role) }, payload: { uiLocale: lang } });
        expect(res.statusCode).toBe(200);
      }
      for (const [device, viewport] of [
        ['desktop', { width: 1366, height: 900 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        const { page, context, problems } = await openPage(browser, server.baseUrl, { viewport, locale });
        await page.addInitScript((l) => localStorage.setItem('afterdesk.uiLocale', l), lang);
        await page.goto('/settings/tiktok');
        await signIn(page, org.users.owner.email, { labels: lang === 'en' ? SIGN_IN_EN : SIGN_IN_ZH });
        await poll(() => page.getByTestId(`connection-${org.shopId}`).count()).toBe(1);
        for (const p of pages) {
          await page.goto(`/settings/${p}`);
          await page.waitForLoadState('networkidle');
          await page.waitForTimeout(300);
          await page.screenshot({ path: path.join(SHOTS, `${p}-${lang}-${device}.png`), fullPage: true, animations: 'disabled' });
        }
        // The page a role may not open: an agent on Settings.
        expect(problems).toEqual([]);
        await context.close();
        const agent = await openPage(browser, server.baseUrl, { viewport, locale });
        await agent.page.addInitScript((l) => localStorage.setItem('afterdesk.uiLocale', l), lang);
        await agent.page.goto('/settings/outbox');
        await signIn(agent.page, org.users.agent.email, { labels: lang === 'en' ? SIGN_IN_EN : SIGN_IN_ZH });
        await poll(() => agent.page.getByTestId('forbidden').count()).toBe(1);
        await agent.page.screenshot({ path: path.join(SHOTS, `forbidden-${lang}-${device}.png`), animations: 'disabled' });
        expect(await agent.page.getByTestId('forbidden').innerText()).toContain(lang === 'en' ? 'You do not have access' : '你没有访问权限');
        expect(agent.problems).toEqual([]);
        await agent.context.close();
      }
    }
  }, 240_000);
});
