import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as toCsv } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { setLineSources, type TrafficSourceType } from '../orders/index.js';
import { shopIn } from '../tenancy/index.js';
import type { AdCampaignView, OperationsView, ShopHealthView, AnnotationView, CreateAnnotation, CreateFeedbackTask, DrillView, ExclusionView, FeedbackTaskView, RateRow, RecommendationView, ReasonTrendRow, ReportQuery, ReportView, WeeklyView } from './analytics.dto.js';
import { createOutcomes, type CsatPorts } from './analytics.outcomes.js';
import { cohortProvisional, convertMinor, DEFAULT_THRESHOLD_SOURCE, FAULT_PATTERNS, flagSources, HEALTH_METRICS, healthState, parseCsatReply, type HealthMetric, METRIC_DEFINITIONS, PROVENANCE_PRECEDENCE, sessionAt, winningClaim, type Claim } from './analytics.rules.js';

const LEADS = ['owner', 'supervisor'] as const;
const DAY = 86_400_000;
type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v ?? 0);
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
const ymd = (d: Date) => d.toISOString().slice(0, 10);

export interface AttributionClaimInput {
  externalOrderId: string;
  productId?: string;
  provenance: Claim['provenance'];
  sourceType: Claim['sourceType'];
  sourceId: string;
  sourceName?: string | null;
  creatorHandle?: string | null;
}
/** One campaign-day of the Marketing API's report; money in minor units of `currency`. */
export interface AdCampaignDayInput {
  campaignId: string;
  day: string;
  campaignName: string | null;
  currency: string;
  spend: number;
  conversions: number;
  impressions: number;
  clicks: number;
}
export interface LiveSessionInput {
  id: string;
  title: string;
  hostUsername?: string | null;
  startedAt: Date;
  endedAt: Date;
}

/** A warning for the organisation's owners (the workspace notification centre when it exists). */
export interface OwnerNotice {
  kind: 'shop_health';
  shopId: string;
  metric: string;
  severity: 'near' | 'crossed';
  value: number;
  limit: number;
  text: string;
}

export interface AnalyticsDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  /** Required port: compose wires it to the notification centre (or, until that exists, the log). */
  notifyOwners: (orgId: string, notice: OwnerNotice) => Promise<void>;
  /** CSAT on resolution: the contact policy and the helpdesk's automated send (compose fills it; without it nothing is asked). */
  csat?: CsatPorts;
  /** Complaint tickets from comments under each video in a period, keyed `shopId:videoId` (the video-comments integration; issue 19). */
  commentComplaints?: (orgId: string, from: Date, to: Date) => Promise<Map<string, number>>;
}

/**
 * Analytics: attribution of order lines to traffic sources, per-line facts and a weekly rollup kept
 * fresh from a queue of changed orders (statement triggers fill it; `refresh` drains it before every
 * read and from a job), rates with written definitions, anomaly flags, exclusions, reason trends,
 * feedback tasks, annotations and exchange rates.
 */
export function createAnalyticsService(deps: AnalyticsDeps) {
  const { db, ids, clock } = deps;

  // ---------------- attribution ----------------

  /** Decide every line of the given orders (all orders with claims when omitted) from the claims, by precedence. */
  async function applyAttribution(tx: Executor, orgId: string, externalOrderIds?: string[]): Promise<number> {
    const r = await tx.execute(sql`
      select ol.id as line_id, ol.product_id, ol.traffic_source_provenance as current, c.provenance, c.product_id as claim_product, c.source_type, c.source_id, c.source_name
      from attribution_claims c
      join orders o on o.org_id = c.org_id and o.shop_id = c.shop_id and o.external_id = c.external_order_id
      join order_lines ol on ol.org_id = o.org_id and ol.order_id = o.id
      where c.org_id = ${orgId} and (${externalOrderIds === undefined}::bool or c.external_order_id = any(${sql.param(externalOrderIds ?? [])}::text[]))`);
    const byLine = new Map<string, { productId: string; claims: Claim[] }>();
    for (const x of r.rows as Row[]) {
      const e = byLine.get(String(x.line_id)) ?? { productId: String(x.product_id), claims: [] };
      e.claims.push({ provenance: x.provenance as Claim['provenance'], productId: String(x.claim_product), sourceType: x.source_type as Claim['sourceType'], sourceId: String(x.source_id), sourceName: (x.source_name as string | null) ?? null });
      byLine.set(String(x.line_id), e);
    }
    const updates: Parameters<typeof setLineSources>[2] = [];
    for (const [lineId, e] of byLine) {
      const w = winningClaim(e.claims, e.productId);
      if (w) updates.push({ lineId, type: w.sourceType as TrafficSourceType, id: w.sourceId, name: w.sourceName, provenance: w.provenance });
    }
    return setLineSources(tx, orgId, updates);
  }

  async function upsertClaims(tx: Executor, orgId: string, shopId: string, claims: AttributionClaimInput[]): Promise<void> {
    if (claims.length === 0) return;
    const col = <T>(f: (c: AttributionClaimInput) => T) => sql.param(claims.map(f));
    await tx.execute(sql`
      insert into attribution_claims (org_id, shop_id, external_order_id, product_id, provenance, precedence, source_type, source_id, source_name, creator_handle, claimed_at)
      select ${orgId}, ${shopId}, u.ext, u.pid, u.prov, u.prec, u.st, u.sid, u.sname, u.handle, ${clock.now().toISOString()}::timestamptz
      from unnest(${col((c) => c.externalOrderId)}::text[], ${col((c) => c.productId ?? '')}::text[], ${col((c) => c.provenance)}::text[], ${col((c) => PROVENANCE_PRECEDENCE[c.provenance])}::int2[],
        ${col((c) => c.sourceType)}::text[], ${col((c) => c.sourceId)}::text[], ${col((c) => c.sourceName ?? null)}::text[], ${col((c) => c.creatorHandle ?? null)}::text[]) as u(ext, pid, prov, prec, st, sid, sname, handle)
      on conflict (org_id, shop_id, external_order_id, product_id, provenance) do update set
        source_type = excluded.source_type, source_id = excluded.source_id, source_name = coalesce(excluded.source_name, attribution_claims.source_name),
        creator_handle = coalesce(excluded.creator_handle, attribution_claims.creator_handle), claimed_at = excluded.claimed_at`);
  }

  /** Claims from a feed (affiliate orders, an ads report): stored, then applied to lines we have. */
  async function ingestClaims(orgId: string, shopId: string, claims: AttributionClaimInput[]): Promise<number> {
    if (claims.length === 0) return 0;
    return db.tenant(orgId, async (tx) => {
      await upsertClaims(tx, orgId, shopId, dedupeClaims(claims));
      return applyAttribution(tx, orgId, [...new Set(claims.map((c) => c.externalOrderId))]);
    });
  }

  /** The shop's own LIVE sessions: stored; orders placed inside a session's window are claimed by it. */
  async function syncLiveSessions(orgId: string, shopId: string, sessions: LiveSessionInput[]): Promise<number> {
    if (sessions.length === 0) return 0;
    return db.tenant(orgId, async (tx) => {
      const col = <T>(f: (s: LiveSessionInput) => T) => sql.param(sessions.map(f));
      await tx.execute(sql`
        insert into live_sessions (org_id, shop_id, id, title, host_username, started_at, ended_at, synced_at)
        select ${orgId}, ${shopId}, u.id, u.title, u.host, u.st, u.en, ${clock.now().toISOString()}::timestamptz
        from unnest(${col((s) => s.id)}::text[], ${col((s) => s.title)}::text[], ${col((s) => s.hostUsername ?? null)}::text[], ${col((s) => s.startedAt.toISOString())}::timestamptz[], ${col((s) => s.endedAt.toISOString())}::timestamptz[]) as u(id, title, host, st, en)
        on conflict (org_id, shop_id, id) do update set title = excluded.title, host_username = excluded.host_username, started_at = excluded.started_at, ended_at = excluded.ended_at, synced_at = excluded.synced_at`);
      return claimLiveWindows(tx, orgId, shopId);
    });
  }

  /** Window claims for every stored session of a shop (also run after orders arrive later than their session). */
  async function claimLiveWindows(tx: Executor, orgId: string, shopId: string): Promise<number> {
    const ss = await tx.execute(sql`select id, title, started_at, ended_at from live_sessions where org_id = ${orgId} and shop_id = ${shopId}`);
    const sessions = (ss.rows as Row[]).map((s) => ({ id: String(s.id), title: String(s.title), startedAt: new Date(String(s.started_at)), endedAt: new Date(String(s.ended_at)) }));
    if (sessions.length === 0) return 0;
    const lo = new Date(Math.min(...sessions.map((s) => s.startedAt.getTime())));
    const hi = new Date(Math.max(...sessions.map((s) => s.endedAt.getTime())));
    const os = await tx.execute(sql`select external_id, placed_at from orders where org_id = ${orgId} and shop_id = ${shopId} and placed_at between ${lo.toISOString()}::timestamptz and ${hi.toISOString()}::timestamptz`);
    const claims: AttributionClaimInput[] = [];
    for (const o of os.rows as Row[]) {
      const s = sessionAt(sessions, new Date(String(o.placed_at)));
      if (s) claims.push({ externalOrderId: String(o.external_id), provenance: 'live_window', sourceType: 'livestream', sourceId: s.id, sourceName: s.title });
    }
    await upsertClaims(tx, orgId, shopId, claims);
    return claims.length ? applyAttribution(tx, orgId, claims.map((c) => c.externalOrderId)) : 0;
  }

  /** Claims whose orders arrived after the claim (run after each attribution sync). */
  async function applyPending(orgId: string): Promise<number> {
    return db.tenant(orgId, async (tx) => {
      const shops = await tx.execute(sql`select distinct shop_id from live_sessions where org_id = ${orgId}`);
      let n = 0;
      for (const s of shops.rows as Row[]) n += await claimLiveWindows(tx, orgId, String(s.shop_id));
      return n + (await applyAttribution(tx, orgId));
    });
  }

  /** An Ads Manager / GMV Max order report (CSV): one row per order with its campaign, columns named by the mapping. */
  async function importAdsReport(actor: Actor, input: { shopId: string; csv: string; mapping?: { orderColumn: string; campaignColumn: string; campaignNameColumn?: string } }) {
    requireRole(actor, LEADS, 'importing an ads report');
    const m = input.mapping ?? { orderColumn: 'Order ID', campaignColumn: 'Campaign ID', campaignNameColumn: 'Campaign name' };
    const mapping = { orderId: m.orderColumn, campaignId: m.campaignColumn, campaignName: m.campaignNameColumn };
    await db.tenant(actor.orgId, (tx) => shopIn(tx, actor.orgId, input.shopId));
    let records: Record<string, string>[];
    try {
      records = parseCsv(input.csv, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
    } catch (e) {
      throw AppError.validation('analytics.bad_csv', `The report is not valid CSV: ${(e as Error).message}`, [{ field: 'csv', message: 'not valid CSV' }]);
    }
    const header = records[0] ? Object.keys(records[0]) : [];
    for (const [field, col] of Object.entries(mapping)) {
      if (col && records.length && !header.includes(col)) throw AppError.validation('analytics.missing_column', `The report has no column "${col}"`, [{ field: `mapping.${{ orderId: 'orderColumn', campaignId: 'campaignColumn', campaignName: 'campaignNameColumn' }[field]}`, message: `no column "${col}" in the report` }]);
    }
    const claims: AttributionClaimInput[] = [];
    let skipped = 0;
    for (const r of records) {
      const orderId = (r[mapping.orderId] ?? '').trim();
      const campaignId = (r[mapping.campaignId] ?? '').trim();
      if (!/^\d{6,30}$/.test(orderId) || !campaignId) {
        skipped++;
        continue;
      }
      claims.push({ externalOrderId: orderId, provenance: 'ads_report', sourceType: 'ad_campaign', sourceId: campaignId, sourceName: mapping.campaignName ? r[mapping.campaignName] || null : null });
    }
    const lines = await ingestClaims(actor.orgId, input.shopId, claims);
    return { rows: records.length, claimed: claims.length, skipped, linesAttributed: lines };
  }

  /**
   * The Marketing API's campaign report (per campaign and day) for a shop: stored; claims of ads
   * reports that came without a campaign name take the report's name and their lines are decided
   * again. The report names no orders, so it claims none by itself (docs: "Ads").
   */
  async function ingestAdCampaignDays(orgId: string, shopId: string, rows: AdCampaignDayInput[]): Promise<{ days: number; campaigns: number; linesRenamed: number }> {
    if (rows.length === 0) return { days: 0, campaigns: 0, linesRenamed: 0 };
    return db.tenant(orgId, async (tx) => {
      const col = <T>(f: (r: AdCampaignDayInput) => T) => sql.param(rows.map(f));
      await tx.execute(sql`
        insert into ad_campaign_days (org_id, shop_id, campaign_id, day, campaign_name, currency, spend, conversions, impressions, clicks, imported_at)
        select ${orgId}, ${shopId}, u.cid, u.day, u.name, u.cur, u.spend, u.conv, u.imp, u.clk, ${clock.now().toISOString()}::timestamptz
        from unnest(${col((r) => r.campaignId)}::text[], ${col((r) => r.day)}::date[], ${col((r) => r.campaignName)}::text[], ${col((r) => r.currency)}::text[], ${col((r) => r.spend)}::bigint[], ${col((r) => r.conversions)}::int[], ${col((r) => r.impressions)}::bigint[], ${col((r) => r.clicks)}::bigint[]) as u(cid, day, name, cur, spend, conv, imp, clk)
        on conflict (org_id, shop_id, campaign_id, day) do update set campaign_name = coalesce(excluded.campaign_name, ad_campaign_days.campaign_name), currency = excluded.currency,
          spend = excluded.spend, conversions = excluded.conversions, impressions = excluded.impressions, clicks = excluded.clicks, imported_at = excluded.imported_at`);
      const named = await tx.execute(sql`
        update attribution_claims c set source_name = d.name
        from (select distinct on (campaign_id) campaign_id, campaign_name as name from ad_campaign_days
              where org_id = ${orgId} and shop_id = ${shopId} and campaign_name is not null order by campaign_id, day desc) d
        where c.org_id = ${orgId} and c.shop_id = ${shopId} and c.provenance = 'ads_report' and c.source_id = d.campaign_id and c.source_name is null
        returning c.external_order_id`);
      const orders = [...new Set((named.rows as Row[]).map((x) => String(x.external_order_id)))];
      const linesRenamed = orders.length ? await applyAttribution(tx, orgId, orders) : 0;
      return { days: rows.length, campaigns: new Set(rows.map((r) => r.campaignId)).size, linesRenamed };
    });
  }

  /** Ad campaigns of the period: the Marketing API's spend and conversions beside the orders and returns attributed to them. */
  async function adCampaigns(actor: Actor, q: { shopId?: string; from?: string; to?: string } = {}): Promise<AdCampaignView[]> {
    requireRole(actor, LEADS, 'reading ad campaign analytics');
    const { from, to } = period(q);
    await refresh(actor.orgId);
    return db.tenant(actor.orgId, async (tx) => {
      if (q.shopId) await shopIn(tx, actor.orgId, q.shopId);
      const shopF = (col: string) => (q.shopId ? sql`and ${sql.raw(col)} = ${q.shopId}` : sql``);
      const r = await tx.execute(sql`
        with spend as (
          select shop_id, campaign_id, max(campaign_name) filter (where campaign_name is not null) as name, min(currency) as currency,
            sum(spend)::bigint as spend, sum(conversions)::bigint as conversions, sum(impressions)::bigint as impressions, sum(clicks)::bigint as clicks
          from ad_campaign_days where org_id = ${actor.orgId} ${shopF('shop_id')} and day between ${ymd(from)}::date and ${ymd(to)}::date
          group by 1, 2),
        outcome as (
          select shop_id, source_id as campaign_id, sum(delivered_orders)::bigint as orders, sum(delivered_lines)::bigint as delivered, sum(returned_lines)::bigint as returned, sum(refund_amount)::bigint as refunds
          from analytics_source_weekly where org_id = ${actor.orgId} ${shopF('shop_id')} and source_type = 'ad_campaign' and week between date_trunc('week', ${ymd(from)}::date)::date and ${ymd(to)}::date
          group by 1, 2)
        select coalesce(s.shop_id, o.shop_id) as shop_id, coalesce(s.campaign_id, o.campaign_id) as campaign_id, s.name, s.currency, s.spend, s.conversions, s.impressions, s.clicks,
          coalesce(o.orders, 0) as orders, coalesce(o.delivered, 0) as delivered, coalesce(o.returned, 0) as returned, coalesce(o.refunds, 0) as refunds, sh.currency as refund_currency
        from spend s full join outcome o on o.shop_id = s.shop_id and o.campaign_id = s.campaign_id
        join shops sh on sh.org_id = ${actor.orgId} and sh.id = coalesce(s.shop_id, o.shop_id)
        order by s.spend desc nulls last, orders desc, campaign_id limit 500`);
      return (r.rows as Row[]).map((x) => {
        const delivered = num(x.delivered);
        return {
          shopId: String(x.shop_id),
          campaignId: String(x.campaign_id),
          name: (x.name as string | null) ?? null,
          currency: (x.currency as string | null) ?? null,
          spend: x.spend === null ? null : num(x.spend),
          conversions: x.conversions === null ? null : num(x.conversions),
          impressions: x.impressions === null ? null : num(x.impressions),
          clicks: x.clicks === null ? null : num(x.clicks),
          orders: num(x.orders),
          returnedLines: num(x.returned),
          returnRate: delivered > 0 ? num(x.returned) / delivered : null,
          refunds: num(x.refunds),
          refundCurrency: String(x.refund_currency),
        };
      });
    });
  }

  // ---------------- facts and rollup ----------------

  /** Rebuild the facts of the queued orders and move their contributions in the weekly rollup. */
  async function refresh(orgId: string, batch = 5000, onBatch?: (n: number) => void): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await db.tenant(orgId, async (tx) => {
        // One refresher per organisation at a time: a reader that arrives while another refreshes
        // waits for it instead of skipping the queued orders and reading a stale rollup.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`analytics:${orgId}`}, 0))`);
        const taken = await tx.execute(sql`
          delete from analytics_dirty_orders d using (
            select order_id from analytics_dirty_orders where org_id = ${orgId} order by order_id limit ${batch}) x
          where d.org_id = ${orgId} and d.order_id = x.order_id returning d.order_id`);
        const orderIds = (taken.rows as Row[]).map((r) => String(r.order_id));
        if (orderIds.length === 0) return 0;
        await rebuildFacts(tx, orgId, orderIds);
        return orderIds.length;
      });
      total += n;
      onBatch?.(n);
      if (n < batch) return total;
    }
  }

  const ROLLUP_SUMS = sql`count(*) as lines, count(*) filter (where delivered) as delivered_lines, count(*) filter (where delivered and order_head) as delivered_orders,
    count(*) filter (where delivered and returned) as returned_lines, count(*) filter (where delivered and refunded) as refunded_lines,
    coalesce(sum(refund_amount) filter (where delivered), 0) as refund_amount, count(*) filter (where delivered and disputed) as disputed_lines,
    count(*) filter (where delivered and complained) as complained_lines, coalesce(sum(paid_amount), 0) as paid_amount,
    count(*) filter (where delivered and returned and fault_owner = 'seller') as fault_seller, count(*) filter (where delivered and returned and fault_owner = 'carrier') as fault_carrier,
    count(*) filter (where delivered and returned and fault_owner = 'buyer') as fault_buyer, count(*) filter (where delivered and returned and fault_owner = 'platform') as fault_platform`;

  /** The two rollups: per source and product (product reports), per source only (source reports and the weekly series). */
  const ROLLUPS = [
    { table: 'analytics_weekly', keys: 'shop_id, week, source_type, source_id, product_id' },
    { table: 'analytics_source_weekly', keys: 'shop_id, week, source_type, source_id' },
  ];

  const FACT_COLUMNS = sql.raw(`org_id, order_line_id, order_id, shop_id, market, currency, source_type, source_id, source_name, provenance, product_id, product_name, sku_id, paid_amount,
    placed_at, delivered_at, week, delivered, order_head, returned, refunded, refund_amount, disputed, complained, reason_code, reason_text, fault_owner`);
  const ROLLUP_COLUMNS = sql.raw(`lines, delivered_lines, delivered_orders, returned_lines, refunded_lines, refund_amount, disputed_lines, complained_lines, paid_amount, fault_seller, fault_carrier, fault_buyer, fault_platform`);
  const ROLLUP_FIELDS = ['lines', 'delivered_lines', 'delivered_orders', 'returned_lines', 'refunded_lines', 'refund_amount', 'disputed_lines', 'complained_lines', 'paid_amount', 'fault_seller', 'fault_carrier', 'fault_buyer', 'fault_platform'];

  /**
   * CTEs `x` and `y` and the select that turns the organisation's orders (all, or those named) into
   * fact rows, in FACT_COLUMNS order. The one definition of a fact: delivered = delivered and neither
   * the order nor the line cancelled; a line's return = the latest after-sales request naming it;
   * refunded = a refund-type request approved or completed; the fault owner from the RMA's reason, else
   * from the platform's reason code by the patterns of `faultOwnerOf`; the week = the ISO week (UTC) of
   * the delivery, or of the order when not delivered; order_head = the first line of its order per source.
   */
  function factsSql(orgId: string, orderIds?: string[]) {
    const only = orderIds ? sql`and o.id = any(${sql.param(orderIds)}::text[])` : sql``;
    return {
      ctes: sql`x as (
          select ol.id, o.id as order_id, o.shop_id, s.market, ol.currency, ol.traffic_source_type, coalesce(ol.traffic_source_id, '') as source_id, ol.traffic_source_name, ol.traffic_source_provenance,
            ol.product_id, ol.product_name, ol.sku_id, ol.paid_amount, o.placed_at, o.delivered_at,
            (o.delivered_at is not null and o.status <> 'cancelled' and coalesce(ol.raw_status, '') <> 'CANCELLED') as delivered,
            pr.type as r_type, pr.status as r_status, pr.reason_code, pr.reason_text, pr.arbitration_status, pr.line_refund,
            rl.reason ->> 'faultOwner' as rma_fault, rl.reason ->> 'label' as rma_label,
            exists (select 1 from tickets t where t.org_id = o.org_id and t.order_id = o.id) as complained,
            row_number() over (partition by o.id, ol.traffic_source_type, coalesce(ol.traffic_source_id, '') order by ol.id) = 1 as order_head
          from orders o
          join shops s on s.org_id = o.org_id and s.id = o.shop_id
          join order_lines ol on ol.org_id = o.org_id and ol.order_id = o.id
          left join lateral (
            select p.type, p.status, p.reason_code, p.reason_text, p.arbitration_status,
              (select (e ->> 'refundAmount')::bigint from jsonb_array_elements(p.lines) e where e ->> 'orderLineId' = ol.id limit 1) as line_refund
            from platform_returns p
            where p.org_id = o.org_id and p.order_id = o.id and p.kind = 'return' and p.lines @> jsonb_build_array(jsonb_build_object('orderLineId', ol.id))
            order by p.requested_at desc limit 1) pr on true
          left join lateral (select r.reason from return_lines r where r.org_id = ol.org_id and r.order_line_id = ol.id and r.active limit 1) rl on true
          where o.org_id = ${orgId} ${only}),
        y as (
          select x.*, (r_type is not null and r_status is distinct from 'cancelled') as returned,
            lower(coalesce(reason_code, '')) as code from x)`,
      select: sql`select ${orgId}, id, order_id, shop_id, market, currency, traffic_source_type, source_id, traffic_source_name, traffic_source_provenance, product_id, product_name, sku_id, paid_amount,
          placed_at, delivered_at, date_trunc('week', (case when delivered then delivered_at else placed_at end) at time zone 'UTC')::date, delivered, order_head, returned,
          returned and r_type in ('refund_only', 'return_and_refund') and r_status in ('approved', 'completed'),
          case when returned and r_type in ('refund_only', 'return_and_refund') and r_status in ('approved', 'completed') then coalesce(line_refund, 0) else 0 end,
          returned and coalesce(arbitration_status, '') <> '', complained,
          case when returned then reason_code end, case when returned then coalesce(rma_label, reason_text) end,
          case when not returned then null when rma_fault is not null then rma_fault when code = '' then null
            when code ~ ${FAULT_PATTERNS.carrier} then 'carrier' when code ~ ${FAULT_PATTERNS.seller} then 'seller'
            when code ~ ${FAULT_PATTERNS.buyer} then 'buyer' when code ~ ${FAULT_PATTERNS.platform} then 'platform' end
        from y`,
    };
  }

  /**
   * Move the named orders' facts and their rollup contributions, inside Postgres in two statements
   * (no fact row travels to this process): the old facts are deleted and their sums taken out of both
   * rollups; the new facts are inserted and their sums added (RETURNING feeds the rollups, so the
   * facts are not read back).
   */
  async function rebuildFacts(tx: Executor, orgId: string, orderIds: string[]): Promise<void> {
    const ids$ = sql.param(orderIds);
    const [weekly, bySource] = ROLLUPS;
    const minus = (r: (typeof ROLLUPS)[number]) => sql`
      update ${sql.raw(r.table)} w set ${sql.raw(ROLLUP_FIELDS.map((c) => `${c} = w.${c} - s.${c}`).join(', '))}
      from (select ${sql.raw(r.keys)}, ${ROLLUP_SUMS} from old group by ${sql.raw(r.keys)}) s
      where w.org_id = ${orgId} and ${sql.raw(r.keys.split(', ').map((k) => `w.${k} = s.${k}`).join(' and '))}`;
    await tx.execute(sql`
      with old as (delete from analytics_line_facts where org_id = ${orgId} and order_id = any(${ids$}::text[]) returning *),
        a as (${minus(weekly!)})
      ${minus(bySource!)}`);
    const plus = (r: (typeof ROLLUPS)[number]) => sql`
      insert into ${sql.raw(r.table)} (org_id, ${sql.raw(r.keys)}, ${ROLLUP_COLUMNS})
      select ${orgId}, ${sql.raw(r.keys)}, ${ROLLUP_SUMS} from ins group by ${sql.raw(r.keys)}
      on conflict (org_id, ${sql.raw(r.keys)}) do update set ${sql.raw(ROLLUP_FIELDS.map((c) => `${c} = ${r.table}.${c} + excluded.${c}`).join(', '))}`;
    const f = factsSql(orgId, orderIds);
    await tx.execute(sql`
      with ${f.ctes},
        ins as (insert into analytics_line_facts (${FACT_COLUMNS}) ${f.select} returning *),
        a as (${plus(weekly!)})
      ${plus(bySource!)}`);
  }

  /** Organisations with orders waiting in the queue (for the refresh job, across tenants). */
  async function orgsWithChanges(): Promise<string[]> {
    const r = await db.system((tx) => tx.execute(sql`select distinct org_id from analytics_dirty_orders`));
    return (r.rows as Row[]).map((x) => String(x.org_id));
  }

  async function orgsWithShops(): Promise<string[]> {
    const r = await db.system((tx) => tx.execute(sql`select distinct org_id from shops`));
    return (r.rows as Row[]).map((x) => String(x.org_id));
  }

  /** Queue every order of the organisation (first install, or after a bulk load with triggers off). */
  async function rebuildAll(orgId: string, onBatch?: (n: number) => void): Promise<number> {
    await db.tenant(orgId, (tx) => tx.execute(sql`insert into analytics_dirty_orders (org_id, order_id) select org_id, id from orders where org_id = ${orgId} on conflict do nothing`));
    return refresh(orgId, 5000, onBatch);
  }

  /**
   * The same facts and rollups as `rebuildAll`, for the whole organisation in three set-based
   * statements (a first install or a bulk import of millions of lines), from the same `factsSql` the
   * queue's refresh uses, and the changed-orders queue of the organisation cleared. A test checks that
   * the incremental path (facts moved order by order, sums taken out and put back) ends equal to it.
   */
  async function rebuildAllSet(orgId: string): Promise<number> {
    return db.tenant(orgId, async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`analytics:${orgId}`}, 0))`);
      await tx.execute(sql`delete from analytics_dirty_orders where org_id = ${orgId}`);
      for (const r of ROLLUPS) await tx.execute(sql`delete from ${sql.raw(r.table)} where org_id = ${orgId}`);
      await tx.execute(sql`delete from analytics_line_facts where org_id = ${orgId}`);
      const f = factsSql(orgId);
      const ins = await tx.execute(sql`insert into analytics_line_facts (${FACT_COLUMNS}) with ${f.ctes} ${f.select}`);
      for (const r of ROLLUPS) {
        await tx.execute(sql`insert into ${sql.raw(r.table)} (org_id, ${sql.raw(r.keys)}, lines, delivered_lines, delivered_orders, returned_lines, refunded_lines, refund_amount,
            disputed_lines, complained_lines, paid_amount, fault_seller, fault_carrier, fault_buyer, fault_platform)
          select ${orgId}, ${sql.raw(r.keys)}, ${ROLLUP_SUMS} from analytics_line_facts where org_id = ${orgId} group by ${sql.raw(r.keys)}`);
      }
      return ins.rowCount ?? 0;
    });
  }

  // ---------------- reports ----------------

  function period(q: { from?: string; to?: string }) {
    const to = q.to ? new Date(`${q.to}T00:00:00Z`) : new Date(Math.floor(clock.now().getTime() / DAY) * DAY + DAY);
    const from = q.from ? new Date(`${q.from}T00:00:00Z`) : new Date(to.getTime() - 90 * DAY);
    if (!(from < to)) throw AppError.validation('analytics.bad_range', 'from must be before to', [{ field: 'to', message: 'must be after from' }]);
    return { from, to };
  }

  async function loadRates(tx: Executor, orgId: string, target: string, currencies: string[], at: Date) {
    const rates: { currency: string; rate: number; date: string }[] = [];
    const missing: string[] = [];
    for (const cur of currencies) {
      if (cur === target) continue;
      const r = await tx.execute(sql`select rate, rate_date from fx_rates where org_id = ${orgId} and base = ${target} and currency = ${cur} and rate_date <= ${ymd(at)}::date order by rate_date desc limit 1`);
      const row = (r.rows as Row[])[0];
      if (row) rates.push({ currency: cur, rate: Number(row.rate), date: String(row.rate_date instanceof Date ? ymd(row.rate_date) : row.rate_date).slice(0, 10) });
      else missing.push(cur);
    }
    return { rates, missing };
  }

  async function report(actor: Actor, q: ReportQuery): Promise<ReportView> {
    requireRole(actor, LEADS, 'reading analytics');
    const { from, to } = period(q);
    const by = q.by ?? 'source';
    await refresh(actor.orgId);
    const commentCounts = by === 'source' && deps.commentComplaints ? await deps.commentComplaints(actor.orgId, from, to) : null;
    return db.tenant(actor.orgId, async (tx) => {
      if (q.shopId) await shopIn(tx, actor.orgId, q.shopId);
      const filters = sql`${q.shopId ? sql`and shop_id = ${q.shopId}` : sql``} ${q.sourceType ? sql`and source_type = ${q.sourceType}` : sql``}`;
      const marketFilter = q.market ? sql`and shop_id in (select id from shops where org_id = ${actor.orgId} and market = ${q.market})` : sql``;
      const range = sql`week >= ${ymd(from)}::date and week < ${ymd(to)}::date`;
      let rows: Row[];
      if (by === 'source' || by === 'product' || by === 'market') {
        const group = by === 'source' ? sql`w.shop_id, w.source_type, w.source_id` : by === 'product' ? sql`w.shop_id, w.product_id` : sql`s.market`;
        const name =
          by === 'source'
            ? sql`(select f.source_name from analytics_line_facts f where f.org_id = ${actor.orgId} and f.shop_id = w.shop_id and f.source_type = w.source_type and f.source_id = w.source_id and f.source_name is not null limit 1)`
            : by === 'product'
              ? sql`(select f.product_name from analytics_line_facts f where f.org_id = ${actor.orgId} and f.shop_id = w.shop_id and f.product_id = w.product_id limit 1)`
              : sql`null::text`;
        const r = await tx.execute(sql`
          select ${by === 'market' ? sql`s.market as key, null::text as shop_id, null::text as source_type, null::text as source_id, min(s.currency) as currency` : by === 'source' ? sql`w.shop_id || ':' || w.source_type || ':' || w.source_id as key, w.shop_id, w.source_type, w.source_id, min(s.currency) as currency` : sql`w.shop_id || ':' || w.product_id as key, w.shop_id, null::text as source_type, w.product_id as source_id, min(s.currency) as currency`},
            ${name} as name,
            sum(delivered_orders) as orders, sum(delivered_lines) as delivered_lines, sum(returned_lines) as returns, sum(refunded_lines) as refunds, sum(complained_lines) as complaints,
            sum(disputed_lines) as disputes, sum(refund_amount) as refund_amount, sum(fault_seller) as fs, sum(fault_carrier) as fc, sum(fault_buyer) as fb, sum(fault_platform) as fp
          from ${sql.raw(by === 'product' ? 'analytics_weekly' : 'analytics_source_weekly')} w join shops s on s.org_id = w.org_id and s.id = w.shop_id
          where w.org_id = ${actor.orgId} and w.week >= ${ymd(from)}::date and w.week < ${ymd(to)}::date ${q.shopId ? sql`and w.shop_id = ${q.shopId}` : sql``} ${q.sourceType ? sql`and w.source_type = ${q.sourceType}` : sql``} ${q.market ? sql`and s.market = ${q.market}` : sql``}
          group by ${group}
          having sum(lines) > 0
          order by 1`);
        rows = r.rows as Row[];
      } else {
        const key = by === 'sku' ? sql`shop_id || ':' || sku_id` : sql`shop_id || ':' || coalesce(reason_code, '') || ':' || coalesce(reason_text, '')`;
        const r = await tx.execute(sql`
          select ${key} as key, shop_id, null::text as source_type, ${by === 'sku' ? sql`sku_id` : sql`coalesce(reason_code, '')`} as source_id, min(currency) as currency,
            ${by === 'sku' ? sql`min(product_name)` : sql`min(reason_text)`} as name,
            count(*) filter (where delivered and order_head) as orders, count(*) filter (where delivered) as delivered_lines, count(*) filter (where delivered and returned) as returns,
            count(*) filter (where delivered and refunded) as refunds, count(*) filter (where delivered and complained) as complaints, count(*) filter (where delivered and disputed) as disputes,
            coalesce(sum(refund_amount) filter (where delivered), 0) as refund_amount,
            count(*) filter (where returned and fault_owner = 'seller') as fs, count(*) filter (where returned and fault_owner = 'carrier') as fc,
            count(*) filter (where returned and fault_owner = 'buyer') as fb, count(*) filter (where returned and fault_owner = 'platform') as fp
          from analytics_line_facts where org_id = ${actor.orgId} and ${range} ${filters} ${marketFilter} ${by === 'reason' ? sql`and returned and delivered` : sql``}
          group by 1, 2, 4 order by 1`);
        rows = r.rows as Row[];
      }
      const excluded = await tx.execute(sql`select shop_id, source_type, source_id from analytics_exclusions where org_id = ${actor.orgId}`);
      const excludedKeys = new Set((excluded.rows as Row[]).map((e) => `${e.shop_id}:${e.source_type}:${e.source_id}`));
      // Baselines: each shop's delivered and returned lines in the same period (all sources).
      const totals = await tx.execute(sql`select shop_id, sum(delivered_lines) as d, sum(returned_lines) as r from analytics_source_weekly where org_id = ${actor.orgId} and ${range} group by shop_id`);
      const shopTotals = new Map((totals.rows as Row[]).map((t) => [String(t.shop_id), { deliveredLines: num(t.d), returnedLines: num(t.r) }]));
      const testable = by === 'source' || by === 'product';
      const flags = testable
        ? flagSources(
            rows.filter((x) => by !== 'source' || x.source_type !== 'organic').map((x) => ({ key: String(x.key), shopId: String(x.shop_id), deliveredOrders: num(x.orders), deliveredLines: num(x.delivered_lines), returnedLines: num(x.returns), refundAmount: num(x.refund_amount) })),
            shopTotals,
          )
        : new Map();
      const rate = (a: number, b: number) => (b > 0 ? a / b : null);
      let conversion: ReportView['conversion'] = null;
      let totalRefund: number | null = null;
      if (q.currency) {
        const currencies = [...new Set(rows.map((x) => String(x.currency ?? '')).filter(Boolean))];
        const { rates, missing } = await loadRates(tx, actor.orgId, q.currency, currencies, to);
        conversion = { currency: q.currency, rates, missing };
        const exp = (c: string) => new Intl.NumberFormat('en', { style: 'currency', currency: c }).resolvedOptions().maximumFractionDigits ?? 2;
        totalRefund = rows.reduce((acc, x) => {
          const cur = String(x.currency ?? q.currency);
          if (cur === q.currency) return acc + num(x.refund_amount);
          const r = rates.find((y) => y.currency === cur);
          return r ? acc + convertMinor(num(x.refund_amount), exp(cur), exp(q.currency!), r.rate) : acc;
        }, 0);
      }
      const items: RateRow[] = rows.map((x) => {
        const f = flags.get(String(x.key));
        const delivered = num(x.delivered_lines);
        return {
          key: String(x.key),
          shopId: (x.shop_id as string | null) ?? null,
          sourceType: (x.source_type as string | null) ?? null,
          sourceId: (x.source_id as string | null) ?? null,
          name: (x.name as string | null) ?? null,
          orders: num(x.orders),
          deliveredLines: delivered,
          returns: num(x.returns),
          refunds: num(x.refunds),
          complaints: num(x.complaints),
          disputes: num(x.disputes),
          returnRate: rate(num(x.returns), delivered),
          refundRate: rate(num(x.refunds), delivered),
          complaintRate: rate(num(x.complaints), delivered),
          disputeRate: rate(num(x.disputes), delivered),
          baseline: f?.baseline ?? null,
          pValue: f?.pValue ?? null,
          qValue: f?.qValue ?? null,
          tested: f?.tested ?? false,
          flagged: f?.flagged ?? false,
          excluded: by === 'source' && excludedKeys.has(String(x.key)),
          excessReturns: f ? Math.round(f.excessReturns * 10) / 10 : 0,
          refundAmount: num(x.refund_amount),
          excessRefund: f?.excessRefund ?? 0,
          currency: (x.currency as string | null) ?? null,
          fault: { seller: num(x.fs), carrier: num(x.fc), buyer: num(x.fb), platform: num(x.fp) },
          ...(commentCounts && x.source_type === 'creator_video' ? { commentComplaints: commentCounts.get(`${String(x.shop_id)}:${String(x.source_id)}`) ?? 0 } : {}),
        };
      });
      items.sort((a, b) => Number(b.flagged) - Number(a.flagged) || b.excessRefund - a.excessRefund || b.excessReturns - a.excessReturns || a.key.localeCompare(b.key));
      return { by, from: ymd(from), to: ymd(to), items, definitions: METRIC_DEFINITIONS, conversion, totalRefund };
    });
  }

  /** Return rate per delivery week (one source or all), with provisional cohorts and the annotations of the period. */
  async function weekly(actor: Actor, q: { shopId?: string; sourceType?: string; sourceId?: string; from?: string; to?: string }): Promise<WeeklyView> {
    requireRole(actor, LEADS, 'reading analytics');
    const { from, to } = period(q);
    await refresh(actor.orgId);
    return db.tenant(actor.orgId, async (tx) => {
      let windowDays = 30;
      if (q.shopId) windowDays = (await shopIn(tx, actor.orgId, q.shopId)).returnPolicy.windowDays;
      const r = await tx.execute(sql`
        select week, sum(delivered_lines) as d, sum(returned_lines) as r from analytics_source_weekly
        where org_id = ${actor.orgId} and week >= ${ymd(from)}::date and week < ${ymd(to)}::date
          ${q.shopId ? sql`and shop_id = ${q.shopId}` : sql``} ${q.sourceType ? sql`and source_type = ${q.sourceType}` : sql``} ${q.sourceId !== undefined ? sql`and source_id = ${q.sourceId}` : sql``}
        group by week order by week`);
      const now = clock.now();
      const items = (r.rows as Row[]).map((x) => {
        const week = x.week instanceof Date ? ymd(x.week) : String(x.week).slice(0, 10);
        const d = num(x.d);
        return { week, deliveredLines: d, returns: num(x.r), returnRate: d > 0 ? num(x.r) / d : null, provisional: cohortProvisional(new Date(`${week}T00:00:00Z`), now, windowDays) };
      });
      const a = await tx.execute(sql`select * from analytics_annotations where org_id = ${actor.orgId} and starts_at < ${to.toISOString()}::timestamptz and coalesce(ends_at, starts_at) >= ${from.toISOString()}::timestamptz
        ${q.shopId ? sql`and (shop_id is null or shop_id = ${q.shopId})` : sql``} order by starts_at, id`);
      return { items, annotations: (a.rows as Row[]).map(annotationView) };
    });
  }

  async function drilldown(actor: Actor, q: { shopId: string; sourceType: string; sourceId?: string; from?: string; to?: string }): Promise<DrillView> {
    requireRole(actor, LEADS, 'reading analytics');
    const { from, to } = period(q);
    await refresh(actor.orgId);
    return db.tenant(actor.orgId, async (tx) => {
      await shopIn(tx, actor.orgId, q.shopId);
      const r = await tx.execute(sql`
        select * from analytics_line_facts where org_id = ${actor.orgId} and shop_id = ${q.shopId} and source_type = ${q.sourceType} and source_id = ${q.sourceId ?? ''}
          and week >= ${ymd(from)}::date and week < ${ymd(to)}::date
        order by returned desc, placed_at desc, order_line_id limit 500`);
      return {
        items: (r.rows as Row[]).map((x) => ({
          orderId: String(x.order_id), orderLineId: String(x.order_line_id), productName: String(x.product_name), placedAt: iso(x.placed_at), deliveredAt: x.delivered_at ? iso(x.delivered_at) : null,
          returned: x.returned === true, refunded: x.refunded === true, refundAmount: num(x.refund_amount), currency: String(x.currency), reason: (x.reason_text as string | null) ?? null,
          faultOwner: (x.fault_owner as string | null) ?? null, complained: x.complained === true, provenance: String(x.provenance),
        })),
      };
    });
  }

  /** Flagged sources not yet excluded: what to pause, worst first. */
  async function recommendations(actor: Actor, q: { shopId?: string; from?: string; to?: string } = {}): Promise<RecommendationView[]> {
    const rep = await report(actor, { by: 'source', ...q });
    const handles = await db.tenant(actor.orgId, (tx) => tx.execute(sql`select distinct on (shop_id, source_type, source_id) shop_id, source_type, source_id, creator_handle from attribution_claims where org_id = ${actor.orgId} and creator_handle is not null`));
    const handleOf = new Map((handles.rows as Row[]).map((h) => [`${h.shop_id}:${h.source_type}:${h.source_id}`, String(h.creator_handle)]));
    return rep.items
      .filter((r) => r.flagged && !r.excluded && r.sourceType !== 'organic')
      .map((r) => ({ shopId: r.shopId!, sourceType: r.sourceType!, sourceId: r.sourceId!, name: r.name, creatorHandle: handleOf.get(r.key) ?? null, orders: r.orders, returns: r.returns, returnRate: r.returnRate ?? 0, baseline: r.baseline ?? 0, qValue: r.qValue ?? 0, excessReturns: r.excessReturns, excessRefund: r.excessRefund, currency: r.currency }));
  }

  function recommendationsCsv(rows: RecommendationView[]): string {
    return toCsv(
      rows.map((r) => ({
        shop_id: r.shopId, source_type: r.sourceType,
        campaign_id: r.sourceType === 'ad_campaign' ? r.sourceId : '', creator_handle: r.creatorHandle ?? '', video_id: r.sourceType === 'creator_video' ? r.sourceId : '', live_session_id: r.sourceType === 'livestream' ? r.sourceId : '',
        name: r.name ?? '', orders: r.orders, returns: r.returns, return_rate: r.returnRate.toFixed(4), shop_baseline: r.baseline.toFixed(4), q_value: r.qValue.toPrecision(3), excess_returns: r.excessReturns, money_lost_minor: r.excessRefund, currency: r.currency ?? '',
      })),
      { header: true, columns: ['shop_id', 'source_type', 'campaign_id', 'creator_handle', 'video_id', 'live_session_id', 'name', 'orders', 'returns', 'return_rate', 'shop_baseline', 'q_value', 'excess_returns', 'money_lost_minor', 'currency'] },
    );
  }

  /** Return reasons per product and source with example buyer texts: where a claim or a listing misleads. */
  async function reasonTrends(actor: Actor, q: { shopId?: string; from?: string; to?: string } = {}): Promise<ReasonTrendRow[]> {
    requireRole(actor, LEADS, 'reading analytics');
    const { from, to } = period(q);
    await refresh(actor.orgId);
    return db.tenant(actor.orgId, async (tx) => {
      if (q.shopId) await shopIn(tx, actor.orgId, q.shopId);
      const r = await tx.execute(sql`
        select f.shop_id, f.product_id, min(f.product_name) as product_name, coalesce(f.reason_text, f.reason_code, '?') as reason, f.source_type, f.source_id, min(f.source_name) as source_name, count(*) as n,
          (array_agg(distinct left(m.body, 300)) filter (where m.body is not null))[1:3] as examples
        from analytics_line_facts f
        left join lateral (select tm.body from tickets t join ticket_messages tm on tm.org_id = t.org_id and tm.ticket_id = t.id
                           where t.org_id = f.org_id and t.order_id = f.order_id and tm.direction = 'inbound' order by tm.created_at limit 1) m on true
        where f.org_id = ${actor.orgId} and f.returned and f.week >= ${ymd(from)}::date and f.week < ${ymd(to)}::date ${q.shopId ? sql`and f.shop_id = ${q.shopId}` : sql``}
        group by f.shop_id, f.product_id, 4, f.source_type, f.source_id
        having count(*) >= 3
        order by n desc limit 100`);
      return (r.rows as Row[]).map((x) => ({ shopId: String(x.shop_id), productId: String(x.product_id), productName: String(x.product_name), reason: String(x.reason), sourceType: String(x.source_type), sourceId: String(x.source_id), sourceName: (x.source_name as string | null) ?? null, returns: num(x.n), examples: (x.examples as string[] | null) ?? [] }));
    });
  }

  // ---------------- exclusions ----------------

  async function exclude(actor: Actor, body: { shopId: string; sourceType: string; sourceId: string; sourceName?: string; note?: string }): Promise<ExclusionView> {
    return db.tenant(actor.orgId, (tx) => excludeIn(tx, actor, body));
  }

  /** The exclusion inside the caller's transaction (an incident's close writes it with its own rows). */
  async function excludeIn(tx: Executor, actor: Actor, body: { shopId: string; sourceType: string; sourceId: string; sourceName?: string; note?: string }): Promise<ExclusionView> {
    requireRole(actor, LEADS, 'excluding a traffic source');
    await shopIn(tx, actor.orgId, body.shopId);
    const now = clock.now();
    const id = ids('exc');
    const r = await tx.execute(sql`
      insert into analytics_exclusions (org_id, id, shop_id, source_type, source_id, source_name, note, excluded_by, excluded_at)
      values (${actor.orgId}, ${id}, ${body.shopId}, ${body.sourceType}, ${body.sourceId}, ${body.sourceName ?? null}, ${body.note ?? null}, ${actor.userId}, ${now.toISOString()}::timestamptz)
      on conflict (org_id, shop_id, source_type, source_id) do update set note = coalesce(excluded.note, analytics_exclusions.note)
      returning *`);
    const row = (r.rows as Row[])[0]!;
    if (row.id === id) await insertAnnotation(tx, actor, { shopId: body.shopId, kind: 'exclusion', title: `Excluded ${body.sourceType} ${body.sourceName ?? body.sourceId}`, startsAt: now.toISOString(), aboutType: body.sourceType, about: body.sourceId });
    return exclusionView(row);
  }

  async function listExclusions(actor: Actor): Promise<ExclusionView[]> {
    requireRole(actor, LEADS, 'reading analytics');
    return db.tenant(actor.orgId, async (tx) => ((await tx.execute(sql`select * from analytics_exclusions where org_id = ${actor.orgId} order by excluded_at desc, id`)).rows as Row[]).map(exclusionView));
  }

  // ---------------- feedback tasks (reused by other modules) ----------------

  /** Create a task inside the caller's transaction (incidents and knowledge call this too). */
  async function createTaskIn(tx: Executor, actor: Actor, input: CreateFeedbackTask): Promise<FeedbackTaskView> {
    await shopIn(tx, actor.orgId, input.shopId);
    if (input.assigneeId) await assertUser(tx, actor.orgId, input.assigneeId);
    const now = clock.now().toISOString();
    const r = await tx.execute(sql`
      insert into feedback_tasks (org_id, id, shop_id, kind, title, body, subject_type, subject_id, assignee_id, status, created_by, created_at, updated_at)
      values (${actor.orgId}, ${ids('fbt')}, ${input.shopId}, ${input.kind}, ${input.title}, ${input.body ?? ''}, ${input.aboutType ?? null}, ${input.about ?? null}, ${input.assigneeId ?? null}, 'open', ${actor.userId}, ${now}::timestamptz, ${now}::timestamptz)
      returning *`);
    return taskView((r.rows as Row[])[0]!);
  }

  async function createTask(actor: Actor, input: CreateFeedbackTask): Promise<FeedbackTaskView> {
    requireRole(actor, LEADS, 'creating a feedback task');
    return db.tenant(actor.orgId, (tx) => createTaskIn(tx, actor, input));
  }

  async function updateTask(actor: Actor, id: string, patch: { status?: 'open' | 'in_progress' | 'done'; assigneeId?: string | null }): Promise<FeedbackTaskView> {
    requireRole(actor, ['owner', 'supervisor', 'agent'], 'updating a feedback task');
    return db.tenant(actor.orgId, async (tx) => {
      if (patch.assigneeId) await assertUser(tx, actor.orgId, patch.assigneeId);
      const now = clock.now().toISOString();
      const r = await tx.execute(sql`
        update feedback_tasks set
          status = coalesce(${patch.status ?? null}, status),
          assignee_id = ${patch.assigneeId === undefined ? sql`assignee_id` : sql`${patch.assigneeId}`},
          done_at = case when ${patch.status ?? null}::text = 'done' then coalesce(done_at, ${now}::timestamptz) when ${patch.status ?? null}::text is null then done_at else null end,
          updated_at = ${now}::timestamptz
        where org_id = ${actor.orgId} and id = ${id} returning *`);
      const row = (r.rows as Row[])[0];
      if (!row) throw AppError.notFound('feedback_task', id);
      return taskView(row);
    });
  }

  async function listTasks(actor: Actor, q: { status?: string; limit: number; cursor?: string }): Promise<{ items: FeedbackTaskView[]; nextCursor: string | null }> {
    requireRole(actor, ['owner', 'supervisor', 'agent'], 'reading feedback tasks');
    return db.tenant(actor.orgId, async (tx) => {
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const r = await tx.execute(sql`
        select * from feedback_tasks where org_id = ${actor.orgId} ${q.status ? sql`and status = ${q.status}` : sql``}
          ${after ? sql`and (created_at, id) < (${after.at}::timestamptz, ${after.id})` : sql``}
        order by created_at desc, id desc limit ${q.limit + 1}`);
      const rows = (r.rows as Row[]).map(taskView);
      const more = rows.length > q.limit;
      const items = rows.slice(0, q.limit);
      return { items, nextCursor: more ? encodeCursor(items[items.length - 1]!.createdAt, items[items.length - 1]!.id) : null };
    });
  }

  /** Turn a reason trend into a task for the owner of the content or listing. */
  async function taskFromTrend(actor: Actor, t: { shopId: string; productName: string; reason: string; sourceType: string; sourceId: string; sourceName: string | null; returns: number; examples: string[] }): Promise<FeedbackTaskView> {
    const kind = t.sourceType === 'creator_video' || t.sourceType === 'livestream' ? 'creator_content' : t.sourceType === 'ad_campaign' ? 'ad_copy' : 'listing';
    return createTask(actor, {
      shopId: t.shopId,
      kind,
      title: `${t.returns} returns "${t.reason}" on ${t.productName}${t.sourceName ? ` via ${t.sourceName}` : ''}`,
      // Buyer messages stay in their tickets (where erasure reaches them); the task points at them.
      body: `Check what ${t.sourceName ?? 'the listing'} says about ${t.productName}: ${t.returns} buyers returned it for "${t.reason}". Their messages are in the Analytics reason trends and the tickets.`,
      aboutType: t.sourceType,
      about: t.sourceId || undefined,
    });
  }

  // ---------------- annotations ----------------

  async function insertAnnotation(tx: Executor, actor: Actor, a: CreateAnnotation): Promise<AnnotationView> {
    if (a.shopId) await shopIn(tx, actor.orgId, a.shopId);
    const r = await tx.execute(sql`
      insert into analytics_annotations (org_id, id, shop_id, kind, title, starts_at, ends_at, subject_type, subject_id, created_by, created_at)
      values (${actor.orgId}, ${ids('ann')}, ${a.shopId ?? null}, ${a.kind}, ${a.title}, ${a.startsAt}::timestamptz, ${a.endsAt ?? null}::timestamptz, ${a.aboutType ?? null}, ${a.about ?? null}, ${actor.userId}, ${clock.now().toISOString()}::timestamptz)
      returning *`);
    return annotationView((r.rows as Row[])[0]!);
  }

  /** Other modules (incidents, listing changes) record what happened; charts draw it. */
  async function annotate(actor: Actor, a: CreateAnnotation): Promise<AnnotationView> {
    requireRole(actor, ['owner', 'supervisor', 'agent'], 'adding an annotation');
    return db.tenant(actor.orgId, (tx) => insertAnnotation(tx, actor, a));
  }

  /** The annotation inside the caller's transaction (an incident's close). */
  async function annotateIn(tx: Executor, actor: Actor, a: CreateAnnotation): Promise<AnnotationView> {
    requireRole(actor, ['owner', 'supervisor', 'agent'], 'adding an annotation');
    return insertAnnotation(tx, actor, a);
  }

  // ---------------- exchange rates ----------------

  /** Rates file: `date,base,currency,rate` (1 currency = rate base), e.g. `2026-03-01,USD,EUR,1.08`. */
  async function importRates(actor: Actor, csv: string): Promise<{ imported: number }> {
    requireRole(actor, ['owner'], 'importing exchange rates');
    let rows: Record<string, string>[];
    try {
      rows = parseCsv(csv, { columns: (h: string[]) => h.map((x) => x.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
    } catch (e) {
      throw AppError.validation('analytics.bad_csv', `The rates file is not valid CSV: ${(e as Error).message}`, [{ field: 'csv', message: 'not valid CSV' }]);
    }
    const good = rows.filter((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.date ?? '') && /^[A-Z]{3}$/.test(r.base ?? '') && /^[A-Z]{3}$/.test(r.currency ?? '') && Number(r.rate) > 0);
    if (good.length !== rows.length) throw AppError.validation('analytics.bad_rates', `${rows.length - good.length} rows are not date,base,currency,rate`, [{ field: 'csv', message: 'each row needs date (YYYY-MM-DD), base, currency (ISO codes) and a positive rate' }]);
    await db.tenant(actor.orgId, async (tx) => {
      const col = (k: string) => sql.param(good.map((r) => r[k]!));
      await tx.execute(sql`
        insert into fx_rates (org_id, base, currency, rate_date, rate, imported_at)
        select ${actor.orgId}, u.b, u.c, u.d, u.r, ${clock.now().toISOString()}::timestamptz from unnest(${col('base')}::text[], ${col('currency')}::text[], ${col('date')}::date[], ${col('rate')}::numeric[]) as u(b, c, d, r)
        on conflict (org_id, base, currency, rate_date) do update set rate = excluded.rate, imported_at = excluded.imported_at`);
    });
    return { imported: good.length };
  }

  // ---------------- shop health ----------------

  /** The platform's customer-service performance for a period (Get Customer Service Performance). */
  async function storeCsPerformance(orgId: string, shopId: string, p: { from: string; to: string; sessions: number | null; responsePct: number | null; responseTimeMins: number | null; satisfactionPct: number | null }): Promise<void> {
    await db.tenant(orgId, (tx) =>
      tx.execute(sql`
        insert into shop_cs_performance (org_id, shop_id, date_from, date_to, sessions, response_pct, response_time_mins, satisfaction_pct, synced_at)
        values (${orgId}, ${shopId}, ${p.from}::date, ${p.to}::date, ${p.sessions}, ${p.responsePct}, ${p.responseTimeMins}, ${p.satisfactionPct}, ${clock.now().toISOString()}::timestamptz)
        on conflict (org_id, shop_id, date_from, date_to) do update set sessions = excluded.sessions, response_pct = excluded.response_pct, response_time_mins = excluded.response_time_mins, satisfaction_pct = excluded.satisfaction_pct, synced_at = excluded.synced_at`),
    );
  }

  async function setThreshold(actor: Actor, t: { market: string; metric: HealthMetric; limit: number; source: string }): Promise<void> {
    requireRole(actor, ['owner'], 'setting shop health thresholds');
    await db.tenant(actor.orgId, (tx) =>
      tx.execute(sql`insert into shop_health_thresholds (org_id, market, metric, limit_value, source, updated_at) values (${actor.orgId}, ${t.market}, ${t.metric}, ${t.limit}, ${t.source}, ${clock.now().toISOString()}::timestamptz)
        on conflict (org_id, market, metric) do update set limit_value = excluded.limit_value, source = excluded.source, updated_at = excluded.updated_at`),
    );
  }

  /** Per shop, the last 30 days: what the platform reports and what we compute, against per-market limits. */
  async function shopHealth(actor: Actor, q: { shopId?: string } = {}): Promise<ShopHealthView[]> {
    requireRole(actor, LEADS, 'reading shop health');
    await refresh(actor.orgId);
    const to = clock.now();
    const from = new Date(to.getTime() - 30 * DAY);
    return db.tenant(actor.orgId, async (tx) => {
      if (q.shopId) await shopIn(tx, actor.orgId, q.shopId);
      const shops = (await tx.execute(sql`select id, market from shops where org_id = ${actor.orgId} ${q.shopId ? sql`and id = ${q.shopId}` : sql``} order by id`)).rows as Row[];
      const out: ShopHealthView[] = [];
      for (const s of shops) {
        const shopId = String(s.id);
        const market = String(s.market);
        const th = new Map(((await tx.execute(sql`select metric, limit_value, source from shop_health_thresholds where org_id = ${actor.orgId} and market = ${market}`)).rows as Row[]).map((r) => [String(r.metric), { limit: Number(r.limit_value), source: String(r.source) }]));
        const range = sql`${from.toISOString()}::timestamptz and ${to.toISOString()}::timestamptz`;
        const window = HEALTH_METRICS.chat_response_rate.windowHours;
        const chat = (await tx.execute(sql`
          select count(*) as n, count(*) filter (where first_out is not null and first_out <= t.created_at + make_interval(hours => ${window})) as answered
          from tickets t left join lateral (select min(m.created_at) as first_out from ticket_messages m where m.org_id = t.org_id and m.ticket_id = t.id and m.direction = 'outbound') f on true
          where t.org_id = ${actor.orgId} and t.shop_id = ${shopId} and t.channel in ('tiktok_chat', 'livestream') and t.created_at between ${range}`)).rows[0] as Row;
        const facts = (await tx.execute(sql`
          select count(*) filter (where delivered) as d, count(*) filter (where delivered and returned and coalesce(fault_owner, 'unknown') <> 'buyer') as nbf,
            count(*) filter (where delivered and returned) as r, count(*) filter (where delivered and disputed) as disp
          from analytics_line_facts where org_id = ${actor.orgId} and shop_id = ${shopId} and delivered_at between ${range}`)).rows[0] as Row;
        const canc = (await tx.execute(sql`
          select (select count(*) from orders where org_id = ${actor.orgId} and shop_id = ${shopId} and placed_at between ${range}) as orders,
            (select count(*) from platform_returns where org_id = ${actor.orgId} and shop_id = ${shopId} and kind = 'cancellation' and raw_type = 'CANCEL' and requested_at between ${range}) as seller_cancels`)).rows[0] as Row;
        const csat = (await tx.execute(sql`select avg(score)::float8 as avg, count(score) as n from csat_surveys where org_id = ${actor.orgId} and shop_id = ${shopId} and answered_at between ${range}`)).rows[0] as Row;
        const cs = (await tx.execute(sql`select * from shop_cs_performance where org_id = ${actor.orgId} and shop_id = ${shopId} order by date_to desc, date_from limit 1`)).rows[0] as Row | undefined;
        const ratio = (a: unknown, b: unknown) => (num(b) > 0 ? num(a) / num(b) : null);
        const values: Record<HealthMetric, { value: number | null; note: string | null }> = {
          chat_response_rate: { value: ratio(chat.answered, chat.n), note: `TikTok chats answered within ${window} h` },
          non_buyer_fault_return_rate: { value: ratio(facts.nbf, facts.d), note: 'returns whose fault owner is not the buyer (unknown counts against the seller)' },
          seller_fault_cancellation_rate: { value: ratio(canc.seller_cancels, canc.orders), note: 'seller-initiated cancellations (cancel_type CANCEL) per order placed' },
          dispute_escalation_rate: { value: ratio(facts.disp, facts.r), note: 'returns that went to platform arbitration' },
          csat_average: { value: num(csat.n) > 0 ? Number(csat.avg) : null, note: `${num(csat.n)} survey answers` },
        };
        const metrics = (Object.keys(HEALTH_METRICS) as HealthMetric[]).map((m) => {
          const def = HEALTH_METRICS[m];
          const t = th.get(m) ?? { limit: def.limit, source: DEFAULT_THRESHOLD_SOURCE };
          return { metric: m, value: values[m].value, limit: t.limit, better: def.better, state: healthState(values[m].value, t.limit, def.better), source: t.source, computed: 'afterdesk' as const, note: values[m].note };
        });
        out.push({
          shopId,
          market,
          from: ymd(from),
          to: ymd(to),
          metrics,
          platform: {
            sessions: cs?.sessions === null || cs?.sessions === undefined ? null : num(cs.sessions),
            responsePct: cs?.response_pct == null ? null : Number(cs.response_pct),
            responseTimeMins: cs?.response_time_mins == null ? null : Number(cs.response_time_mins),
            satisfactionPct: cs?.satisfaction_pct == null ? null : Number(cs.satisfaction_pct),
            period: cs ? `${String(cs.date_from instanceof Date ? ymd(cs.date_from) : cs.date_from).slice(0, 10)}/${String(cs.date_to instanceof Date ? ymd(cs.date_to) : cs.date_to).slice(0, 10)}` : null,
          },
          rating: null,
          notes: [
            'The shop rating / Shop Performance Score and violation points are shown in Seller Center only; the Open API exposes no endpoint for them, so no rating is shown here.',
            'Dispute win rate, early-refund appeal success, cycle time by step, cost share and CSAT by agent/channel/reason: GET /api/analytics/outcomes.',
            'The negative-review rate needs review data the Open API does not give us for these shops; it is shown as not available.',
          ],
        });
      }
      return out;
    });
  }

  /** Warn the owners once a day per shop and metric that is near or over its limit. */
  async function checkHealth(orgId: string): Promise<number> {
    const actor = { orgId, userId: 'system', role: 'owner' as const };
    const day = ymd(clock.now());
    let sent = 0;
    for (const h of await shopHealth(actor)) {
      for (const m of h.metrics) {
        if ((m.state !== 'near' && m.state !== 'crossed') || m.value === null) continue;
        const fresh = await db.tenant(orgId, (tx) =>
          tx.execute(sql`insert into shop_health_warnings (org_id, shop_id, metric, day, severity, value, limit_value, sent_at) values (${orgId}, ${h.shopId}, ${m.metric}, ${day}::date, ${m.state}, ${m.value}, ${m.limit}, ${clock.now().toISOString()}::timestamptz) on conflict do nothing returning metric`),
        );
        if (fresh.rows.length === 0) continue;
        await deps.notifyOwners(orgId, { kind: 'shop_health', shopId: h.shopId, metric: m.metric, severity: m.state, value: m.value, limit: m.limit, text: `${m.metric} is ${m.value.toFixed(3)} (limit ${m.limit}, ${m.better} is better) — ${m.state === 'crossed' ? 'over the limit' : 'close to the limit'}` });
        sent++;
      }
    }
    return sent;
  }

  // ---------------- CSAT ----------------

  /** Record that the survey was asked on a resolved ticket (the helpdesk sends the question through the ticket's channel). */
  async function csatAsked(orgId: string, t: { ticketId: string; shopId: string; channel: string; language: string }): Promise<void> {
    await db.tenant(orgId, (tx) =>
      tx.execute(sql`insert into csat_surveys (org_id, id, shop_id, ticket_id, channel, language, asked_at) values (${orgId}, ${ids('csat')}, ${t.shopId}, ${t.ticketId}, ${t.channel}, ${t.language}, ${clock.now().toISOString()}::timestamptz) on conflict (org_id, ticket_id) do nothing`),
    );
  }

  /** A buyer's reply on a ticket with an open survey: a 1–5 answer is stored; anything else is not an answer (null). */
  async function csatReply(orgId: string, ticketId: string, text: string): Promise<number | null> {
    const score = parseCsatReply(text);
    if (score === null) return null;
    const r = await db.tenant(orgId, (tx) => tx.execute(sql`update csat_surveys set score = ${score}, answered_at = ${clock.now().toISOString()}::timestamptz where org_id = ${orgId} and ticket_id = ${ticketId} and score is null returning id`));
    return r.rows.length ? score : null;
  }

  // ---------------- operations ----------------

  /** SLA attainment by shop, channel, agent, policy and first-reply promise; reply/resolution distributions; complainers vs others. */
  async function operations(actor: Actor, q: { shopId?: string; from?: string; to?: string } = {}): Promise<OperationsView> {
    requireRole(actor, LEADS, 'reading operations metrics');
    const { from, to } = period(q);
    return db.tenant(actor.orgId, async (tx) => {
      if (q.shopId) await shopIn(tx, actor.orgId, q.shopId);
      const shopF = q.shopId ? sql`and c.shop_id = ${q.shopId}` : sql``;
      const r = await tx.execute(sql`
        with c as (
          select c.*, t.channel, t.assignee_id, p.name as policy_name, s.name as shop_name, u.name as agent_name
          from sla_clocks c join tickets t on t.org_id = c.org_id and t.id = c.ticket_id
          left join sla_policies p on p.org_id = c.org_id and p.id = c.policy_id
          join shops s on s.org_id = c.org_id and s.id = c.shop_id
          left join users u on u.org_id = c.org_id and u.id = t.assignee_id
          where c.org_id = ${actor.orgId} and c.started_at >= ${from.toISOString()}::timestamptz and c.started_at < ${to.toISOString()}::timestamptz ${shopF})
        select dimension, key, min(label) as label, metric, count(*) filter (where stopped_at is not null and breached_at is null) as met, count(*) filter (where breached_at is not null) as breached
        from (
          select 'shop' as dimension, shop_id as key, shop_name as label, metric, stopped_at, breached_at from c
          union all select 'channel', channel, null, metric, stopped_at, breached_at from c
          union all select 'agent', coalesce(assignee_id, '-'), agent_name, metric, stopped_at, breached_at from c
          union all select 'policy', policy_id, policy_name, metric, stopped_at, breached_at from c
          union all select 'promise', target_minutes::text, null, metric, stopped_at, breached_at from c where metric = 'first_reply'
        ) x group by dimension, key, metric order by dimension, key, metric`);
      const sla = (r.rows as Row[]).map((x) => {
        const met = num(x.met);
        const breached = num(x.breached);
        return { dimension: x.dimension as OperationsView['sla'][number]['dimension'], key: String(x.key), label: (x.label as string | null) ?? null, metric: String(x.metric), met, breached, attainment: met + breached > 0 ? met / (met + breached) : null };
      });
      const d = await tx.execute(sql`
        select metric, count(*) as n,
          percentile_cont(0.5) within group (order by m) as p50, percentile_cont(0.9) within group (order by m) as p90,
          count(*) filter (where m <= 15) as b15, count(*) filter (where m > 15 and m <= 60) as b60, count(*) filter (where m > 60 and m <= 240) as b240,
          count(*) filter (where m > 240 and m <= 1440) as b1440, count(*) filter (where m > 1440) as bmore
        from (select metric, extract(epoch from (stopped_at - started_at)) / 60 as m from sla_clocks c
              where c.org_id = ${actor.orgId} and c.metric in ('first_reply', 'resolution') and c.stopped_at is not null and (c.metric <> 'first_reply' or c.stop_reason = 'reply')
                and c.started_at >= ${from.toISOString()}::timestamptz and c.started_at < ${to.toISOString()}::timestamptz ${shopF}) x
        group by metric order by metric`);
      const distributions = (d.rows as Row[]).map((x) => ({
        metric: String(x.metric),
        n: num(x.n),
        p50: x.p50 === null ? null : Math.round(Number(x.p50) * 10) / 10,
        p90: x.p90 === null ? null : Math.round(Number(x.p90) * 10) / 10,
        buckets: [{ upToMinutes: 15, count: num(x.b15) }, { upToMinutes: 60, count: num(x.b60) }, { upToMinutes: 240, count: num(x.b240) }, { upToMinutes: 1440, count: num(x.b1440) }, { upToMinutes: null, count: num(x.bmore) }],
      }));
      const b = await tx.execute(sql`
        select o.currency, exists (select 1 from tickets t where t.org_id = o.org_id and t.buyer_id = o.buyer_id) as complained,
          count(distinct o.buyer_id) as buyers, count(*) as orders, sum(o.total_amount) as spend,
          count(distinct o.buyer_id) filter (where true) as _b
        from orders o where o.org_id = ${actor.orgId} ${q.shopId ? sql`and o.shop_id = ${q.shopId}` : sql``} and o.status <> 'cancelled'
        group by 1, 2 order by 1, 2`);
      const rep = await tx.execute(sql`
        select currency, complained, count(*) filter (where n >= 2) as repeaters, count(*) as buyers from (
          select o.currency, o.buyer_id, count(*) as n, exists (select 1 from tickets t where t.org_id = o.org_id and t.buyer_id = o.buyer_id) as complained
          from orders o where o.org_id = ${actor.orgId} ${q.shopId ? sql`and o.shop_id = ${q.shopId}` : sql``} and o.status <> 'cancelled' group by 1, 2, o.org_id) x group by 1, 2`);
      const repeat = new Map((rep.rows as Row[]).map((x) => [`${x.currency}|${x.complained}`, num(x.repeaters) / Math.max(1, num(x.buyers))]));
      const buyers = (b.rows as Row[]).map((x) => ({ currency: String(x.currency), complained: x.complained === true, buyers: num(x.buyers), repurchaseRate: repeat.get(`${x.currency}|${x.complained}`) ?? null, spendPerBuyer: num(x.buyers) > 0 ? Math.round(num(x.spend) / num(x.buyers)) : null }));
      return { from: ymd(from), to: ymd(to), sla, distributions, buyers };
    });
  }

  const outcomesPart = createOutcomes({ db, ids, clock, refresh: (orgId) => refresh(orgId), csat: deps.csat });

  return {
    ...outcomesPart,
    operations,
    storeCsPerformance, setThreshold, shopHealth, checkHealth, csatAsked, csatReply,
    ingestClaims, syncLiveSessions, applyPending, importAdsReport, ingestAdCampaignDays, adCampaigns, refresh, rebuildAll, rebuildAllSet, orgsWithChanges, orgsWithShops,
    report, weekly, drilldown, recommendations, recommendationsCsv, reasonTrends,
    exclude, excludeIn, listExclusions, createTask, createTaskIn, updateTask, listTasks, taskFromTrend, annotate, annotateIn, importRates,
  };
}
export type AnalyticsService = ReturnType<typeof createAnalyticsService>;

function dedupeClaims(claims: AttributionClaimInput[]): AttributionClaimInput[] {
  const m = new Map<string, AttributionClaimInput>();
  for (const c of claims) m.set(`${c.externalOrderId}|${c.productId ?? ''}|${c.provenance}`, c);
  return [...m.values()];
}
async function assertUser(tx: Executor, orgId: string, userId: string): Promise<void> {
  const r = await tx.execute(sql`select 1 from users where org_id = ${orgId} and id = ${userId}`);
  if (r.rows.length === 0) throw AppError.notFound('user', userId);
}
const encodeCursor = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url');
function decodeCursor(c: string): { at: string; id: string } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(c, 'base64url').toString()) as [string, string];
    return typeof at === 'string' && typeof id === 'string' ? { at, id } : null;
  } catch {
    return null;
  }
}
function exclusionView(x: Row): ExclusionView {
  return { id: String(x.id), shopId: String(x.shop_id), sourceType: String(x.source_type), sourceId: String(x.source_id), sourceName: (x.source_name as string | null) ?? null, note: (x.note as string | null) ?? null, excludedAt: iso(x.excluded_at) };
}
function taskView(x: Row): FeedbackTaskView {
  return { id: String(x.id), shopId: String(x.shop_id), kind: x.kind as FeedbackTaskView['kind'], title: String(x.title), body: String(x.body), subjectType: (x.subject_type as string | null) ?? null, subjectId: (x.subject_id as string | null) ?? null, assigneeId: (x.assignee_id as string | null) ?? null, status: x.status as FeedbackTaskView['status'], createdAt: iso(x.created_at), doneAt: x.done_at ? iso(x.done_at) : null };
}
function annotationView(x: Row): AnnotationView {
  return { id: String(x.id), shopId: (x.shop_id as string | null) ?? null, kind: String(x.kind), title: String(x.title), startsAt: iso(x.starts_at), endsAt: x.ends_at ? iso(x.ends_at) : null, subjectType: (x.subject_type as string | null) ?? null, subjectId: (x.subject_id as string | null) ?? null };
}
