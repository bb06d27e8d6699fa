/**
 * Product knowledge in the browser: an agent inserts a suggested answer into a German reply (the use
 * is recorded); the catalogue with its knowledge editor and the listing-gaps page in en and zh-CN, on
 * a desktop and a 390 px phone. Screenshots go to /work/shots/knowledge/ (or SHOTS_DIR).
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { knowledgeUses } from '../../src/modules/knowledge/knowledge.schema.js';
import { describeE2E, launchBrowser, openPage, startE2EServer, type E2EServer, signIn, SIGN_IN_ZH } from '../helpers/e2e.js';
import { actorFor, createTestOrg, TEST_PASSWORD, type TestOrg } from '../helpers/org.js';
import { JACKET_ENTRIES } from '../knowledge/suggestions.labelled.js';

const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/knowledge';
const poll = <T,>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });
const MIN = 60_000;

async function shot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}


describeE2E('product knowledge (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let org: TestOrg;
  let ticketId = '';
  let jacketId = '';

  beforeAll(async () => {
    server = await startE2EServer();
    const { ctx } = server;
    org = await createTestOrg(ctx, { market: 'DE' });
    const owner = actorFor(org, 'owner');
    const now = ctx.clock.now().getTime();
    await ctx.services.knowledge.upsertCatalogue(org.orgId, org.shopId, 'tiktok', [
      { externalId: '1729603000000000002', title: 'Veste Camille Hand-Tanned Leather Jacket', description: '<p>Hand-tanned lamb leather jacket, viscose lining.</p>', status: 'ACTIVATE', category: 'Leather Jackets', brand: 'Lumière', attributes: [{ name: 'Material', values: ['Lamb leather'] }], sizeChartUrl: 'template:7001', imageUrls: [], warranty: null, externalUpdatedAt: null, skus: [{ externalId: '1729703000000000002', sellerSku: 'LM-CAM-38', name: 'Cognac / 38', price: { amount: 98000, currency: 'EUR' } }] },
      { externalId: '1729603000000000001', title: 'Voltix PowerCore 20K Power Bank', description: '<p>Slim aluminium body with two USB-C ports.</p>', status: 'ACTIVATE', category: 'Power Banks', brand: 'Voltix', attributes: [], sizeChartUrl: null, imageUrls: [], warranty: null, externalUpdatedAt: null, skus: [{ externalId: '1729703000000000001', sellerSku: 'VX-PC20K', name: '20,000 mAh', price: { amount: 12900, currency: 'EUR' } }] },
    ]);
    jacketId = (await ctx.services.knowledge.listProducts(owner, { q: 'Veste' })).items[0]!.id;
    for (const lang of ['en', 'de'] as const) {
      for (const e of JACKET_ENTRIES.slice(0, 8)) await ctx.services.knowledge.saveEntry(owner, jacketId, { field: e.field, key: e.key || undefined, language: lang, title: e.text[lang][0], body: e.text[lang][1] });
    }
    // The English source moves on: the German smell text is now out of date.
    await ctx.services.knowledge.saveEntry(owner, jacketId, { field: 'quirks', key: 'smell', language: 'en', title: 'Leather smell', body: `${JACKET_ENTRIES[3]!.text.en[1]} It is strongest in the first week.` });
    await ctx.services.knowledge.saveEntry(owner, jacketId, { field: 'quirks', key: 'smell', language: 'zh-CN', title: '皮革气味', body: '首批货气味较重，回复时请先安抚买家。' });

    const orders = await ctx.platform.db.tenant(org.orgId, (tx) =>
      ctx.services.orders.applyOrders(tx, org.orgId, [
        {
          shopId: org.shopId, externalId: '5770019900001',
          buyer: { platformBuyerId: 'byr-lena', displayName: 'Lena Hoffmann', email: 'lena.h@example.de', language: 'de', country: 'DE' },
          status: 'delivered', rawStatus: 'DELIVERED', currency: 'EUR', subtotal: 98000, shipping: 0, sellerDiscount: 0, platformDiscount: 0, tax: 0, total: 98000,
          placedAt: new Date(now - 6 * 1440 * MIN), paidAt: new Date(now - 6 * 1440 * MIN), deliveredAt: new Date(now - 2 * 1440 * MIN), trackingNumber: 'JJD0012345678', carrier: 'DHL', deliveryStatus: 'delivered', externalUpdatedAt: new Date(now - 2 * 1440 * MIN),
          lines: [{ externalId: 'l-1', skuId: '1729703000000000002', sellerSku: 'LM-CAM-38', productId: '1729603000000000002', productName: 'Veste Camille Hand-Tanned Leather Jacket', unitPrice: 98000, paidAmount: 98000, trafficSource: { type: 'organic', id: null, name: null } }],
        },
        {
          shopId: org.shopId, externalId: '5770019900002',
          buyer: { platformBuyerId: 'byr-jonas', displayName: 'Jonas Weber', email: 'jonas.w@example.de', language: 'de', country: 'DE' },
          status: 'delivered', rawStatus: 'DELIVERED', currency: 'EUR', subtotal: 12900, shipping: 0, sellerDiscount: 0, platformDiscount: 0, tax: 0, total: 12900,
          placedAt: new Date(now - 9 * 1440 * MIN), paidAt: new Date(now - 9 * 1440 * MIN), deliveredAt: new Date(now - 5 * 1440 * MIN), trackingNumber: 'JJD0012345679', carrier: 'DHL', deliveryStatus: 'delivered', externalUpdatedAt: new Date(now - 5 * 1440 * MIN),
          lines: [{ externalId: 'l-2', skuId: '1729703000000000001', sellerSku: 'VX-PC20K', productId: '1729603000000000001', productName: 'Voltix PowerCore 20K Power Bank', unitPrice: 12900, paidAmount: 12900, trafficSource: { type: 'organic', id: null, name: null } }],
        },
      ]),
    );
    const r = await ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, direction: 'inbound', channel: 'tiktok_chat', externalThreadId: 'conv-lena', externalMessageId: 'tt-lena-1', buyer: { externalId: 'tt-lena', name: 'Lena Hoffmann', language: 'de' }, orderId: orders.get('5770019900001')!, text: 'Hallo, die Jacke riecht sehr stark nach Leder, ist das normal?', sentAt: new Date(now - 30 * MIN).toISOString() });
    ticketId = r.ticketId;
    await ctx.services.helpdesk.assign(actorFor(org, 'supervisor'), ticketId, { assigneeId: org.users.agent.id });
    await ctx.services.helpdesk.ingestInbound({ orgId: org.orgId, shopId: org.shopId, direction: 'inbound', channel: 'tiktok_chat', externalThreadId: 'conv-jonas', externalMessageId: 'tt-jonas-1', buyer: { externalId: 'tt-jonas', name: 'Jonas Weber', language: 'de' }, orderId: orders.get('5770019900002')!, text: 'Wie lange hält der Akku der Powerbank eigentlich? Im Video hieß es eine Woche.', sentAt: new Date(now - 60 * MIN).toISOString() });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('an agent sees the German answer first for a leather-smell chat and inserts it into the reply with one click (use recorded)', async () => {
    const { page, context, problems } = await openPage(browser, server.baseUrl, { viewport: { width: 1440, height: 900 } });
    onTestFailed(async () => {
      await shot(page, 'failed-suggest');
      console.log('page problems:', problems);
    });
    await page.goto(`/inbox/${ticketId}`);
    await signIn(page, org.users.agent.email);
    const box = page.getByTestId('suggested-answers');
    await box.waitFor();
    await expect.poll(() => page.getByTestId('suggestion').first().innerText()).toContain('Ledergeruch');
    await shot(page, 'inbox-suggestions-en-desktop');
    await page.getByTestId('suggestion-insert').first().click();
    await poll(() => page.getByTestId('composer-text').inputValue()).toContain('Handgegerbtes Leder riecht anfangs stark');
    const uses = () => server.ctx.platform.db.tenant(org.orgId, (tx) => tx.select().from(knowledgeUses).where(and(eq(knowledgeUses.orgId, org.orgId), eq(knowledgeUses.ticketId, ticketId))));
    await poll(async () => (await uses()).map((u) => [u.userId, u.rank])).toEqual([[org.users.agent.id, 1]]);
    await shot(page, 'inbox-suggestion-inserted-en-desktop');
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('catalogue with translation status and listing gaps, in zh-CN and en, on a phone and a desktop', async () => {
    await server.ctx.services.account.update({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' }, { uiLocale: 'zh-CN' });
    for (const [viewport, tag] of [
      [{ width: 390, height: 844 }, 'phone'],
      [{ width: 1366, height: 860 }, 'desktop'],
    ] as const) {
      const { page, context, problems } = await openPage(browser, server.baseUrl, { viewport, locale: 'zh-CN' });
      onTestFailed(async () => {
        await shot(page, `failed-catalogue-${tag}`);
        console.log('page problems:', problems);
      });
      await page.goto(`/catalogue/${jacketId}`);
      await signIn(page, org.users.owner.email, { labels: SIGN_IN_ZH });
      await page.getByTestId('lang-de').click();
      await poll(() => page.getByTestId('knowledge-entry').count()).toBe(8);
      await poll(() => page.getByTestId('entry-status').filter({ hasText: '已过期' }).count()).toBe(1);
      await shot(page, `catalogue-product-zh-${tag}`);
      await page.goto('/listing-gaps');
      await poll(() => page.getByTestId('gap').count()).toBe(1);
      await expect.poll(() => page.getByTestId('gap').first().innerText()).toContain('Voltix PowerCore 20K Power Bank');
      await shot(page, `gaps-zh-${tag}`);
      expect(problems).toEqual([]);
      await context.close();
    }
    // English on a desktop: the product list with its "sync now" and the gap task.
    await server.ctx.services.account.update({ orgId: org.orgId, userId: org.users.owner.id, role: 'owner' }, { uiLocale: 'en' });
    const { page, context, problems } = await openPage(browser, server.baseUrl, { viewport: { width: 1366, height: 860 } });
    await page.goto('/catalogue');
    await signIn(page, org.users.owner.email);
    await poll(() => page.getByTestId('catalogue-product').count()).toBe(2);
    await shot(page, 'catalogue-en-desktop');
    await page.getByTestId('nav-listing-gaps').click();
    await page.getByTestId('gap-task').click();
    await poll(async () => (await server.ctx.services.analytics.listTasks(actorFor(org, 'owner'), { limit: 5 })).items.map((t) => t.kind)).toEqual(['listing']);
    await shot(page, 'gaps-en-desktop');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
