import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn, SIGN_IN_ZH } from '../helpers/e2e.js';
import { actorFor, createTestOrg, TEST_PASSWORD } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 150 });
const SHOTS = '/work/shots/playbooks';


async function shot(page: Page, name: string) {
  const file = await screenshot(page, name);
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.copyFileSync(file, path.join(SHOTS, `${name}.png`));
}

describeE2E('Playbooks (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  // Near real time: the browser drops a session cookie whose expiry (from the server clock) lies in its past.
  const clock = new ManualClock(Date.now());
  const platform = { reach: async () => ({ connected: true, chatScope: true }), sellerVouchers: async () => new Map<string, number>(), syncCoupons: async () => ({ coupons: 0 }) };

  beforeAll(async () => {
    server = await startE2EServer({ clock, couponPlatform: platform });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a supervisor edits a macro and a procedure in zh-CN and sees it in a ticket of that category; an agent walks it in new-agent mode', async () => {
    const { ctx } = server;
    const org = await createTestOrg(ctx, { market: 'DE' });
    await ctx.services.playbooks.seedDefaultProcedures(org.orgId);
    const sup = actorFor(org, 'supervisor');
    const macro = await ctx.services.helpdesk.createMacro(sup, { key: 'leather_smell', name: 'Leather smell', category: 'minor_flaw', bodies: { en: 'Hi {{buyer_name}}, the leather smells at first.' } });
    const order = await seedOrder(ctx, org, { lines: [{ unitPrice: 12_000, productId: 'bag-1' }] });
    const ticketId = await seedTicket(ctx, org, order.orderId, 'Die Tasche hat einen starken Geruch und einen kleinen Kratzer');
    // A notice with a report, for the notices page.
    const notice = await ctx.services.playbooks.createNotice(actorFor(org, 'owner'), { shopId: org.shopId, productId: 'bag-1', trigger: 'delivery', delayHours: 0, holdoutPercent: 50, texts: { en: 'Air the bag for a day or two.', de: 'Die Tasche ein, zwei Tage lüften.' } });

    const supCookie = await org.cookie('supervisor');
    await ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie: supCookie }, payload: { uiLocale: 'zh-CN' } });
    const s = await openPage(browser, server.baseUrl, { locale: 'zh-CN' });
    onTestFailed(async () => {
      await shot(s.page, 'failed-supervisor');
      console.log('supervisor page problems:', s.problems);
    });
    await s.page.goto('/playbooks');
    await signIn(s.page, org.users.supervisor.email, { labels: SIGN_IN_ZH });
    await poll(() => s.page.getByRole('heading', { name: '服务手册' }).count()).toBe(1);
    // The navigation reaches both pages.
    expect(await s.page.getByRole('link', { name: '服务手册' }).count()).toBeGreaterThan(0);
    expect(await s.page.getByRole('link', { name: '主动提醒' }).count()).toBeGreaterThan(0);

    // Edit the macro: a German body with a typo in a variable (flagged), fixed, saved as version 2.
    await s.page.getByTestId('macro-row').filter({ hasText: 'Leather smell' }).click();
    const editor = s.page.getByTestId('macro-editor');
    await s.page.getByTestId('macro-lang-de').click();
    await s.page.getByTestId('macro-body').fill('Hallo {{buyer_nam}}, das Leder riecht anfangs.');
    await poll(() => s.page.getByTestId('macro-unknown').innerText()).toContain('{{buyer_nam}}');
    await shot(s.page, 'macro-editor-desktop-zh-CN');
    await s.page.getByTestId('macro-body').fill('Hallo {{buyer_name}}, das Leder riecht anfangs.');
    await poll(() => s.page.getByTestId('macro-unknown').count()).toBe(0);
    await s.page.getByTestId('macro-save').click();
    await poll(() => editor.count()).toBe(0);
    const saved = await ctx.services.helpdesk.getMacro(sup, macro.id);
    expect(saved).toMatchObject({ version: 2, bodies: { en: 'Hi {{buyer_name}}, the leather smells at first.', de: 'Hallo {{buyer_name}}, das Leder riecht anfangs.' } });
    // History: who saved which version.
    await s.page.getByTestId('macro-row').filter({ hasText: 'Leather smell' }).click();
    await poll(() => s.page.getByTestId('macro-version').count()).toBe(2);
    expect(await s.page.getByTestId('macro-version').first().innerText()).toMatch(/^v2 · /);
    await s.page.keyboard.press('Escape');
    await poll(() => editor.count()).toBe(0);

    // Edit the "small flaw" procedure's Chinese title and a check.
    await s.page.getByTestId('tab-procedures').click();
    await s.page.getByTestId('procedure-edit-minor_flaw').click();
    await s.page.getByTestId('procedure-title-zh').fill('轻微瑕疵：先拍照再安抚');
    await s.page.getByTestId('procedure-check-zh').first().fill('已请买家拍摄特写照片（含包装）');
    await shot(s.page, 'procedure-editor-desktop-zh-CN');
    await s.page.getByTestId('procedure-save').click();
    await poll(() => s.page.getByTestId('procedure-editor').count()).toBe(0);
    await poll(() => s.page.getByTestId('procedure-card-minor_flaw').getByTestId('procedure-title').innerText()).toBe('轻微瑕疵：先拍照再安抚');
    await shot(s.page, 'playbooks-procedures-desktop-zh-CN');

    // The ticket about a smell and a scratch shows that procedure, in Chinese.
    await s.page.goto(`/inbox/${ticketId}`);
    const panel = s.page.getByTestId('procedure-panel');
    await poll(() => panel.getByTestId('procedure-panel-title').innerText()).toBe('轻微瑕疵：先拍照再安抚');
    expect(await panel.getByTestId('procedure-check').first().innerText()).toBe('已请买家拍摄特写照片（含包装）');
    expect(await panel.getByTestId('procedure-tier').innerText()).toBe('补偿等级 1');
    await shot(s.page, 'ticket-procedure-desktop-zh-CN');
    // The notices page with its report (ten orders delivered after the notice began), then the phone width.
    clock.advance(60_000);
    const delivered = [];
    for (let i = 0; i < 10; i++) delivered.push(await seedOrder(ctx, org, { deliveredAt: clock.now(), lines: [{ unitPrice: 12_000, productId: 'bag-1' }] }));
    clock.advance(60_000);
    const ran = await ctx.services.playbooks.runDue(org.orgId);
    expect(ran.planned + ran.heldOut + ran.refused).toBe(10);
    await seedTicket(ctx, org, delivered[0]!.orderId, 'Die Tasche riecht sehr stark');
    await s.page.goto('/notices');
    await s.page.getByTestId('notice-report-open').click();
    await poll(() => s.page.getByTestId('notice-report').locator('.recharts-wrapper').count()).toBe(1);
    await poll(() => s.page.getByTestId('notice-verdict').first().innerText()).toBe('尚无定论');
    await shot(s.page, 'notices-desktop-zh-CN');
    await s.page.setViewportSize({ width: 390, height: 844 });
    await s.page.goto('/playbooks');
    await poll(() => s.page.getByTestId('macro-table').isVisible()).toBe(true);
    expect(await s.page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth))).toBeLessThanOrEqual(390);
    await shot(s.page, 'playbooks-phone-zh-CN');
    await s.page.goto('/notices');
    await poll(() => s.page.getByTestId('notice-card').count()).toBe(1);
    expect(await s.page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth))).toBeLessThanOrEqual(390);
    await shot(s.page, 'notices-phone-zh-CN');
    expect(s.problems).toEqual([]);
    void notice;

    // An agent (English) walks the procedure in new-agent mode: one step at a time, "next" only
    // once the step's checks are ticked; every tick is stored on the ticket.
    const a = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await shot(a.page, 'failed-agent');
      console.log('agent page problems:', a.problems);
    });
    await a.page.goto(`/inbox/${ticketId}`);
    await signIn(a.page, org.users.agent.email);
    const ap = a.page.getByTestId('procedure-panel');
    await poll(() => ap.getByTestId('procedure-panel-title').innerText()).toBe('Small flaw (scratch, stain, smell)');
    await ap.getByTestId('new-agent-mode').click();
    await poll(() => ap.getByTestId('guided-step').innerText()).toBe('Step 1 of 2');
    expect(await ap.getByTestId('procedure-step').count()).toBe(1);
    expect(await ap.getByTestId('procedure-next').isDisabled()).toBe(true);
    const checks = ap.getByTestId('procedure-check');
    for (let i = 0; i < 2; i++) {
      await checks.nth(i).locator('input').check();
      await poll(() => checks.nth(i).locator('input').isChecked()).toBe(true);
    }
    await poll(() => ap.getByTestId('procedure-next').isDisabled()).toBe(false);
    await ap.getByTestId('procedure-next').click();
    await poll(() => ap.getByTestId('guided-step').innerText()).toBe('Step 2 of 2');
    await shot(a.page, 'ticket-new-agent-desktop-en');
    for (let i = 0; i < 2; i++) {
      await checks.nth(i).locator('input').check();
      await poll(() => checks.nth(i).locator('input').isChecked()).toBe(true);
    }
    await ap.getByTestId('procedure-complete').click();
    await poll(() => ap.getByTestId('procedure-done').isVisible()).toBe(true);
    const view = await ctx.services.playbooks.ticketProcedure(actorFor(org, 'agent'), ticketId);
    expect(view.run).toMatchObject({ step: 1, checked: ['0.0', '0.1', '1.0', '1.1'] });
    expect(view.run!.completedAt).not.toBeNull();
    expect(view.run!.log.map((e) => e.action)).toEqual(['check', 'check', 'next', 'check', 'check', 'complete']);
    await a.page.setViewportSize({ width: 390, height: 844 });
    await a.page.getByTestId('open-order-drawer').click();
    await poll(() => a.page.getByTestId('order-drawer').getByTestId('procedure-panel').isVisible()).toBe(true);
    await shot(a.page, 'ticket-procedure-phone-en');
    expect(a.problems).toEqual([]);
  }, 180_000);
});
