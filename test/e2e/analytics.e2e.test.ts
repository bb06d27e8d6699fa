import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { describeE2E, launchBrowser, openPage, screenshot, startE2EServer, type E2EServer, signIn } from '../helpers/e2e.js';
import { TEST_PASSWORD } from '../helpers/org.js';
import { connectedWorld, type TikTokTestWorld } from '../tiktok/helpers.js';
import { parse as parseCsv } from 'csv-parse/sync';
import { startAdsStandIn, type AdsStandIn } from '../../src/integrations/tiktok-ads/index.js';

const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 150 });
const SHOTS = '/work/shots/analytics';

async function shot(page: Page, name: string) {
  const file = await screenshot(page, `analytics-${name}`);
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.copyFileSync(file, path.join(SHOTS, `${name}.png`));
}

describeE2E('analytics (browser)', () => {
  let server: E2EServer;
  let browser: Browser;
  let w: TikTokTestWorld;
  let shortOrder = '';
  let ads: AdsStandIn;
  let campaignName = '';

  beforeAll(async () => {
    server = await startE2EServer();
    // The DE shop of the sandbox world (Lumière), attributed the real way: orders, returns, then the platform's feeds.
    w = await connectedWorld(server.ctx, { ordersPerShop: 200 });
    await server.ctx.services.tiktok.sync.syncShop(w.org.orgId, w.shopId, ['orders', 'returns']);
    const adsCsv = w.sandbox.adsReport(w.tiktokShopId);
    await server.ctx.services.analytics.importAdsReport({ orgId: w.org.orgId, userId: w.org.users.owner.id, role: 'owner' }, { shopId: w.shopId, csv: adsCsv });
    // The Marketing API (stand-in) knows the report's campaigns: spend per day for the last 30 days.
    ads = await startAdsStandIn();
    ads.registerAdvertiser({ advertiserId: '7000000000042', token: 'act.e2e-ads-token' });
    const campaigns = [...new Set((parseCsv(adsCsv, { columns: true }) as Record<string, string>[]).map((r) => r['Campaign ID']!))];
    const today = server.ctx.clock.now().getTime();
    campaigns.forEach((id, i) => {
      for (let d = 0; d < 30; d++) ads.addCampaignDay('7000000000042', { campaignId: id, campaignName: `API campaign ${i + 1}`, day: new Date(today - d * 86_400_000).toISOString().slice(0, 10), spend: `${40 + i * 15}.50`, conversions: 3 + i, impressions: 5000, clicks: 120 });
    });
    campaignName = 'API campaign 1';
    server.ctx.services.tiktokAds.retarget(ads.base);
    await server.ctx.services.tiktok.attribution.syncShop(w.org.orgId, w.shopId, { days: 90 });
    // The US shop too, for the refund reconciliation (the Finance API serves US/GB shops): one of its
    // refunds was booked 2.50 short on the statement.
    const owner = { orgId: w.org.orgId, userId: w.org.users.owner.id, role: 'owner' as const };
    const us = w.sandbox.world.shops.find((s) => s.region === 'US')!;
    const usShop = await server.ctx.services.tenancy.createShop(owner, { brandId: w.org.brandId, name: 'Voltix US', market: 'US' });
    await server.ctx.services.tiktok.connections.completeAuthorisation(w.org.orgId, w.sandbox.issueAuthCode([us.id]));
    await server.ctx.services.tiktok.sync.syncShop(w.org.orgId, usShop.id, ['orders', 'returns']);
    const refunded = [...w.sandbox.world.returns.values()].find((r) => r.shopId === us.id && r.type !== 'REPLACEMENT' && r.status === 'RETURN_OR_REFUND_REQUEST_COMPLETE' && r.updateTime < w.sandbox.world.nowSec() - 2 * 86_400)!;
    w.sandbox.world.financeQuirks.set(refunded.id, refunded.refundTotal - 250);
    shortOrder = refunded.orderId;
    await server.ctx.services.tiktok.finance!.syncShop(w.org.orgId, usShop.id, { days: 90 });
    await server.ctx.services.tiktok.finance!.syncShop(w.org.orgId, w.shopId, { days: 90 });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await ads?.close();
    await browser?.close();
    await w?.close();
    await server?.close();
  });

  it('the owner opens Analytics in zh-CN, sees the flagged livestream, drills down to its returns and exports the exclusion list', async () => {
    const rose = w.sandbox.world.shop(w.tiktokShopId)!.sources.find((s) => s.name.includes('Rose Poudré'))!;
    const { page, problems, context } = await openPage(browser, server.baseUrl);
    onTestFailed(async () => {
      await shot(page, 'failed');
      console.log('page problems:', problems);
    });
    await page.goto('/analytics');
    await signIn(page, w.org.users.owner.email);
    await page.getByText('中文', { exact: true }).click();
    await poll(() => page.getByRole('heading', { name: '数据分析' }).count()).toBeGreaterThan(0);
    const alert = page.getByTestId('flagged-alert');
    await poll(() => alert.innerText()).toContain(rose.name);
    await poll(() => alert.innerText()).toContain('个流量来源的退货率远高于所在店铺');
    // Only the bad livestream is flagged in this shop.
    expect(await page.getByTestId('flagged-source').allInnerTexts()).toEqual([expect.stringContaining(rose.name)]);
    // Two shops and no shop filter: the line names its shop.
    expect(await page.getByTestId('flagged-source').innerText()).toMatch(/^Shop \S+ · /);
    await shot(page, 'desktop-zh-CN');

    await page.getByTestId('flagged-source').click();
    const drawer = page.getByTestId('drill-table');
    await poll(() => drawer.getByTestId('drill-row').count()).toBeGreaterThan(10);
    // Returns only (the default): every row is a colour return through the LIVE session's window.
    const rows = await drawer.getByTestId('drill-row').allInnerTexts();
    expect(rows.every((r) => r.includes('Farbe weicht vom Livestream ab') && r.includes('直播时段'))).toBe(true);
    await shot(page, 'drilldown-zh-CN');
    await page.keyboard.press('Escape');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-exclusions').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toContain('live_session_id');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain(`,livestream,,,,${rose.id},`);

    // Shop health and operations, in Chinese.
    await page.getByRole('tab', { name: '店铺健康与运营' }).click();
    // Two shops now (the DE shop and the US shop of the reconciliation).
    await poll(() => page.getByTestId('health-shop').count()).toBe(2);
    await poll(() => page.getByTestId('health-shop').first().innerText()).toContain('非买家责任退货率');
    await shot(page, 'health-zh-CN');

    // After-sales outcomes: cost share of sales from the shop's refunds, definitions beside the numbers.
    await page.getByTestId('tab-outcomes').click();
    await poll(() => page.getByTestId('cost-share').innerText()).toContain('EUR');
    await poll(() => page.getByTestId('stat-reviews').innerText()).toContain('暂无数据');
    expect(await page.getByTestId('def-cost_share').count()).toBe(1);
    // Per-step targets: an input beside each of the four steps' p50/p90.
    expect(await page.getByTestId('step-target-request_to_approval').count()).toBe(1);
    await shot(page, 'outcomes-zh-CN');
    // Refund reconciliation: the US shop's refund booked short is listed; the DE shop (no Finance API) is named apart.
    await page.getByTestId('tab-reconciliation').click();
    await poll(() => page.getByTestId('recon-amount_differs').innerText()).toBe('1');
    expect(Number(await page.getByTestId('recon-matched').innerText())).toBeGreaterThan(0);
    await poll(() => page.getByTestId('recon-table').innerText()).toContain(shortOrder);
    expect(await page.getByTestId('recon-table').innerText()).toContain('-US$2.50');
    await poll(() => page.getByText('1 个店铺没有结算单', { exact: false }).count()).toBe(1);
    await shot(page, 'reconciliation-zh-CN');
    // Settings → Ads: the owner connects the advertiser account and imports; Analytics → Ad campaigns shows the spend.
    await page.goto('/settings/ads');
    const card = page.getByTestId('ads-account-card').first();
    await card.getByLabel('广告主 ID').fill('7000000000042');
    await card.getByLabel('Marketing API 访问令牌').fill('act.e2e-ads-token');
    await card.getByTestId('ads-save').click();
    await card.getByTestId('ads-import').click();
    await poll(() => page.getByText('个广告系列的', { exact: false }).count()).toBeGreaterThan(0);
    await poll(() => card.innerText()).not.toContain('从未');
    await shot(page, 'settings-ads-zh-CN');
    await page.goto('/analytics');
    await page.getByTestId('tab-ads').click();
    await poll(() => page.getByTestId('ads-table').innerText()).toContain(campaignName);
    // Refunds are money in the shop's currency (the DE shop: euros), not bare minor units.
    expect(await page.getByTestId('ads-refunds').first().innerText()).toContain('€');
    await shot(page, 'ads-zh-CN');
    const desk = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'ads-phone-zh-CN');
    await page.setViewportSize(desk);
    await page.getByRole('tab', { name: '流量来源' }).click();

    // English and the phone width.
    await page.getByText('EN', { exact: true }).click();
    await poll(() => alert.innerText()).toContain('returns far more than');
    await shot(page, 'desktop-en');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'phone-en');
    await page.getByText('中文', { exact: true }).click();
    await poll(() => page.getByRole('heading', { name: '数据分析' }).count()).toBeGreaterThan(0);
    await shot(page, 'phone-zh-CN');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
