import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAdvertiser, reportRanges, spendToMinor, startAdsStandIn, startDemoAds, type AdsStandIn } from '../../src/integrations/tiktok-ads/index.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { OrderInput, PlatformReturnInput } from '../../src/modules/orders/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg } from '../helpers/org.js';

/**
 * The Marketing API for ads against its local stand-in (same path, header, envelope and paging):
 * the owner connects the shop's advertiser account (token sealed, never shown), "import now" reads
 * 40 days in two ranges of at most 30 days, spend per campaign and day is stored in minor units,
 * the CSV-attributed orders of a campaign take the report's name, and the campaign view puts spend
 * beside the returns of its orders. A revoked token marks the account failing with the API's words.
 */
let ctx: TestContext;
let api: AdsStandIn;
const clock = new ManualClock(new Date('2026-03-30T10:00:00Z'));
const ADV = { advertiserId: '7000000000001', token: 'act.ads-token-0001' };

beforeAll(async () => {
  ctx = await createTestContext({ clock });
  api = await startAdsStandIn();
  api.registerAdvertiser(ADV);
  ctx.services.tiktokAds.retarget(api.base);
});
afterAll(async () => {
  await api?.close();
  await ctx?.close();
});

const order = (shopId: string, ext: string): OrderInput =>
  ({ shopId, externalId: ext, buyer: { platformBuyerId: `b-${ext}`, displayName: null, email: null }, status: 'delivered', rawStatus: 'DELIVERED', currency: 'EUR', subtotal: 2_000, shipping: 0, sellerDiscount: 0, platformDiscount: 0, tax: 0, total: 2_000, placedAt: new Date('2026-03-01T10:00:00Z'), paidAt: null, deliveredAt: new Date('2026-03-04T10:00:00Z'), trackingNumber: null, carrier: null, deliveryStatus: 'delivered', externalUpdatedAt: new Date('2026-03-04T10:00:00Z'), lines: [{ externalId: `${ext}-1`, skuId: 's', productId: 'p', productName: 'Lamp', unitPrice: 2_000, paidAmount: 2_000, trafficSource: { type: 'organic', id: null, name: null } }] }) as unknown as OrderInput;
const refund = (shopId: string, ext: string): PlatformReturnInput => ({ shopId, kind: 'return', externalId: `R-${ext}`, externalOrderId: ext, type: 'refund_only', rawType: 'REFUND', status: 'completed', rawStatus: 'RETURN_OR_REFUND_REQUEST_COMPLETE', reasonCode: 'ecom_order_delivered_refund_reason_damaged', reasonText: 'damaged', lines: [{ externalOrderLineId: `${ext}-1`, refundAmount: 2_000 }], currency: 'EUR', refundAmount: 2_000, photos: [], videos: [], requestedAt: new Date('2026-03-06T10:00:00Z'), externalUpdatedAt: new Date('2026-03-07T10:00:00Z') });

describe('ad campaigns from the Marketing API (stand-in)', () => {
  it('rules: report ranges of at most 30 days, spend to minor units', () => {
    expect(reportRanges(new Date('2026-03-30T10:00:00Z'), 40)).toEqual([{ from: '2026-02-19', to: '2026-02-28' }, { from: '2026-03-01', to: '2026-03-30' }]);
    expect(reportRanges(new Date('2026-03-30T23:59:00Z'), 7)).toEqual([{ from: '2026-03-24', to: '2026-03-30' }]);
    expect(spendToMinor('12.34', 'EUR')).toBe(1234);
    expect(spendToMinor('12.345', 'EUR')).toBe(1235);
    expect(spendToMinor('1500', 'JPY')).toBe(1500);
    expect(spendToMinor('n/a', 'EUR')).toBe(0);
  });

  it('imports the campaign report, names the attributed orders and puts spend beside their returns', async () => {
    const org = await createTestOrg(ctx);
    const owner = await org.cookie('owner');
    const sup = await org.cookie('supervisor');
    const url = `/api/shops/${org.shopId}/tiktok-ads`;
    // 35 days of C1 at 12.34 a day (two ranges), 3 days of C2, and a day outside the 40 days.
    for (let i = 0; i < 35; i++) api.addCampaignDay(ADV.advertiserId, { campaignId: '1800000000000001', campaignName: 'Spring sale', day: new Date(Date.UTC(2026, 2, 30) - i * 86_400_000).toISOString().slice(0, 10), spend: '12.34', conversions: 2, impressions: 1000, clicks: 30 });
    for (const day of ['2026-03-02', '2026-03-03', '2026-03-04']) api.addCampaignDay(ADV.advertiserId, { campaignId: '1800000000000002', campaignName: 'Retarget', day, spend: '5', conversions: 1, impressions: 200, clicks: 4 });
    api.addCampaignDay(ADV.advertiserId, { campaignId: '1800000000000002', campaignName: 'Retarget', day: '2026-01-01', spend: '99', conversions: 9, impressions: 9, clicks: 9 });

    // Four delivered orders; the ads CSV (no name column) gives O1, O2 to C1 and O3 to C2; O1 refunded.
    await ctx.platform.db.tenant(org.orgId, async (tx) => {
      await ctx.services.orders.applyOrders(tx, org.orgId, ['O1', 'O2', 'O3', 'O4'].map((e) => order(org.shopId, `58000000000${e.slice(1)}`)));
      await ctx.services.orders.applyPlatformReturns(tx, org.orgId, [refund(org.shopId, '580000000001')]);
    });
    const csv = 'Order ID,Campaign ID\n580000000001,1800000000000001\n580000000002,1800000000000001\n580000000003,1800000000000002\n';
    const imported = await ctx.services.analytics.importAdsReport(actorFor(org, 'owner'), { shopId: org.shopId, csv, mapping: { orderColumn: 'Order ID', campaignColumn: 'Campaign ID' } });
    expect(imported).toMatchObject({ rows: 3, claimed: 3, linesAttributed: 3 });

    // Settings: a new account needs its token (400 naming it); a supervisor may not change it (403).
    const noToken = await ctx.app.inject({ method: 'PUT', url, headers: { cookie: owner }, payload: { advertiserId: ADV.advertiserId } });
    expect(noToken.statusCode).toBe(400);
    expect(noToken.body).toContain('accessToken');
    expect((await ctx.app.inject({ method: 'PUT', url, headers: { cookie: sup }, payload: { advertiserId: ADV.advertiserId, accessToken: ADV.token } })).statusCode).toBe(403);
    const saved = await ctx.app.inject({ method: 'PUT', url, headers: { cookie: owner }, payload: { advertiserId: ADV.advertiserId, accessToken: ADV.token } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ advertiserId: ADV.advertiserId, currency: 'EUR', status: 'active', lastImportAt: null });
    const got = await ctx.app.inject({ method: 'GET', url, headers: { cookie: sup } });
    expect(got.body).not.toContain(ADV.token);
    const sealed = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select access_token from tiktok_ads_accounts where org_id = ${org.orgId}`));
    expect(String((sealed.rows[0] as { access_token: string }).access_token)).not.toContain(ADV.token);

    // Import now: 40 days in two calls, each with the API's parameters.
    const before = api.calls.length;
    const res = await ctx.app.inject({ method: 'POST', url: `${url}/import`, headers: { cookie: sup }, payload: { days: 40 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ from: '2026-02-19', to: '2026-03-30', days: 38, campaigns: 2, linesRenamed: 3 });
    const calls = api.calls.slice(before);
    expect(calls.map((c) => [c.start_date, c.end_date])).toEqual([['2026-02-19', '2026-02-28'], ['2026-03-01', '2026-03-30']]);
    expect(calls[0]).toMatchObject({ advertiser_id: ADV.advertiserId, report_type: 'BASIC', data_level: 'AUCTION_CAMPAIGN', dimensions: '["campaign_id","stat_time_day"]', page: '1', page_size: '1000' });
    const lines = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select o.external_id, ol.traffic_source_type, ol.traffic_source_id, ol.traffic_source_name, ol.traffic_source_provenance from order_lines ol join orders o on o.org_id = ol.org_id and o.id = ol.order_id where ol.org_id = ${org.orgId} order by o.external_id`));
    expect(lines.rows).toEqual([
      { external_id: '580000000001', traffic_source_type: 'ad_campaign', traffic_source_id: '1800000000000001', traffic_source_name: 'Spring sale', traffic_source_provenance: 'ads_report' },
      { external_id: '580000000002', traffic_source_type: 'ad_campaign', traffic_source_id: '1800000000000001', traffic_source_name: 'Spring sale', traffic_source_provenance: 'ads_report' },
      { external_id: '580000000003', traffic_source_type: 'ad_campaign', traffic_source_id: '1800000000000002', traffic_source_name: 'Retarget', traffic_source_provenance: 'ads_report' },
      { external_id: '580000000004', traffic_source_type: 'organic', traffic_source_id: null, traffic_source_name: null, traffic_source_provenance: 'none' },
    ]);

    // The campaign view: spend and conversions of the period beside the attributed returns.
    const view = await ctx.app.inject({ method: 'GET', url: '/api/analytics/ad-campaigns?from=2026-03-01&to=2026-03-30', headers: { cookie: sup } });
    expect(view.statusCode).toBe(200);
    expect(view.json().items).toEqual([
      { shopId: org.shopId, campaignId: '1800000000000001', name: 'Spring sale', currency: 'EUR', spend: 30 * 1234, conversions: 60, impressions: 30_000, clicks: 900, orders: 2, returnedLines: 1, returnRate: 0.5, refunds: 2_000, refundCurrency: 'EUR' },
      { shopId: org.shopId, campaignId: '1800000000000002', name: 'Retarget', currency: 'EUR', spend: 1_500, conversions: 3, impressions: 600, clicks: 12, orders: 1, returnedLines: 0, returnRate: 0, refunds: 0, refundCurrency: 'EUR' },
    ]);

    // The token is revoked on TikTok's side: the import answers 502 and the account says why.
    api.registerAdvertiser({ advertiserId: ADV.advertiserId, token: 'act.rotated-elsewhere' });
    const failed = await ctx.app.inject({ method: 'POST', url: `${url}/import`, headers: { cookie: sup }, payload: {} });
    expect(failed.statusCode).toBe(502);
    const after = (await ctx.app.inject({ method: 'GET', url, headers: { cookie: sup } })).json().account;
    expect(after).toMatchObject({ status: 'failing', lastImportAt: '2026-03-30T10:00:00.000Z' });
    expect(after.lastError).toBe('TikTok refused the campaign report: The access token is invalid or has been revoked.');
    api.registerAdvertiser(ADV);
    // The hourly job's path: the last 7 days again, the account healthy again.
    const all = await ctx.services.tiktokAds.importAll();
    expect(all.failed).toBe(0);
    expect((await ctx.services.tiktokAds.get(actorFor(org, 'owner'), org.shopId))?.status).toBe('active');
  });

  it('the demo: its stand-in connects the shop whose orders the ads report attributed, imports spend for those campaigns, and leaves an owner-chosen account alone', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    await ctx.platform.db.tenant(org.orgId, (tx) => ctx.services.orders.applyOrders(tx, org.orgId, ['590000000001', '590000000002', '590000000003'].map((e) => order(org.shopId, e))));
    await ctx.services.analytics.importAdsReport(owner, { shopId: org.shopId, csv: 'Order ID,Campaign ID,Campaign name\n590000000001,1900000000000001,Gifting\n590000000002,1900000000000002,Retarget\n', mapping: { orderColumn: 'Order ID', campaignColumn: 'Campaign ID', campaignNameColumn: 'Campaign name' } });
    const shopIds = async () => (await ctx.services.tenancy.listShops(owner)).map((x) => x.id);
    const demo = await startDemoAds({ ads: ctx.services.tiktokAds, analytics: ctx.services.analytics, log: silentLogger, shopIds }, { orgId: org.orgId, now: () => clock.now(), waitMs: 0, pollMs: 1 });
    try {
      expect(await demo.connect()).toBe(1);
      const adv = demoAdvertiser((await shopIds()).sort().indexOf(org.shopId));
      expect(await ctx.services.tiktokAds.get(owner, org.shopId)).toMatchObject({ advertiserId: adv.advertiserId, currency: 'EUR', status: 'active', lastImportAt: clock.now().toISOString() });
      const view = await ctx.services.analytics.adCampaigns(owner, { from: '2026-03-01', to: '2026-03-30' });
      expect(view.map((c) => [c.campaignId, c.name, c.currency, c.orders, c.refundCurrency])).toEqual(expect.arrayContaining([['1900000000000001', 'Gifting', 'EUR', 1, 'EUR'], ['1900000000000002', 'Retarget', 'EUR', 1, 'EUR']]));
      expect(view.length).toBe(2);
      // Every campaign has a month of spend (30 days of a 40–160 daily budget spent at 70–100 %).
      for (const c of view) expect(c.spend).toBeGreaterThanOrEqual(30 * 2_800);
      for (const c of view) expect(c.spend).toBeLessThanOrEqual(30 * 16_000);
      // The owner connects their own advertiser: the demo's next start does not touch it.
      await ctx.services.tiktokAds.save(owner, org.shopId, { advertiserId: '7000000000999', accessToken: 'act.owner-chosen-token' });
      expect(await demo.connect()).toBe(0);
      expect((await ctx.services.tiktokAds.get(owner, org.shopId))?.advertiserId).toBe('7000000000999');
    } finally {
      await demo.stop();
      ctx.services.tiktokAds.retarget(api.base);
    }
  });
});
