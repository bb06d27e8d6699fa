import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { SEND_COUPON_HANDLER } from '../../src/modules/coupons/index.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn, SIGN_IN_ZH } from '../helpers/e2e.js';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { seedTicket } from '../helpers/returns.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 150 });
const SHOTS = '/work/shots/incidents';


async function shot(page: Page, name: string) {
  const file = await screenshot(page, name);
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.copyFileSync(file, path.join(SHOTS, `${name}.png`));
}

const coupon = (externalId: string, title: string, value: number) => ({ externalId, title, status: 'ONGOING', displayType: 'CHAT', creationSource: 'SELLER_CENTER', targetBuyerSegment: 'ALL', promoCode: null, discountType: 'AMOUNT_OFF', currency: 'EUR', reductionAmount: value, percentageBp: null, maxDiscount: null, minSpend: 0, claimEndAt: new Date('2030-01-01T00:00:00Z'), redemptionType: 'RELATIVE', redemptionEndAt: null, redemptionDays: 14, totalClaimLimit: null, claimedCount: 0, displayChannels: ['CHAT'], productScope: 'FULL_SHOP', productIds: [], claimStartAt: null, redemptionStartAt: null, singleBuyerClaimLimit: 1, redemptionLimit: null, redeemedCount: 0, externalUpdatedAt: null });

describeE2E('Incidents (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  // Today at 10:00 UTC (daytime in Berlin, so no quiet hours), near real time for the session cookie.
  const start = new Date();
  start.setUTCHours(10, 0, 0, 0);
  const clock = new ManualClock(start);
  const platform = { reach: async () => ({ connected: true, chatScope: true }), sellerVouchers: async () => new Map<string, number>(), syncCoupons: async () => ({ coupons: 0 }) };

  beforeAll(async () => {
    server = await startE2EServer({ clock, couponPlatform: platform });
    browser = await launchBrowser();
    // The chat card send, as the platform would take it (the sandbox test proves the real one).
    server.ctx.platform.outbox.register(SEND_COUPON_HANDLER, async (payload, c) => server.ctx.services.coupons.markSent(c.orgId, String(payload.ledgerId), { messageId: `m-${c.id}`, deduplicated: false }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function liveOrder(org: TestOrg, buyer: string, lang: string, n: number) {
    const placedAt = new Date(clock.now().getTime() - (10 + n) * 3_600_000);
    await server.ctx.platform.db.tenant(org.orgId, (tx) =>
      server.ctx.services.orders.applyOrders(tx, org.orgId, [
        {
          shopId: org.shopId,
          externalId: `57700${n}`,
          buyer: { platformBuyerId: buyer, displayName: `Käuferin ${n}`, language: lang, country: 'DE' },
          status: 'delivered',
          rawStatus: 'DELIVERED',
          currency: 'EUR',
          subtotal: 8900,
          shipping: 0,
          sellerDiscount: 0,
          platformDiscount: 0,
          tax: 0,
          total: 8900,
          placedAt,
          paidAt: placedAt,
          deliveredAt: placedAt,
          trackingNumber: null,
          carrier: null,
          deliveryStatus: 'delivered',
          externalUpdatedAt: placedAt,
          lines: [{ externalId: `57700${n}-1`, skuId: 'sku-rose', sellerSku: 'ROSE', productId: 'p-rose', productName: 'Sac Aurore Rose', category: 'Bags', unitPrice: 8900, paidAmount: 8900, trafficSource: { type: 'livestream' as const, id: '7311000007', name: 'Rose Poudré launch (studio lights)' } }],
        },
      ]),
    );
  }

  it('an agent declares in zh-CN, a supervisor approves and watches the progress, a reply ticket shows the incident banner', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    await server.ctx.services.coupons.upsertPlatformCoupons(org.orgId, org.shopId, [coupon('7401', 'Sorry 5', 500)]);
    for (let n = 0; n < 12; n++) await liveOrder(org, `b${n}`, n % 3 === 0 ? 'en' : 'de', n);
    for (const role of ['agent', 'supervisor'] as const) await server.ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie: await org.cookie(role) }, payload: { uiLocale: 'zh-CN' } });

    // The agent declares from the livestream (zh-CN).
    const agent = await openPage(browser, server.baseUrl, { locale: 'zh-CN' });
    onTestFailed(async () => {
      await shot(agent.page, 'failed-incidents');
      console.log('page problems:', agent.problems);
    });
    const a = agent.page;
    await a.goto('/incidents');
    await signIn(a, org.users.agent.email, { labels: SIGN_IN_ZH });
    await poll(() => a.getByRole('heading', { name: '事件' }).count()).toBe(1);
    await a.getByTestId('declare').click();
    await a.getByTestId('incident-title').fill('玫瑰色直播色差');
    await a.getByTestId('pick-livestreams').click();
    await a.getByRole('option', { name: /Rose Poudré/ }).click();
    await a.keyboard.press('Escape');
    await shot(a, 'incidents-declare-zh-CN');
    await a.getByTestId('declare-submit').click();
    await poll(() => a.getByTestId('audience-total').innerText()).toBe('12');
    const incidentId = (await a.getByTestId('incident-detail').getAttribute('data-incident-id'))!;
    await a.getByTestId('lang-de').click();
    await a.getByTestId('message-text').fill('Hallo {buyer_name}, {product} sah im Livestream anders aus (Bestellung {order_number}).');
    await a.getByTestId('lang-en').click();
    await a.getByTestId('message-text').fill('Hi {buyer_name}, {product} looked different in the livestream (order {order_number}).');
    await a.getByTestId('compensation-kind').getByText('优惠券').click();
    await a.getByTestId('coupon-select').click();
    await a.getByRole('option', { name: /Sorry 5/ }).click();
    await a.getByTestId('save-message').click();
    await poll(() => a.getByTestId('total-cost').innerText()).toMatch(/60/);
    await a.getByTestId('lang-de').click();
    await poll(() => a.getByTestId('preview').innerText()).toMatch(/Hallo Käuferin \d+, Sac Aurore Rose sah im Livestream anders aus \(Bestellung 57700\d+\)\./);
    await shot(a, 'incidents-message-zh-CN');
    await a.getByTestId('submit').click();
    await poll(() => a.getByTestId('incident-status').innerText()).toBe('待审批');

    // The supervisor approves (a notification waits), starts the send and watches it finish.
    const sup = await openPage(browser, server.baseUrl, { locale: 'zh-CN' });
    const s = sup.page;
    await s.goto(`/incidents/${incidentId}`);
    await signIn(s, org.users.supervisor.email, { labels: SIGN_IN_ZH });
    await s.getByTestId('approve').click();
    await poll(() => s.getByTestId('incident-status').innerText()).toBe('已批准');
    await s.getByTestId('send').click();
    await poll(() => s.getByTestId('incident-status').innerText()).toBe('发送中');
    // The page may show "sending" while the request is still queueing: wait for the twelve steps.
    const supervisor = { orgId: org.orgId, userId: org.users.supervisor.id, role: 'supervisor' as const };
    await poll(async () => (await server.ctx.services.incidents.status(supervisor, incidentId)).queued).toBe(12);
    for (let i = 0; i < 20; i++) {
      await server.ctx.platform.dispatcher.drain(20, org.orgId);
      clock.advance(2_100);
    }
    // The live channel brings it (incident events as the steps finish), well before the 15 s fallback poll.
    await expect.poll(() => s.getByTestId('progress-sent').innerText(), { timeout: 8_000, interval: 150 }).toBe('已发送: 12 / 12');
    await s.reload();
    await poll(() => s.locator('[data-testid="dashboard"] .recharts-wrapper').count()).toBe(1);
    await shot(s, 'incidents-progress-desktop-zh-CN');
    await s.setViewportSize({ width: 390, height: 844 });
    await shot(s, 'incidents-progress-phone-zh-CN');

    // A buyer writes back: the agent sees the banner on the ticket and applies the agreed reply.
    const b0 = (await server.ctx.platform.db.system((tx) => tx.execute(sql`select o.id from orders o where o.org_id = ${org.orgId} and o.external_id = '577001'`))).rows[0] as { id: string };
    clock.advance(60_000);
    const ticketId = await seedTicket(server.ctx, org, b0.id, 'Die Farbe ist ganz anders als im Live!');
    await a.goto(`/inbox/${ticketId}`);
    await poll(() => a.getByTestId('incident-banner').count()).toBe(1);
    await poll(() => a.getByTestId('incident-banner-text').innerText()).toMatch(/^Hallo Käuferin 1, Sac Aurore Rose/);
    await shot(a, 'incidents-banner-zh-CN');
    await a.getByTestId('incident-apply').click();
    await expect.poll(() => a.getByTestId('incident-banner').getByText('已应用').count(), { timeout: 60_000, interval: 250 }).toBe(1);
    expect(agent.problems).toEqual([]);
    expect(sup.problems).toEqual([]);

    // Lots from a CSV (zh-CN): the columns are guessed from the header; a bad row is refused with its
    // row and column and nothing is written; fixed, the file imports; the declare page offers the lot.
    await s.setViewportSize({ width: 1280, height: 900 });
    await s.goto('/incidents');
    await s.getByTestId('lots-open').click();
    await s.getByTestId('lot-csv').fill('订单号,Seller SKU,批次\n577001,ROSE,L-0925\n999999,ROSE,L-0925\n577002,577002-1,L-0925\n');
    await poll(() => s.getByTestId('lot-col-lot').inputValue()).toBe('批次');
    expect(await s.getByTestId('lot-col-order').inputValue()).toBe('订单号');
    expect(await s.getByTestId('lot-col-line').inputValue()).toBe('Seller SKU');
    await s.getByTestId('lot-submit').click();
    await poll(() => s.getByTestId('lot-errors').innerText()).toMatch(/3\s+订单号列\s+本店铺没有该订单 \(999999\)/);
    expect((await server.ctx.platform.db.system((tx) => tx.execute(sql`select count(*)::int as n from incident_lots where org_id = ${org.orgId}`))).rows[0]).toEqual({ n: 0 });
    await shot(s, 'incidents-lots-refused-zh-CN');
    await s.getByTestId('lot-csv').fill('订单号,Seller SKU,批次\n577001,ROSE,L-0925\n577002,577002-1,L-0925\n');
    await s.getByTestId('lot-submit').click();
    await poll(() => s.getByTestId('lot-result').innerText()).toBe('已导入：2 行，2 个订单行已有批次。');
    await s.setViewportSize({ width: 390, height: 844 });
    await shot(s, 'incidents-lots-imported-phone-zh-CN');
    await s.setViewportSize({ width: 1280, height: 900 });
    await s.goto('/incidents/new');
    await s.getByTestId('pick-lots').click();
    await poll(() => s.getByRole('option', { name: 'L-0925 (2)' }).count()).toBe(1);
    await shot(s, 'incidents-lots-declare-zh-CN');
    await s.keyboard.press('Escape');
    expect(sup.problems).toEqual([]);

    // English, desktop and phone.
    for (const role of ['supervisor'] as const) await server.ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie: await org.cookie(role) }, payload: { uiLocale: 'en' } });
    const en = await openPage(browser, server.baseUrl);
    await en.page.goto(`/incidents/${incidentId}`);
    await signIn(en.page, org.users.supervisor.email);
    await poll(() => en.page.getByTestId('progress-sent').innerText()).toBe('Sent: 12 / 12');
    await shot(en.page, 'incidents-desktop-en');
    await en.page.setViewportSize({ width: 390, height: 844 });
    await shot(en.page, 'incidents-phone-en');
    await en.page.setViewportSize({ width: 1280, height: 900 });
    await en.page.goto('/incidents');
    await en.page.getByTestId('lots-open').click();
    await poll(() => en.page.getByTestId('lot-known').innerText()).toBe('Known lots in this shop (1): L-0925 (2)');
    await shot(en.page, 'incidents-lots-dialog-en');
    await en.page.setViewportSize({ width: 390, height: 844 });
    await shot(en.page, 'incidents-lots-dialog-phone-en');
    expect(en.problems).toEqual([]);
  }, 240_000);
});
