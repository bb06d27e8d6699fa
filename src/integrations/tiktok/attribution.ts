import { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { affiliateSourceType, type AttributionClaimInput, type LiveSessionInput } from '../../modules/analytics/index.js';
import { TikTokApiError, type ShopAuth, type TikTokClient } from './client.js';
import type { Connections } from './connections.js';
import { Id, OptId, UnixSeconds } from './json.js';

/*
 * Traffic-source attribution from the platform (facts and sources: docs/tiktok-conformance.md,
 * "Attribution"). Order line items carry no source, so three feeds claim orders instead:
 *  - Search Seller Affiliate Orders (creator content: VIDEO / LIVE / … with content_id, per SKU),
 *  - Get Shop LIVE Performance List (the shop's own sessions with start/end times: window claims),
 *  - Get Shop Video Performance List (titles and authors of the videos affiliate orders name).
 * Ads are not in the Shop API: an Ads Manager / GMV Max order report is imported as CSV (analytics).
 */

const optStr = z.string().optional().nullable();

export const AffiliateOrdersData = z.looseObject({
  orders: z
    .array(
      z.looseObject({
        id: Id,
        status: optStr,
        create_time: UnixSeconds.optional(),
        delivery_time: UnixSeconds.optional().nullable(),
        skus: z.array(z.looseObject({ product_id: OptId, content_type: optStr, content_id: OptId.nullable(), creator_username: optStr, campaign_id: OptId.nullable(), quantity: z.number().optional() })).default([]),
      }),
    )
    .default([]),
  next_page_token: optStr,
  total_count: z.number().optional(),
});

export const ShopLivesData = z.looseObject({
  live_stream_sessions: z.array(z.looseObject({ id: Id, title: optStr, username: optStr, start_time: UnixSeconds, end_time: UnixSeconds })).default([]),
  next_page_token: optStr,
  total_count: z.number().optional(),
  latest_available_date: optStr,
});

export const ShopVideosData = z.looseObject({
  videos: z.array(z.looseObject({ id: Id, title: optStr, username: optStr, video_post_time: optStr })).default([]),
  next_page_token: optStr,
  total_count: z.number().optional(),
});

export const CsPerformanceData = z.looseObject({
  performance: z
    .looseObject({
      support_session_count: z.union([z.number(), z.string()]).optional().nullable(),
      response_percentage: z.union([z.number(), z.string()]).optional().nullable(),
      response_time_mins: z.union([z.number(), z.string()]).optional().nullable(),
      satisfaction_percentage: z.union([z.number(), z.string()]).optional().nullable(),
    })
    .optional()
    .nullable(),
});

/** Get Customer Service Performance: the shop's chat KPIs over a date range (shop time zone). */
export function csPerformance(client: TikTokClient, shop: ShopAuth, q: { support_date_ge: string; support_date_lt: string }) {
  return client.request({ method: 'GET', path: '/customer_service/202407/performance', shop, query: q, schema: CsPerformanceData, safeToRepeat: true });
}

export function searchAffiliateOrders(client: TikTokClient, shop: ShopAuth, filter: { create_time_ge?: number; create_time_lt?: number }, page: { page_size?: number; page_token?: string }) {
  return client.request({ method: 'POST', path: '/affiliate_seller/202410/orders/search', shop, query: { page_size: page.page_size ?? 50, page_token: page.page_token }, body: filter, schema: AffiliateOrdersData, safeToRepeat: true });
}

export function shopLives(client: TikTokClient, shop: ShopAuth, q: { start_date_ge: string; end_date_lt: string; page_token?: string; account_type?: string }) {
  return client.request({ method: 'GET', path: '/analytics/202509/shop_lives/performance', shop, query: { ...q, page_size: 100, currency: 'LOCAL' }, schema: ShopLivesData, safeToRepeat: true });
}

export function shopVideos(client: TikTokClient, shop: ShopAuth, q: { start_date_ge: string; end_date_lt: string; page_token?: string }) {
  return client.request({ method: 'GET', path: '/analytics/202509/shop_videos/performance', shop, query: { ...q, page_size: 100, currency: 'LOCAL' }, schema: ShopVideosData, safeToRepeat: true });
}

/** Where attribution goes (the analytics module). */
export interface AttributionSink {
  ingestClaims(orgId: string, shopId: string, claims: AttributionClaimInput[]): Promise<number>;
  syncLiveSessions(orgId: string, shopId: string, sessions: LiveSessionInput[]): Promise<number>;
  applyPending(orgId: string): Promise<number>;
  storeCsPerformance(orgId: string, shopId: string, p: { from: string; to: string; sessions: number | null; responsePct: number | null; responseTimeMins: number | null; satisfactionPct: number | null }): Promise<void>;
}

export interface AttributionReport {
  affiliateClaims: number;
  liveSessions: number;
  linesAttributed: number;
  skipped: string[];
}

/** A feed the seller did not authorise (scope missing) is skipped, named in the report, and the others still run. */
const SCOPE_CODES = new Set([105005, 105001, 105006]);

export function createAttributionSync(d: { client: TikTokClient; connections: Connections; sink: AttributionSink; clock: Clock; log: Logger }) {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);

  async function feed<T>(name: string, skipped: string[], fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof TikTokApiError && (SCOPE_CODES.has(e.code) || e.httpStatus === 404)) {
        skipped.push(`${name}: ${e.code}`);
        return null;
      }
      throw e;
    }
  }

  return {
    /** One shop's attribution feeds for the last `days` days. */
    async syncShop(orgId: string, shopId: string, opts: { days?: number } = {}): Promise<AttributionReport> {
      const now = d.clock.now().getTime();
      const days = opts.days ?? 90;
      const from = now - days * 86_400_000;
      const report: AttributionReport = { affiliateClaims: 0, liveSessions: 0, linesAttributed: 0, skipped: [] };
      await d.connections.withShop(orgId, shopId, async (auth) => {
        // Video titles first, so affiliate claims carry a readable name.
        const titles = new Map<string, string>();
        await feed('shop_videos', report.skipped, async () => {
          let token: string | undefined;
          for (;;) {
            const p = await shopVideos(d.client, auth, { start_date_ge: day(from), end_date_lt: day(now + 86_400_000), page_token: token });
            for (const v of p.videos) titles.set(v.id, v.username ? `@${v.username.replace(/^@/, '')}: ${v.title ?? v.id}` : (v.title ?? v.id));
            if (!p.next_page_token) break;
            token = p.next_page_token;
          }
        });
        const claims: AttributionClaimInput[] = [];
        await feed('affiliate_orders', report.skipped, async () => {
          let token: string | undefined;
          for (;;) {
            const p = await searchAffiliateOrders(d.client, auth, { create_time_ge: Math.floor(from / 1000), create_time_lt: Math.floor(now / 1000) + 1 }, { page_size: 50, page_token: token });
            for (const o of p.orders) {
              for (const s of o.skus) {
                if (!s.content_id) continue;
                const handle = s.creator_username ? `@${s.creator_username.replace(/^@/, '')}` : null;
                claims.push({ externalOrderId: o.id, productId: s.product_id ?? '', provenance: 'affiliate_orders', sourceType: affiliateSourceType(s.content_type), sourceId: s.content_id, sourceName: titles.get(s.content_id) ?? (handle ? `${handle} ${String(s.content_type ?? '').toLowerCase()}` : null), creatorHandle: handle });
              }
            }
            if (!p.next_page_token) break;
            token = p.next_page_token;
          }
        });
        report.affiliateClaims = claims.length;
        report.linesAttributed += await d.sink.ingestClaims(orgId, shopId, claims);
        const sessions: LiveSessionInput[] = [];
        await feed('shop_lives', report.skipped, async () => {
          let token: string | undefined;
          for (;;) {
            // The shop's own accounts only: affiliate LIVEs reach us through affiliate orders, exactly.
            const p = await shopLives(d.client, auth, { start_date_ge: day(from), end_date_lt: day(now + 86_400_000), page_token: token, account_type: 'OFFICIAL_ACCOUNTS' });
            for (const s of p.live_stream_sessions) sessions.push({ id: s.id, title: s.title ?? `LIVE ${s.id}`, hostUsername: s.username ?? null, startedAt: new Date(s.start_time * 1000), endedAt: new Date(s.end_time * 1000) });
            if (!p.next_page_token) break;
            token = p.next_page_token;
          }
        });
        report.liveSessions = sessions.length;
        report.linesAttributed += await d.sink.syncLiveSessions(orgId, shopId, sessions);
        // Shop health: the platform's customer-service KPIs for the last 30 days.
        await feed('cs_performance', report.skipped, async () => {
          const q = { support_date_ge: day(now - 30 * 86_400_000), support_date_lt: day(now) };
          const p = (await csPerformance(d.client, auth, q)).performance ?? {};
          const n = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
          await d.sink.storeCsPerformance(orgId, shopId, { from: q.support_date_ge, to: q.support_date_lt, sessions: n(p.support_session_count), responsePct: n(p.response_percentage), responseTimeMins: n(p.response_time_mins), satisfactionPct: n(p.satisfaction_percentage) });
        });
      });
      report.linesAttributed += await d.sink.applyPending(orgId);
      if (report.skipped.length) d.log.info({ orgId, shopId, skipped: report.skipped }, 'TikTok attribution: feeds without the scope were skipped');
      return report;
    },
  };
}
export type AttributionSync = ReturnType<typeof createAttributionSync>;
