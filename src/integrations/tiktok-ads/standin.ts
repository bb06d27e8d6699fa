/**
 * A local stand-in for the Marketing API's synchronous report, for the tests and the demo: the same
 * path under `/open_api/v1.3`, the `Access-Token` header and the API for Business envelope (the
 * video-comment stand-in's pieces), 40105 for a bad token, 40001 for an advertiser the token may
 * not read, 40002 for bad parameters (a range over 30 days with `stat_time_day`), page/page_size
 * paging with `page_info`, metric values as strings.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendBusinessEnvelope as send } from '../video-comments/index.js';

export interface StandInCampaignDay {
  campaignId: string;
  campaignName: string;
  day: string;
  spend: string;
  conversions: number;
  impressions: number;
  clicks: number;
}

export interface AdsStandIn {
  readonly base: string;
  /** Every report call (its query), to prove paging and ranges. */
  readonly calls: Record<string, string>[];
  registerAdvertiser(a: { advertiserId: string; token: string }): void;
  addCampaignDay(advertiserId: string, d: StandInCampaignDay): void;
  close(): Promise<void>;
}

const DAY = 86_400_000;

export async function startAdsStandIn(opts: { port?: number } = {}): Promise<AdsStandIn> {
  const tokens = new Map<string, string>();
  const days = new Map<string, StandInCampaignDay[]>();
  const calls: Record<string, string>[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    try {
      const url = new URL(req.url ?? '/', base);
      const path = url.pathname.replace(/^\/open_api\/v1\.3/, '');
      const token = req.headers['access-token'];
      const advertisers = [...tokens.entries()].filter(([, t]) => t === token).map(([a]) => a);
      if (!advertisers.length) return send(res, 40105, 'The access token is invalid or has been revoked.');
      if (req.method !== 'GET' || path !== '/report/integrated/get/') return send(res, 40002, `Unknown path ${path}`);
      const p = Object.fromEntries(url.searchParams);
      calls.push(p);
      if (!advertisers.includes(p.advertiser_id ?? '')) return send(res, 40001, 'advertiser_id: no permission to access this advertiser.');
      if (p.report_type !== 'BASIC' || p.data_level !== 'AUCTION_CAMPAIGN') return send(res, 40002, 'report_type/data_level: this stand-in serves BASIC AUCTION_CAMPAIGN reports.');
      const dims = JSON.parse(p.dimensions ?? '[]') as string[];
      const metrics = JSON.parse(p.metrics ?? '[]') as string[];
      if (!dims.includes('campaign_id') || !dims.includes('stat_time_day')) return send(res, 40002, 'dimensions: campaign_id and stat_time_day expected.');
      const from = p.start_date ?? '';
      const to = p.end_date ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to) || to < from) return send(res, 40002, 'start_date/end_date: YYYY-MM-DD, start before end.');
      if ((Date.parse(to) - Date.parse(from)) / DAY + 1 > 30) return send(res, 40002, 'The time span cannot exceed 30 days when stat_time_day is a dimension.');
      const page = Math.max(1, Number(p.page ?? 1) || 1);
      const size = Math.min(1000, Math.max(1, Number(p.page_size ?? 10) || 10));
      const rows = (days.get(p.advertiser_id!) ?? []).filter((d) => d.day >= from && d.day <= to).sort((a, b) => (a.day + a.campaignId < b.day + b.campaignId ? -1 : 1));
      const value: Record<string, (d: StandInCampaignDay) => string> = { campaign_name: (d) => d.campaignName, spend: (d) => d.spend, conversion: (d) => String(d.conversions), impressions: (d) => String(d.impressions), clicks: (d) => String(d.clicks) };
      const list = rows.slice((page - 1) * size, page * size).map((d) => ({
        dimensions: { campaign_id: d.campaignId, stat_time_day: `${d.day} 00:00:00` },
        metrics: Object.fromEntries(metrics.filter((m) => value[m]).map((m) => [m, value[m]!(d)])),
      }));
      return send(res, 0, 'OK', { list, page_info: { page, page_size: size, total_number: rows.length, total_page: Math.ceil(rows.length / size) } });
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 50000, message: (e as Error).message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base: `${base}/open_api/v1.3`,
    calls,
    registerAdvertiser(a) {
      tokens.set(a.advertiserId, a.token);
    },
    addCampaignDay(advertiserId, d) {
      days.set(advertiserId, [...(days.get(advertiserId) ?? []).filter((x) => !(x.campaignId === d.campaignId && x.day === d.day)), d]);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
