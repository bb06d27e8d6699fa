import type { SbOrder, World } from './world.js';

/*
 * The sandbox's attribution endpoints, in the platform's shapes (sources: docs/tiktok-conformance.md,
 * "Attribution"): Search Seller Affiliate Orders for creator-video orders, the shop's LIVE sessions
 * and videos from the Analytics API, and — outside the Open API — the Ads Manager order report a
 * seller downloads as CSV, which Afterdesk imports with a column mapping.
 */

export interface SbRouteKit {
  r: (method: string, path: string, scope: 'shop', handler: (c: { params: string[]; query: URLSearchParams; body: Record<string, unknown>; shopId: string }) => unknown) => unknown;
  pageSize: (q: URLSearchParams, def: number, min: number, max: number) => number;
  paginate: <T>(items: T[], q: URLSearchParams, size: number, sortKey: (t: T) => number, id: (t: T) => string, defDir: 'ASC' | 'DESC') => { items: T[]; next: string };
  fail: (http: number, code: number, message: string) => never;
}

const dec = (minor: number) => (minor / 100).toFixed(2);
/** `@techwithjay: "…"` → `techwithjay`. */
export const creatorOf = (name: string) => (name.match(/^@([\w.]+)/)?.[1] ?? 'creator');
const dateSec = (s: string | null, kit: SbRouteKit, field: string) => {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) kit.fail(400, 36009004, `param ${field} must be YYYY-MM-DD`);
  return Date.parse(`${s}T00:00:00Z`) / 1000;
};

/** Affiliate order status from the order's (PROCESSING until completed; CANCELLED). */
function affiliateStatus(o: SbOrder): string {
  return o.status === 'CANCELLED' ? 'CANCELLED' : o.status === 'COMPLETED' ? 'COMPLETED' : 'PROCESSING';
}

export function analyticsRoutes(w: World, kit: SbRouteKit): unknown[] {
  return [
    kit.r('POST', '/affiliate_seller/202410/orders/search', 'shop', (c) => {
      const size = kit.pageSize(c.query, 20, 1, 50);
      const ge = c.body.create_time_ge === undefined ? 0 : Number(c.body.create_time_ge);
      const lt = c.body.create_time_lt === undefined ? Infinity : Number(c.body.create_time_lt);
      const items = [...w.orders.values()].filter((o) => o.shopId === c.shopId && o.createTime >= ge && o.createTime < lt && o.lines.some((l) => l.source.type === 'VIDEO'));
      const page = kit.paginate(items, c.query, size, (o) => o.createTime, (o) => o.id, 'DESC');
      const shop = w.shop(c.shopId)!;
      return {
        orders: page.items.map((o) => {
          const bySku = new Map<string, { product_id: string; sku_id: string; quantity: number; source: SbOrder['lines'][number]['source']; price: number }>();
          for (const l of o.lines) {
            if (l.source.type !== 'VIDEO') continue;
            const p = w.product(shop, l.productKey);
            const e = bySku.get(p.skuId) ?? { product_id: p.productId, sku_id: p.skuId, quantity: 0, source: l.source, price: p.price };
            e.quantity++;
            bySku.set(p.skuId, e);
          }
          const returned = [...w.returns.values()].filter((rt) => rt.orderId === o.id);
          return {
            id: o.id,
            status: affiliateStatus(o),
            create_time: o.createTime,
            ...(o.deliveryTime ? { delivery_time: o.deliveryTime } : {}),
            skus: [...bySku.values()].map((s) => ({
              product_id: s.product_id,
              content_type: 'VIDEO',
              content_id: s.source.id,
              creator_username: creatorOf(s.source.name),
              quantity: s.quantity,
              returned_quantity: returned.filter((rt) => rt.type !== 'REFUND').reduce((a, rt) => a + rt.lineIds.filter((id) => o.lines.find((l) => l.id === id)?.source.id === s.source.id).length, 0),
              refunded_quantity: 0,
              commission_rate: '1000',
              price: { amount: dec(s.price), currency: shop.currency },
            })),
          };
        }),
        next_page_token: page.next,
        total_count: items.length,
      };
    }),
    kit.r('GET', '/analytics/202509/shop_lives/performance', 'shop', (c) => {
      const from = dateSec(c.query.get('start_date_ge'), kit, 'start_date_ge');
      const to = dateSec(c.query.get('end_date_lt'), kit, 'end_date_lt');
      const size = kit.pageSize(c.query, 10, 1, 100);
      const shop = w.shop(c.shopId)!;
      const sessions = w.liveSessionsOf(c.shopId).filter((s) => s.start >= from && s.start < to);
      const page = kit.paginate(sessions, c.query, size, (s) => s.start, (s) => s.source.id, 'DESC');
      return {
        latest_available_date: new Date(w.nowSec() * 1000 - 86_400_000).toISOString().slice(0, 10),
        live_stream_sessions: page.items.map((s) => {
          const orders = [...w.orders.values()].filter((o) => o.shopId === c.shopId && o.lines.some((l) => l.source.id === s.source.id));
          const gmv = orders.reduce((a, o) => a + o.lines.filter((l) => l.source.id === s.source.id).reduce((b, l) => b + w.product(shop, l.productKey).price, 0), 0);
          return {
            id: s.source.id,
            title: s.source.name,
            username: shop.name.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
            start_time: String(s.start),
            end_time: String(s.end),
            sales_performance: { gmv: { amount: dec(gmv), currency: shop.currency }, sku_orders: orders.length, customers: new Set(orders.map((o) => o.buyer.userId)).size },
          };
        }),
        next_page_token: page.next,
        total_count: sessions.length,
      };
    }),
    kit.r('GET', '/analytics/202509/shop_videos/performance', 'shop', (c) => {
      dateSec(c.query.get('start_date_ge'), kit, 'start_date_ge');
      dateSec(c.query.get('end_date_lt'), kit, 'end_date_lt');
      const size = kit.pageSize(c.query, 10, 1, 100);
      const shop = w.shop(c.shopId)!;
      const videos = shop.sources.filter((s) => s.type === 'VIDEO');
      const page = kit.paginate(videos, c.query, size, () => 0, (s) => s.id, 'DESC');
      return {
        videos: page.items.map((v) => ({ id: v.id, title: v.name.replace(/^@[\w.]+:\s*/, ''), username: creatorOf(v.name), video_post_time: new Date((w.nowSec() - 50 * 86400) * 1000).toISOString() })),
        next_page_token: page.next,
        total_count: videos.length,
      };
    }),
    kit.r('GET', '/customer_service/202407/performance', 'shop', (c) => {
      const from = dateSec(c.query.get('support_date_ge'), kit, 'support_date_ge');
      const to = dateSec(c.query.get('support_date_lt'), kit, 'support_date_lt');
      // Buyer messages in the period and whether the shop answered within 12 hours.
      let asked = 0;
      let answered = 0;
      let minutes = 0;
      let sessions = 0;
      for (const conv of w.conversations.values()) {
        if (conv.shopId !== c.shopId) continue;
        const inPeriod = conv.messages.filter((m) => m.createTime >= from && m.createTime < to);
        if (inPeriod.length) sessions++;
        for (const m of inPeriod) {
          if (m.senderRole !== 'BUYER' || m.type !== 'TEXT') continue;
          asked++;
          const reply = conv.messages.find((x) => x.createTime >= m.createTime && x.senderRole !== 'BUYER' && x.senderRole !== 'SYSTEM');
          if (reply && reply.createTime - m.createTime <= 12 * 3600) {
            answered++;
            minutes += (reply.createTime - m.createTime) / 60;
          }
        }
      }
      return {
        performance: {
          support_session_count: sessions,
          response_percentage: asked ? Math.round((answered / asked) * 1000) / 10 : 0,
          response_time_mins: answered ? Math.round(minutes / answered) : 0,
          satisfaction_percentage: 92.5,
        },
      };
    }),
  ];
}

/**
 * The Ads Manager order report for a shop (what a seller exports from TikTok Ads Manager / GMV Max):
 * one row per order attributed to a campaign. Column names are Afterdesk's default mapping.
 */
export function adsOrderReportCsv(w: World, shopId: string): string {
  const shop = w.shop(shopId)!;
  const rows = [...w.orders.values()].filter((o) => o.shopId === shopId && o.lines.some((l) => l.source.type === 'ADS'));
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['Order ID,Campaign ID,Campaign name,Order time,Gross revenue,Currency'];
  for (const o of rows) {
    const src = o.lines.find((l) => l.source.type === 'ADS')!.source;
    const gross = o.lines.reduce((a, l) => a + w.product(shop, l.productKey).price, 0);
    lines.push([o.id, src.id, esc(src.name), new Date(o.createTime * 1000).toISOString(), dec(gross), shop.currency].join(','));
  }
  return lines.join('\n') + '\n';
}
