import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { actorFor } from '../helpers/org.js';
import { connectedWorld, uniqueShops } from '../tiktok/helpers.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe('attribution and flags on the sandbox world', () => {
  it('computed the real way (affiliate orders, LIVE sessions, ads report): the bad livestream and the battery video are flagged, good sources are not, the CSV lists exactly them', async () => {
    const shops = uniqueShops().filter((s) => s.region === 'DE' || s.region === 'US');
    const w = await connectedWorld(ctx, { shops, ordersPerShop: 250, connect: false });
    try {
      const us = shops.find((s) => s.region === 'US')!;
      const de = shops.find((s) => s.region === 'DE')!;
      const owner = actorFor(w.org, 'owner');
      const usShop = await ctx.services.tenancy.createShop(owner, { brandId: w.org.brandId, name: 'Voltix US', market: 'US' });
      const done = await ctx.services.tiktok.connections.completeAuthorisation(w.org.orgId, w.sandbox.issueAuthCode([de.id, us.id]));
      expect(done.connected.map((c) => c.shopId).sort()).toEqual([w.org.shopId, usShop.id].sort());
      // No line item says where it came from: everything starts organic.
      for (const shopId of [w.org.shopId, usShop.id]) await ctx.services.tiktok.sync.syncShop(w.org.orgId, shopId, ['orders', 'returns']);
      const before = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.execute(sql`select distinct traffic_source_type, traffic_source_provenance from order_lines where org_id = ${w.org.orgId}`));
      expect(before.rows).toEqual([{ traffic_source_type: 'organic', traffic_source_provenance: 'none' }]);

      for (const [shopId, tt] of [[w.org.shopId, de.id], [usShop.id, us.id]] as const) {
        await ctx.services.analytics.importAdsReport(owner, { shopId, csv: w.sandbox.adsReport(tt) });
        const r = await ctx.services.tiktok.attribution.syncShop(w.org.orgId, shopId, { days: 90 });
        expect(r.skipped).toEqual([]);
      }
      // Every line now carries the source the world gave its order's first line (the extra organic line of a LIVE order goes with the session's window).
      const world = w.sandbox.world;
      const lines = await ctx.platform.db.tenant(w.org.orgId, (tx) => tx.execute(sql`select o.external_id, ol.external_id as line, ol.traffic_source_type as type, ol.traffic_source_id as id, ol.traffic_source_provenance as prov from order_lines ol join orders o on o.org_id = ol.org_id and o.id = ol.order_id where ol.org_id = ${w.org.orgId}`));
      const kind = { LIVE: 'livestream', VIDEO: 'creator_video', ADS: 'ad_campaign', ORGANIC: 'organic' } as const;
      let checked = 0;
      for (const l of lines.rows as { external_id: string; line: string; type: string; id: string | null; prov: string }[]) {
        const o = world.orders.get(l.external_id)!;
        const src = o.lines.find((x) => x.id === l.line)!.source;
        if (src.type === 'ORGANIC') continue;
        expect({ type: l.type, id: l.id }).toEqual({ type: kind[src.type], id: src.id });
        expect(l.prov).toBe(src.type === 'LIVE' ? 'live_window' : src.type === 'VIDEO' ? 'affiliate_orders' : 'ads_report');
        checked++;
      }
      expect(checked).toBeGreaterThan(300);

      const rep = await ctx.services.analytics.report(owner, { by: 'source' });
      const flagged = rep.items.filter((r) => r.flagged).map((r) => r.name);
      const rose = world.shop(de.id)!.sources.find((s) => s.name.includes('Rose Poudré'))!;
      const battery = world.shop(us.id)!.sources.find((s) => s.name.includes('PowerCore'))!;
      expect(flagged.sort()).toEqual([rose.name, battery.name.replace(/^@[\w.]+:\s*/, '@techwithjay: ')].sort());
      // The good sources were tested (≥ 30 delivered orders) where they had the volume, and are not flagged.
      const good = rep.items.filter((r) => r.sourceType !== 'organic' && !r.flagged);
      expect(good.length).toBeGreaterThan(4);
      expect(good.filter((g) => g.tested).length).toBeGreaterThan(0);

      const csv = parse(ctx.services.analytics.recommendationsCsv(await ctx.services.analytics.recommendations(owner)), { columns: true }) as Record<string, string>[];
      expect(csv.map((r) => [r.source_type, r.live_session_id || r.video_id, r.creator_handle]).sort()).toEqual([
        ['creator_video', battery.id, '@techwithjay'],
        ['livestream', rose.id, ''],
      ]);

      // The set-based rebuild (first install, bulk import) gives the same facts and rollups as the per-order one.
      await ctx.services.analytics.refresh(w.org.orgId);
      const snap = () => ctx.platform.db.tenant(w.org.orgId, async (tx) => [
        (await tx.execute(sql`select order_line_id, order_id, shop_id, market, currency, source_type, source_id, source_name, provenance, product_id, sku_id, paid_amount, placed_at, delivered_at, week::text, delivered, order_head, returned, refunded, refund_amount, disputed, complained, reason_code, reason_text, fault_owner from analytics_line_facts where org_id = ${w.org.orgId} order by 1`)).rows,
        (await tx.execute(sql`select * from analytics_weekly where org_id = ${w.org.orgId} and lines > 0 order by shop_id, week, source_type, source_id, product_id`)).rows,
        (await tx.execute(sql`select * from analytics_source_weekly where org_id = ${w.org.orgId} and lines > 0 order by shop_id, week, source_type, source_id`)).rows,
      ]);
      const perOrder = await snap();
      expect(perOrder[0]!.filter((f) => (f as { returned: boolean }).returned).length).toBeGreaterThan(20);
      expect(await ctx.services.analytics.rebuildAllSet(w.org.orgId)).toBe(perOrder[0]!.length);
      expect(await snap()).toEqual(perOrder);
    } finally {
      await w.close();
    }
  }, 240_000);
});
