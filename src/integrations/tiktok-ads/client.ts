/**
 * The TikTok API for Business (Marketing API) reporting, as far as ad campaigns go (facts and
 * sources in docs/tiktok-conformance.md, "Ads: the Marketing API"):
 * - `GET /report/integrated/get/` (Run a synchronous report) with the `Access-Token` header and the
 *   API for Business envelope `{code, message, request_id, data}` (shared with the comment client);
 * - parameters `advertiser_id`, `report_type=BASIC`, `data_level=AUCTION_CAMPAIGN`, `dimensions` and
 *   `metrics` as JSON arrays, `start_date`/`end_date` (YYYY-MM-DD, the advertiser's time zone; with
 *   `stat_time_day` at most 30 days), `page`, `page_size` (≤ 1000);
 * - `data.list[]` of `{dimensions: {campaign_id, stat_time_day}, metrics: {campaign_name, spend,
 *   conversion, impressions, clicks}}` — metric values arrive as strings — and `data.page_info`
 *   `{page, page_size, total_number, total_page}`.
 * The report is aggregated per campaign and day: it names no order.
 */
import { z } from 'zod';
import { businessApiCall, type BusinessFetch } from '../video-comments/index.js';

export const CAMPAIGN_METRICS = ['campaign_name', 'spend', 'conversion', 'impressions', 'clicks'] as const;
/** The longest range the API accepts with a daily breakdown. */
export const MAX_REPORT_DAYS = 30;
const PAGE_SIZE = 1000;

const Num = z.union([z.string(), z.number()]).transform((v) => String(v));
const ReportRow = z.object({
  dimensions: z.object({ campaign_id: z.coerce.string(), stat_time_day: z.string() }).passthrough(),
  metrics: z.object({ campaign_name: z.string().optional(), spend: Num.optional(), conversion: Num.optional(), impressions: Num.optional(), clicks: Num.optional() }).passthrough(),
});
const ReportPage = z.object({
  list: z.array(ReportRow).default([]),
  page_info: z.object({ page: z.coerce.number().optional(), page_size: z.coerce.number().optional(), total_number: z.coerce.number().optional(), total_page: z.coerce.number().optional() }).default({}),
});

export interface CampaignDay {
  campaignId: string;
  /** YYYY-MM-DD (the report gives `YYYY-MM-DD HH:MM:SS`). */
  day: string;
  campaignName: string | null;
  /** Decimal text as the API gives it (account currency). */
  spend: string;
  conversions: number;
  impressions: number;
  clicks: number;
}

export class TikTokAdsClient {
  constructor(private readonly o: { base?: string; accessToken: string; advertiserId: string; fetchImpl: BusinessFetch }) {}

  /** Every campaign-day of the range, all pages. */
  async campaignDays(from: string, to: string): Promise<CampaignDay[]> {
    const out: CampaignDay[] = [];
    for (let page = 1; page <= 1000; page++) {
      const r = await businessApiCall(
        { base: this.o.base, accessToken: this.o.accessToken, fetchImpl: this.o.fetchImpl },
        'GET',
        '/report/integrated/get/',
        { advertiser_id: this.o.advertiserId, report_type: 'BASIC', data_level: 'AUCTION_CAMPAIGN', dimensions: JSON.stringify(['campaign_id', 'stat_time_day']), metrics: JSON.stringify(CAMPAIGN_METRICS), start_date: from, end_date: to, page, page_size: PAGE_SIZE },
        ReportPage,
        'campaign report',
      );
      for (const x of r.list) {
        out.push({
          campaignId: x.dimensions.campaign_id,
          day: x.dimensions.stat_time_day.slice(0, 10),
          campaignName: x.metrics.campaign_name?.trim() || null,
          spend: x.metrics.spend ?? '0',
          conversions: Math.round(Number(x.metrics.conversion ?? 0)) || 0,
          impressions: Math.round(Number(x.metrics.impressions ?? 0)) || 0,
          clicks: Math.round(Number(x.metrics.clicks ?? 0)) || 0,
        });
      }
      if (page >= (r.page_info.total_page ?? 1) || r.list.length === 0) break;
    }
    return out;
  }
}
