import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn, SIGN_IN_ZH } from '../helpers/e2e.js';
import { createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 150 });
const SHOTS = '/work/shots/coupons';
const DAY = 86_400_000;


async function shot(page: Page, name: string) {
  const file = await screenshot(page, name);
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.copyFileSync(file, path.join(SHOTS, `${name}.png`));
}

/** A Seller Center chat coupon as the sync would store it. */
const coupon = (externalId: string, title: string, value: number, minSpend: number) => ({ externalId, title, status: 'ONGOING', displayType: 'CHAT', creationSource: 'SELLER_CENTER', targetBuyerSegment: 'ALL', promoCode: null, discountType: 'AMOUNT_OFF', currency: 'EUR', reductionAmount: value, percentageBp: null, maxDiscount: null, minSpend, claimEndAt: new Date('2027-01-01T00:00:00Z'), redemptionType: 'RELATIVE', redemptionEndAt: null, redemptionDays: 14, totalClaimLimit: null, claimedCount: 0, displayChannels: ['CHAT'], productScope: 'FULL_SHOP', productIds: [], claimStartAt: null, redemptionStartAt: null, singleBuyerClaimLimit: 1, redemptionLimit: null, redeemedCount: 0, externalUpdatedAt: null });

describeE2E('Coupons page (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  // Near real time: the browser drops a session cookie whose expiry (from the server clock) lies in its past.
  const clock = new ManualClock(Date.now());
  // Orders whose external id starts with RED carry a 5.00 seller voucher (what price detail would say).
  const platform = {
    reach: async () => ({ connected: true, chatScope: true }),
    sellerVouchers: async (_o: string, _s: string, orders: { id: string; externalId: string }[]) => new Map(orders.map((o) => [o.id, o.externalId.startsWith('RED') ? 500 : 0])),
    syncCoupons: async () => ({ coupons: 0 }),
  };

  beforeAll(async () => {
    server = await startE2EServer({ clock, couponPlatform: platform });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function order(org: TestOrg, buyer: string, ext: string, placedAt: Date, deliveredAt: Date | null, total: number) {
    await server.ctx.platform.db.tenant(org.orgId, (tx) =>
      server.ctx.services.orders.applyOrders(tx, org.orgId, [
        {
          shopId: org.shopId,
          externalId: ext,
          buyer: { platformBuyerId: buyer, displayName: `Käufer ${buyer}`, language: 'de', country: 'DE' },
          status: deliveredAt ? 'delivered' : 'awaiting_shipment',
          rawStatus: deliveredAt ? 'DELIVERED' : 'AWAITING_SHIPMENT',
          currency: 'EUR',
          subtotal: total,
          shipping: 0,
          sellerDiscount: 0,
          platformDiscount: 0,
          tax: 0,
          total,
          placedAt,
          paidAt: placedAt,
          deliveredAt,
          trackingNumber: null,
          carrier: null,
          deliveryStatus: deliveredAt ? 'delivered' : 'not_shipped',
          externalUpdatedAt: placedAt,
          lines: [{ externalId: `${ext}-1`, skuId: 'sku', sellerSku: 'SKU', productId: 'p', productName: 'Ring', category: 'Jewellery', unitPrice: total, paidAmount: total, trafficSource: { type: 'organic' as const, id: null, name: null } }],
        },
      ]),
    );
  }

  it('a supervisor creates a programme in zh-CN and sees its figures and chart', async () => {
    const org = await createTestOrg(server.ctx, { market: 'DE' });
    await server.ctx.services.coupons.upsertPlatformCoupons(org.orgId, org.shopId, [coupon('7301', 'Spend 30 save 5', 500, 3000), coupon('7302', 'Sorry 10', 1000, 0)]);
    const cookie = await org.cookie('supervisor');
    await server.ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie }, payload: { uiLocale: 'zh-CN' } });
    const { page, problems } = await openPage(browser, server.baseUrl, { locale: 'zh-CN' });
    onTestFailed(async () => {
      await shot(page, 'failed-coupons');
      console.log('page problems:', problems);
    });
    await page.goto('/coupons');
    await signIn(page, org.users.supervisor.email, { labels: SIGN_IN_ZH });
    await poll(() => page.getByRole('heading', { name: '优惠券' }).count()).toBe(1);
    await poll(() => page.getByText('该店铺还没有计划', { exact: false }).count()).toBe(1);

    // Create the programme through the form (zh-CN labels), with a preview of the buyer's text.
    await page.getByTestId('new-programme').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('f-name').fill('回访 3 天');
    await dialog.getByTestId('f-coupon-0').click();
    await page.getByRole('option', { name: /Spend 30 save 5/ }).click();
    await dialog.getByRole('tab', { name: 'DE' }).click();
    await dialog.getByRole('textbox', { name: '发给买家的消息' }).fill('Danke! {value} Rabatt ab {minSpend}.');
    await poll(() => dialog.getByTestId('f-preview').innerText()).toMatch(/^Danke! 5,00\s€ Rabatt ab 30,00\s€\.$/);
    await shot(page, 'coupons-form-zh-CN');
    // A WhatsApp programme names its approved template and the language code per buyer language (zh-CN labels); back to chat.
    await dialog.getByTestId('f-channel').click();
    await page.getByRole('option', { name: 'WhatsApp（优惠码）' }).click();
    await poll(() => dialog.getByTestId('f-wa-template').count()).toBe(1);
    await poll(() => dialog.getByText('模板须经 Meta 审核通过后才能发送', { exact: false }).count()).toBe(1);
    await dialog.getByTestId('f-wa-language').fill('de_DE');
    await shot(page, 'coupons-whatsapp-template-zh-CN');
    await dialog.getByTestId('f-channel').click();
    await page.getByRole('option', { name: 'TikTok 聊天（优惠券卡片）' }).click();
    await poll(() => dialog.getByTestId('f-wa-template').count()).toBe(0);
    await dialog.getByTestId('f-save').click();
    await poll(() => dialog.count()).toBe(0);
    const [p] = (await server.ctx.services.coupons.listProgrammes({ orgId: org.orgId, userId: org.users.supervisor.id, role: 'supervisor' })).items;
    expect(p).toMatchObject({ name: '回访 3 天', kind: 'return_visit', holdoutPercent: 10, schedule: { afterDeliveryDays: 3 }, messages: { de: 'Danke! {value} Rabatt ab {minSpend}.' }, currency: 'EUR' });

    // Twelve buyers had a parcel delivered three days ago; the programme runs, cards go out, one buyer redeems.
    for (let i = 0; i < 12; i++) await order(org, `b${i}`, `O${i}`, new Date(clock.now().getTime() - 6 * DAY), new Date(clock.now().getTime() - 3 * DAY), 4500);
    const run = await server.ctx.services.coupons.runDue(org.orgId, org.shopId);
    expect(run.planned + run.heldOut).toBe(12);
    const sentTo: string[] = [];
    for (const row of (await server.ctx.platform.db.system((tx) => tx.execute(sql`select id, buyer_id from coupon_ledger where org_id = ${org.orgId} and status = 'planned'`))).rows as { id: string; buyer_id: string }[]) {
      await server.ctx.services.coupons.markSent(org.orgId, row.id, { messageId: `m-${row.id}`, deduplicated: false });
      sentTo.push(row.buyer_id);
    }
    expect(sentTo).toHaveLength(run.planned);
    clock.advance(DAY);
    const buyerOf = (await server.ctx.platform.db.system((tx) => tx.execute(sql`select platform_buyer_id from buyers where org_id = ${org.orgId} and id = ${sentTo[0]!}`))).rows[0] as { platform_buyer_id: string };
    await order(org, buyerOf.platform_buyer_id, 'RED1', clock.now(), null, 6000);
    expect(await server.ctx.services.coupons.attribute(org.orgId, org.shopId)).toMatchObject({ redeemed: 1 });

    await page.reload();
    await page.getByTestId(`programme-${p!.id}`).click();
    const detail = page.getByTestId('programme-detail');
    await poll(() => detail.getByTestId('fig-redeemed').innerText()).toBe('1');
    await poll(() => page.getByTestId(`programme-${p!.id}`).locator('td').allInnerTexts()).toEqual(['回访 3 天', '回访', String(run.planned), '1', new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(1 / run.planned), String(run.heldOut), new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'EUR' }).format(5)]);
    await poll(() => detail.locator('.recharts-wrapper').count()).toBe(1);
    await poll(() => detail.getByTestId('verdict-a').innerText()).toBe('不确定');
    expect(await detail.getByText('发送与核销趋势').count()).toBe(1);
    await shot(page, 'coupons-desktop-zh-CN');

    // Edit the programme (zh-CN): the form opens with its values; kind, channel and coupons are fixed.
    await detail.getByTestId('edit-programme').click();
    const edit = page.getByRole('dialog');
    await poll(() => edit.getByTestId('f-name').inputValue()).toBe('回访 3 天');
    expect(await edit.getByTestId('f-holdout').inputValue()).toBe('10 %');
    expect(await edit.getByTestId('f-kind').isDisabled()).toBe(true);
    expect(await edit.getByTestId('f-coupon-0').isDisabled()).toBe(true);
    await edit.getByTestId('f-name').fill('回访 5 天');
    await edit.getByTestId('f-holdout').fill('20');
    await edit.getByLabel('签收后天数').fill('5');
    await edit.getByRole('tab', { name: 'FR' }).click();
    await edit.getByRole('textbox', { name: '发给买家的消息' }).fill('Merci ! {value} de réduction.');
    await poll(() => edit.getByTestId('f-preview').innerText()).toMatch(/^Merci ! 5,00\s€ de réduction\.$/);
    await edit.getByTestId('f-active').click();
    await shot(page, 'coupons-edit-zh-CN');
    await edit.getByTestId('f-save').click();
    await poll(() => edit.count()).toBe(0);
    const edited = (await server.ctx.services.coupons.listProgrammes({ orgId: org.orgId, userId: org.users.supervisor.id, role: 'supervisor' })).items[0]!;
    expect(edited).toMatchObject({ id: p!.id, name: '回访 5 天', status: 'paused', holdoutPercent: 20, schedule: { afterDeliveryDays: 5 }, messages: { de: 'Danke! {value} Rabatt ab {minSpend}.', fr: 'Merci ! {value} de réduction.' }, variants: [{ key: 'a', platformCouponId: p!.variants[0]!.platformCouponId }] });
    await poll(() => detail.getByTestId('detail-holdout').innerText()).toMatch(/^保留组 20\s?% · TikTok 聊天/);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'coupons-phone-zh-CN');
    expect(problems).toEqual([]);

    // The same page in English, desktop and phone.
    await server.ctx.app.inject({ method: 'PATCH', url: '/api/auth/me', headers: { cookie }, payload: { uiLocale: 'en' } });
    const en = await openPage(browser, server.baseUrl);
    await en.page.goto('/coupons');
    await signIn(en.page, org.users.supervisor.email);
    await en.page.getByTestId(`programme-${p!.id}`).click();
    await poll(() => en.page.getByTestId('programme-detail').getByTestId('fig-redeemed').innerText()).toBe('1');
    await shot(en.page, 'coupons-desktop-en');
    await en.page.setViewportSize({ width: 390, height: 844 });
    await shot(en.page, 'coupons-phone-en');
    expect(en.problems).toEqual([]);
  });
});
