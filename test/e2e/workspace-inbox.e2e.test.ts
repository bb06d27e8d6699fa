/**
 * Issue 13 (workspace-a) in the browser: a supervisor's bell shows an approval waiting (a remedy
 * over an agent's limit, made through the API), a mention reaches the person mentioned, an
 * unresolved macro variable blocks sending until filled, and "send and solve" solves. Screenshots
 * en + zh-CN, desktop + phone, into /work/shots/workspace-a.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { describeE2E, launchBrowser, openPage, startE2EServer, type E2EServer, signIn } from '../helpers/e2e.js';
import { actorFor, createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { seedOrder, seedTicket } from '../helpers/returns.js';
import { startTranslationStandIn, type TranslationStandIn } from '../../src/integrations/translation/index.js';

const poll = <T,>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });
const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/workspace-a';

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}


async function noWiderThanViewport(page: Page) {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scroll).toBeLessThanOrEqual(inner);
}

describeE2E('workspace: notifications, mentions, variables, send buttons (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;
  let remedyTicket = '';
  let chatId = '';
  let orderNumber = '';
  let standIn: TranslationStandIn;

  beforeAll(async () => {
    server = await startE2EServer({ env: { LIVE_STREAM_MAX_MS: '600000' } });
    org = await createTestOrg(server.ctx, { market: 'DE' });
    const order = await seedOrder(server.ctx, org, { lines: [{ unitPrice: 20_000 }] });
    orderNumber = order.externalId;
    remedyTicket = await seedTicket(server.ctx, org, order.orderId);
    const chat = await server.ctx.services.helpdesk.ingestInbound({
      orgId: org.orgId,
      shopId: org.shopId,
      channel: 'tiktok_chat',
      externalThreadId: `conv-${crypto.randomUUID()}`,
      externalMessageId: `m-${crypto.randomUUID()}`,
      buyer: { externalId: `b-${crypto.randomUUID()}`, name: 'Lena Vogel', language: 'de' },
      direction: 'inbound',
      text: 'Hallo, wann kommt meine Bestellung? Ich warte seit einer Woche.',
      sentAt: server.ctx.clock.now().toISOString(),
    });
    chatId = chat.ticketId;
    await server.ctx.services.helpdesk.assign(actorFor(org, 'supervisor'), chatId, { assigneeId: org.users.agent.id });
    await server.ctx.services.helpdesk.createMacro(actorFor(org, 'supervisor'), { key: 'shipped', name: 'Shipped with tracking', category: 'shipping', bodies: { en: 'Hi {{buyer_name}}, order {{order_number}} left our warehouse: {{tracking_link}}', de: 'Hallo {{buyer_name}}, Bestellung {{order_number}} ist unterwegs: {{tracking_link}}' } });
    standIn = await startTranslationStandIn({ acceptKey: 'seller-key' });
    server.ctx.platform.outbound.allow(new URL(standIn.url).host);
    await server.ctx.services.translation.setSettings(actorFor(org, 'owner'), { baseUrl: standIn.url, apiKey: 'seller-key' });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await standIn?.stop();
    await browser?.close();
    await server?.close();
  });

  it('supervisor: the bell shows an approval waiting, opening it goes to the remedy; en + zh-CN, desktop + phone', async () => {
    const { page, problems, context } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await shot(page, 'failed-supervisor');
      console.log('page problems:', problems);
    });
    await page.goto('/inbox');
    await signIn(page, org.users.supervisor.email);
    // Owners and supervisors land on "All open".
    await poll(() => page.getByTestId('view-open').getAttribute('data-active')).toBe('true');
    await poll(() => page.getByTestId('ticket-row').count()).toBe(2);
    await poll(() => page.getByTestId('bell').getAttribute('data-unread')).toBe('0');

    // An agent proposes a refund over their limit (through the API); the bell updates live.
    const agentCookie = await org.cookie('agent');
    const r = await server.ctx.app.inject({ method: 'POST', url: '/api/remedies', headers: { cookie: agentCookie }, payload: { orderId: (await server.ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), remedyTicket)).ticket.orderId!, ticketId: remedyTicket, category: 'size_fit', optionKey: 't2:partial_refund+coupon', reason: 'Loyal buyer' } });
    expect(r.statusCode).toBe(201);
    await poll(() => page.getByTestId('bell').getAttribute('data-unread')).toBe('1');
    await page.getByTestId('bell').click();
    const item = page.getByTestId('notification').first();
    await poll(() => item.getByTestId('notification-text').innerText()).toBe(`Approval waiting: €40.00 on order ${orderNumber}`);
    await shot(page, 'bell-en-desktop');
    await item.click();
    await poll(() => new URL(page.url()).pathname).toBe('/remedies');
    await poll(() => page.getByTestId('bell').getAttribute('data-unread')).toBe('0');

    // zh-CN: the same notice in Chinese.
    await page.goto('/inbox');
    await page.getByText('中文', { exact: true }).click();
    await poll(() => page.getByTestId('view-open').innerText()).toContain('全部未结');
    await page.getByTestId('bell').click();
    await poll(() => page.getByTestId('notification').first().getByTestId('notification-text').innerText()).toBe(`待审批：订单 ${orderNumber} 的 €40.00`);
    await shot(page, 'bell-zh-CN-desktop');
    await page.keyboard.press('Escape');
    await page.goto(`/inbox/${chatId}`);
    await poll(() => page.getByTestId('composer').count()).toBe(1);
    await shot(page, 'inbox-ticket-zh-CN-desktop');
    await page.goto('/settings/automations');
    await poll(() => page.getByTestId('out-of-hours').count()).toBe(1);
    await shot(page, 'automations-zh-CN-desktop');

    // Phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/inbox');
    await poll(() => page.getByTestId('ticket-row').count()).toBe(2);
    await noWiderThanViewport(page);
    await page.getByTestId('bell').click();
    await poll(() => page.getByTestId('notification').count()).toBe(1);
    await shot(page, 'bell-zh-CN-phone');
    await page.keyboard.press('Escape');
    await page.goto('/settings/automations');
    await poll(() => page.getByTestId('out-of-hours').count()).toBe(1);
    await shot(page, 'automations-zh-CN-phone');
    await page.getByText('EN', { exact: true }).click();
    await page.goto('/settings/automations');
    await poll(() => page.getByTestId('new-rule').count()).toBe(1);
    await shot(page, 'automations-en-phone');
    await page.setViewportSize({ width: 1366, height: 860 });
    await page.goto('/settings/automations');
    await page.getByTestId('new-rule').click();
    await poll(() => page.getByTestId('rule-form').count()).toBe(1);
    await shot(page, 'automations-en-desktop');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('agent: an unresolved variable blocks sending until filled; send and solve; a mention reaches the supervisor', async () => {
    const { page, problems, context } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await shot(page, 'failed-agent');
      console.log('page problems:', problems);
    });
    await page.goto(`/inbox/${chatId}`);
    await signIn(page, org.users.agent.email);
    await poll(() => page.getByTestId('ticket-title').count()).toBe(1);

    // The buyer's German shown translated beside the original (the stand-in labels its pseudo-translation).
    await page.getByTestId('translate-message').first().click();
    await poll(() => page.getByTestId('translation').first().innerText()).toContain('[DE→EN] Hallo, wann kommt meine Bestellung?');
    expect(await page.getByTestId('message-text').first().innerText()).toBe('Hallo, wann kommt meine Bestellung? Ich warte seit einer Woche.');
    await shot(page, 'translation-en-desktop');

    // The macro renders in German; the chat has no order, so its variables stay open.
    await page.getByTestId('macro-button').click();
    await page.getByTestId('macro-option').filter({ hasText: 'Shipped with tracking' }).click();
    const box = page.getByTestId('composer-text');
    await poll(() => box.inputValue()).toBe('Hallo Lena, Bestellung {{order_number}} ist unterwegs: {{tracking_link}}');
    const panel = page.getByTestId('unresolved-variables');
    await poll(() => panel.isVisible()).toBe(true);
    expect(await page.getByTestId('send-button').isDisabled()).toBe(true);
    expect(await page.locator('[data-action=solved]').isDisabled()).toBe(true);
    await shot(page, 'variables-blocked-en-desktop');
    // Ctrl+Enter does not send either.
    await box.focus();
    await page.keyboard.press('Control+Enter');
    await poll(() => page.getByTestId('composer-error').innerText()).toBe('Fill in the highlighted variables before sending.');
    expect((await server.ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), chatId)).messages.filter((m) => m.direction === 'outbound')).toEqual([]);

    await page.getByTestId('var-order_number').fill('5770-88');
    await page.getByTestId('var-tracking_link').fill('DHL 00340434');
    await page.getByTestId('fill-variables').click();
    await poll(() => box.inputValue()).toBe('Hallo Lena, Bestellung 5770-88 ist unterwegs: DHL 00340434');
    await poll(() => panel.count()).toBe(0);

    // Send and solve.
    await page.locator('[data-action=solved]').click();
    const outbound = page.locator('[data-testid=message][data-direction=outbound][data-kind=public]');
    await poll(() => outbound.count()).toBe(1);
    await poll(() => page.getByTestId('status-select').inputValue()).toBe('Solved');
    const t = await server.ctx.services.helpdesk.getTicket(actorFor(org, 'agent'), chatId);
    expect(t.ticket.status).toBe('solved');
    expect(t.messages.filter((m) => m.direction === 'outbound').map((m) => m.body)).toEqual(['Hallo Lena, Bestellung 5770-88 ist unterwegs: DHL 00340434']);

    // A note mentioning the supervisor, picked from the suggestions.
    await page.getByTestId('composer-mode').getByText('Internal note').click();
    await box.fill('Bitte prüfen @sup');
    await poll(() => page.getByTestId('mention-option').count()).toBe(1);
    await page.getByTestId('mention-option').click();
    await poll(() => box.inputValue()).toContain('@supervisor ');
    await box.pressSequentially('danke');
    await page.getByTestId('send-button').click();
    await poll(() => page.locator('[data-testid=message][data-kind=note]').count()).toBe(1);
    await shot(page, 'ticket-solved-en-desktop');
    const sup = await server.ctx.services.notifications.list(actorFor(org, 'supervisor'), {});
    expect(sup.items.map((n) => n.kind)).toContain('mention');

    // Phone: the ticket at 390 px.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/inbox/${chatId}`);
    await poll(() => page.getByTestId('composer').count()).toBe(1);
    await noWiderThanViewport(page);
    await shot(page, 'ticket-en-phone');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
