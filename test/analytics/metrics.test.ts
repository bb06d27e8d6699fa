import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { OrderInput, PlatformReturnInput } from '../../src/modules/orders/index.js';
import { ManualClock } from '../../src/platform/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor, createTestOrg, type TestOrg } from '../helpers/org.js';

let ctx: TestContext;
const clock = new ManualClock(new Date('2026-03-20T12:00:00Z'));
beforeAll(async () => {
  ctx = await createTestContext({ clock });
});
afterAll(async () => {
  await ctx?.close();
});

const DELIVERED = new Date('2026-03-03T10:00:00Z'); // week of Monday 2026-03-02

function order(shopId: string, ext: string, opts: { delivered?: boolean; units?: number; productId?: string; currency?: string } = {}): OrderInput {
  const units = opts.units ?? 1;
  const delivered = opts.delivered ?? true;
  return {
    shopId,
    externalId: ext,
    buyer: { platformBuyerId: `b-${ext}`, displayName: null, email: null },
    status: delivered ? 'delivered' : 'shipped',
    rawStatus: delivered ? 'DELIVERED' : 'IN_TRANSIT',
    currency: opts.currency ?? 'EUR',
    subtotal: 1000 * units,
    shipping: 0,
    sellerDiscount: 0,
    platformDiscount: 0,
    tax: 0,
    total: 1000 * units,
    placedAt: new Date('2026-02-28T10:00:00Z'),
    paidAt: new Date('2026-02-28T10:00:30Z'),
    deliveredAt: delivered ? DELIVERED : null,
    trackingNumber: null,
    carrier: null,
    deliveryStatus: delivered ? 'delivered' : 'in_transit',
    externalUpdatedAt: new Date('2026-03-03T10:00:00Z'),
    lines: Array.from({ length: units }, (_, i) => ({ externalId: `${ext}-${i + 1}`, skuId: `sku-${opts.productId ?? 'p1'}`, productId: opts.productId ?? 'p1', productName: `Product ${opts.productId ?? 'p1'}`, unitPrice: 1000, paidAmount: 1000, trafficSource: { type: 'organic' as const, id: null, name: null } })),
  } as unknown as OrderInput;
}
function ret(shopId: string, ext: string, opts: { type?: PlatformReturnInput['type']; status?: PlatformReturnInput['status']; reason?: string; arbitration?: string; line?: number } = {}): PlatformReturnInput {
  return {
    shopId,
    kind: 'return',
    externalId: `R-${ext}`,
    externalOrderId: ext,
    type: opts.type ?? 'return_and_refund',
    rawType: 'RETURN_AND_REFUND',
    status: opts.status ?? 'completed',
    rawStatus: 'RETURN_OR_REFUND_REQUEST_COMPLETE',
    reasonCode: opts.reason ?? 'ecom_order_delivered_refund_and_return_reason_not_as_described',
    reasonText: 'Not as described',
    lines: [{ externalOrderLineId: `${ext}-${opts.line ?? 1}`, refundAmount: 1000 }],
    currency: 'EUR',
    refundAmount: 1000,
    photos: [],
    videos: [],
    arbitrationStatus: opts.arbitration ?? null,
    requestedAt: new Date('2026-03-05T10:00:00Z'),
    externalUpdatedAt: new Date('2026-03-06T10:00:00Z'),
  };
}

async function load(org: TestOrg, orders: OrderInput[], returns: PlatformReturnInput[]) {
  await ctx.platform.db.tenant(org.orgId, async (tx) => {
    await ctx.services.orders.applyOrders(tx, org.orgId, orders);
    await ctx.services.orders.applyPlatformReturns(tx, org.orgId, returns);
  });
}

describe('analytics metrics on a hand-built world', () => {
  it('rates by source with attribution by precedence, flags, exclusions CSV; the rollup follows later changes', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const a = ctx.services.analytics;
    // 40 orders claimed by a LIVE window (12 returned), 40 by an ads report (2 returned),
    // 200 organic (8 returned), 10 undelivered from the LIVE (1 unit each, not in any denominator).
    const orders: OrderInput[] = [];
    const returns: PlatformReturnInput[] = [];
    for (let i = 0; i < 40; i++) orders.push(order(org.shopId, `L${i}`));
    for (let i = 0; i < 12; i++) returns.push(ret(org.shopId, `L${i}`, { arbitration: i < 3 ? 'IN_ARBITRATION' : undefined }));
    for (let i = 0; i < 40; i++) orders.push(order(org.shopId, `A${i}`));
    for (let i = 0; i < 2; i++) returns.push(ret(org.shopId, `A${i}`, { reason: 'ecom_order_delivered_refund_and_return_reason_damaged' }));
    for (let i = 0; i < 200; i++) orders.push(order(org.shopId, `O${i}`));
    for (let i = 0; i < 8; i++) returns.push(ret(org.shopId, `O${i}`, { type: 'refund_only', status: 'requested', reason: 'ecom_order_delivered_refund_and_return_reason_no_longer_needed' }));
    for (let i = 0; i < 10; i++) orders.push(order(org.shopId, `U${i}`, { delivered: false }));
    await load(org, orders, returns);

    // Claims: the ads report names A* and also L0 (the LIVE window wins there only if precedence says so: ads beat windows).
    const csv = ['Order ID,Campaign ID,Campaign name', ...Array.from({ length: 40 }, (_, i) => `9000000${i},cmp-1,Spring push`)].join('\n');
    // Our external ids are A0…; the report's ids are numeric in real life — map them through a column mapping test below.
    await a.ingestClaims(org.orgId, org.shopId, [
      ...Array.from({ length: 40 }, (_, i) => ({ externalOrderId: `A${i}`, provenance: 'ads_report' as const, sourceType: 'ad_campaign' as const, sourceId: 'cmp-1', sourceName: 'Spring push' })),
      ...Array.from({ length: 40 }, (_, i) => ({ externalOrderId: `L${i}`, provenance: 'live_window' as const, sourceType: 'livestream' as const, sourceId: 'live-1', sourceName: 'Rose launch' })),
      ...Array.from({ length: 10 }, (_, i) => ({ externalOrderId: `U${i}`, provenance: 'live_window' as const, sourceType: 'livestream' as const, sourceId: 'live-1', sourceName: 'Rose launch' })),
      // A weaker claim on A0 does not take it from the ads report.
      { externalOrderId: 'A0', provenance: 'live_window' as const, sourceType: 'livestream' as const, sourceId: 'live-1', sourceName: 'Rose launch' },
    ]);
    void csv;
    const rep = await a.report(owner, { by: 'source', from: '2026-02-01', to: '2026-03-20' });
    const live = rep.items.find((r) => r.sourceId === 'live-1')!;
    const ads = rep.items.find((r) => r.sourceId === 'cmp-1')!;
    const organic = rep.items.find((r) => r.sourceType === 'organic')!;
    expect(live).toMatchObject({ orders: 40, deliveredLines: 40, returns: 12, refunds: 12, disputes: 3, returnRate: 0.3, refundRate: 0.3, disputeRate: 3 / 40, refundAmount: 12_000, tested: true, flagged: true, excluded: false });
    // Baseline: the rest of the shop, 10 returned of 240 delivered.
    expect(live.baseline).toBeCloseTo(10 / 240, 12);
    expect(live.fault).toEqual({ seller: 12, carrier: 0, buyer: 0, platform: 0 });
    expect(ads).toMatchObject({ orders: 40, returns: 2, returnRate: 0.05, tested: true, flagged: false, fault: { seller: 0, carrier: 2, buyer: 0, platform: 0 } });
    // Organic: returns requested but not refunded.
    expect(organic).toMatchObject({ orders: 200, returns: 8, refunds: 0, returnRate: 0.04, tested: false, flagged: false, fault: { seller: 0, carrier: 0, buyer: 8, platform: 0 } });
    expect(rep.definitions.return_rate!.denominator).toBe('delivered order lines (units)');

    // Provenance is on the order line.
    const prov = await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`select o.external_id, ol.traffic_source_type, ol.traffic_source_provenance from order_lines ol join orders o on o.org_id = ol.org_id and o.id = ol.order_id where ol.org_id = ${org.orgId} and o.external_id in ('A0', 'L1', 'O1') order by 1`));
    expect(prov.rows).toEqual([
      { external_id: 'A0', traffic_source_type: 'ad_campaign', traffic_source_provenance: 'ads_report' },
      { external_id: 'L1', traffic_source_type: 'livestream', traffic_source_provenance: 'live_window' },
      { external_id: 'O1', traffic_source_type: 'organic', traffic_source_provenance: 'none' },
    ]);

    // Exclusion list: exactly the flagged LIVE.
    const recs = await a.recommendations(owner, { from: '2026-02-01', to: '2026-03-20' });
    expect(recs.map((r) => r.sourceId)).toEqual(['live-1']);
    const out = a.recommendationsCsv(recs).trim().split('\n');
    expect(out[0]).toBe('shop_id,source_type,campaign_id,creator_handle,video_id,live_session_id,name,orders,returns,return_rate,shop_baseline,q_value,excess_returns,money_lost_minor,currency');
    expect(out).toHaveLength(2);
    expect(out[1]!.startsWith(`${org.shopId},livestream,,,,live-1,Rose launch,40,12,0.3000,0.0417,`)).toBe(true);

    // Once excluded, it leaves the recommendations and is drawn on the chart.
    await a.exclude(owner, { shopId: org.shopId, sourceType: 'livestream', sourceId: 'live-1', sourceName: 'Rose launch' });
    expect(await a.recommendations(owner, { from: '2026-02-01', to: '2026-03-20' })).toEqual([]);
    const wk = await a.weekly(owner, { shopId: org.shopId, from: '2026-02-01', to: '2026-03-21' });
    expect(wk.items).toEqual([
      { week: '2026-02-23', deliveredLines: 0, returns: 0, returnRate: null, provisional: true },
      { week: '2026-03-02', deliveredLines: 280, returns: 22, returnRate: 22 / 280, provisional: true },
    ]);
    expect(wk.annotations.map((x) => x.kind)).toEqual(['exclusion']);

    // Incremental: a new return on an organic order lands; the next read has it without a rebuild.
    await load(org, [], [ret(org.shopId, 'O100')]);
    const after = await a.report(owner, { by: 'source', from: '2026-02-01', to: '2026-03-20' });
    expect(after.items.find((r) => r.sourceType === 'organic')).toMatchObject({ returns: 9, refunds: 1 });
    // And a full rebuild gives the same rollup.
    const snapshot = () => ctx.platform.db.tenant(org.orgId, async (tx) => [
      (await tx.execute(sql`select week, source_type, source_id, product_id, lines, delivered_lines, delivered_orders, returned_lines, refunded_lines, refund_amount from analytics_weekly where org_id = ${org.orgId} and lines > 0 order by 1, 2, 3, 4`)).rows,
      (await tx.execute(sql`select week, source_type, source_id, lines, delivered_lines, delivered_orders, returned_lines, refunded_lines, refund_amount from analytics_source_weekly where org_id = ${org.orgId} and lines > 0 order by 1, 2, 3`)).rows,
    ]);
    const before = await snapshot();
    await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`delete from analytics_weekly where org_id = ${org.orgId}`));
    await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`delete from analytics_source_weekly where org_id = ${org.orgId}`));
    await ctx.platform.db.tenant(org.orgId, (tx) => tx.execute(sql`delete from analytics_line_facts where org_id = ${org.orgId}`));
    await a.rebuildAll(org.orgId);
    expect(before[1]!.length).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  });

  it('ads report import with a column mapping; missing columns are refused naming the field', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    await load(org, [order(org.shopId, '5770001'), order(org.shopId, '5770002'), order(org.shopId, '5770003')], []);
    const csv = 'Bestellnummer;Kampagne;Name\n5770001;c-9;Spring\n5770002;c-9;Spring\nnot-an-id;c-9;Spring\n';
    const r = await ctx.services.analytics.importAdsReport(owner, { shopId: org.shopId, csv: csv.replace(/;/g, ','), mapping: { orderColumn: 'Bestellnummer', campaignColumn: 'Kampagne', campaignNameColumn: 'Name' } });
    expect(r).toEqual({ rows: 3, claimed: 2, skipped: 1, linesAttributed: 2 });
    await expect(ctx.services.analytics.importAdsReport(owner, { shopId: org.shopId, csv: 'Order,X\n1,2\n' })).rejects.toMatchObject({ code: 'analytics.missing_column' });
  });

  it('reason trends become feedback tasks (assign, status, done); money converts with imported rates', async () => {
    const org = await createTestOrg(ctx);
    const owner = actorFor(org, 'owner');
    const a = ctx.services.analytics;
    const orders = Array.from({ length: 5 }, (_, i) => order(org.shopId, `P${i}`, { productId: 'powerbank' }));
    await load(org, orders, orders.slice(0, 4).map((o) => ret(org.shopId, o.externalId)));
    await a.ingestClaims(org.orgId, org.shopId, orders.map((o) => ({ externalOrderId: o.externalId, productId: 'powerbank', provenance: 'affiliate_orders' as const, sourceType: 'creator_video' as const, sourceId: 'vid-1', sourceName: '@techwithjay: lasts a week', creatorHandle: '@techwithjay' })));
    const trends = await a.reasonTrends(owner, { from: '2026-02-01', to: '2026-03-20' });
    expect(trends).toEqual([{ shopId: org.shopId, productId: 'powerbank', productName: 'Product powerbank', reason: 'Not as described', sourceType: 'creator_video', sourceId: 'vid-1', sourceName: '@techwithjay: lasts a week', returns: 4, examples: [] }]);
    const task = await a.taskFromTrend(owner, trends[0]!);
    expect(task).toMatchObject({ kind: 'creator_content', status: 'open', subjectType: 'creator_video', subjectId: 'vid-1', title: '4 returns "Not as described" on Product powerbank via @techwithjay: lasts a week' });
    const assigned = await a.updateTask(owner, task.id, { assigneeId: org.users.supervisor.id, status: 'in_progress' });
    expect(assigned).toMatchObject({ assigneeId: org.users.supervisor.id, status: 'in_progress', doneAt: null });
    const done = await a.updateTask(actorFor(org, 'supervisor'), task.id, { status: 'done' });
    expect(done.status).toBe('done');
    expect(done.doneAt).toBe(clock.now().toISOString());
    const page = await a.listTasks(owner, { limit: 10 });
    expect(page.items.map((t) => t.id)).toEqual([task.id]);

    await a.importRates(owner, 'date,base,currency,rate\n2026-03-01,USD,EUR,1.10\n2026-03-10,USD,EUR,1.20\n');
    const rep = await a.report(owner, { by: 'source', from: '2026-02-01', to: '2026-03-20', currency: 'USD' });
    // 4 refunds of 10.00 EUR = 40.00 EUR at the latest rate before the period end (1.20) = 48.00 USD.
    expect(rep.conversion).toEqual({ currency: 'USD', rates: [{ currency: 'EUR', rate: 1.2, date: '2026-03-10' }], missing: [] });
    expect(rep.totalRefund).toBe(4800);
  });
});
