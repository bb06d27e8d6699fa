import { and, asc, eq, getTableColumns, gt, inArray, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database, Executor } from '../../platform/db.js';
import { buyers, orderLines, orders, platformReturns, type TrafficSourceType } from './orders.schema.js';
import { orderView } from './orders.service.js';
import type { OrderView } from './orders.dto.js';

/** TikTok return-and-refund requests still open on the platform (the states a seller can act on). */
const OPEN_REQUEST_STATUSES = ['requested', 'awaiting_buyer_shipment', 'buyer_shipped', 'approved'];

export interface OpenReturnRequest {
  id: string;
  shopId: string;
  reasonCode: string | null;
  reasonText: string | null;
  requestedAt: Date;
  /** TikTok's own update time of the request: it moves only when the request itself changed. */
  externalUpdatedAt: Date;
}

/** Open return requests linked to a synced order, oldest first, a page at a time (`after` = the last one seen). */
export async function openReturnRequests(tx: Executor, orgId: string, page: { limit: number; after?: { requestedAt: Date; id: string } }): Promise<OpenReturnRequest[]> {
  const p = platformReturns;
  return tx
    .select({ id: p.id, shopId: p.shopId, reasonCode: p.reasonCode, reasonText: p.reasonText, requestedAt: p.requestedAt, externalUpdatedAt: p.externalUpdatedAt })
    .from(p)
    .where(
      and(
        eq(p.orgId, orgId),
        eq(p.kind, 'return'),
        eq(p.type, 'return_and_refund'),
        inArray(p.status, OPEN_REQUEST_STATUSES),
        isNotNull(p.orderId),
        page.after ? or(gt(p.requestedAt, page.after.requestedAt), and(eq(p.requestedAt, page.after.requestedAt), gt(p.id, page.after.id))) : undefined,
      ),
    )
    .orderBy(asc(p.requestedAt), asc(p.id))
    .limit(page.limit);
}

/** Organisations with open return requests (for jobs that sweep every tenant). */
export async function orgsWithOpenReturnRequests(db: Database): Promise<string[]> {
  return db.system(async (tx) => {
    const rows = await tx
      .selectDistinct({ orgId: platformReturns.orgId })
      .from(platformReturns)
      .where(and(eq(platformReturns.kind, 'return'), eq(platformReturns.type, 'return_and_refund'), inArray(platformReturns.status, OPEN_REQUEST_STATUSES), sql`${platformReturns.orderId} is not null`));
    return rows.map((r) => r.orgId);
  });
}

/** A shop's orders with these external ids, with the buyer's country (how a chat's order card finds our order). */
export async function ordersByExternalIds(tx: Executor, orgId: string, shopId: string, externalIds: string[]): Promise<{ id: string; externalId: string; country: string | null; placedAt: Date }[]> {
  if (externalIds.length === 0) return [];
  return tx
    .select({ id: orders.id, externalId: orders.externalId, country: buyers.country, placedAt: orders.placedAt })
    .from(orders)
    .innerJoin(buyers, and(eq(buyers.orgId, orders.orgId), eq(buyers.id, orders.buyerId)))
    .where(and(eq(orders.orgId, orgId), eq(orders.shopId, shopId), inArray(orders.externalId, externalIds)));
}

/** Where each line of an order was sold (a livestream, a video, the shop page…). */
export async function trafficSourcesOf(tx: Executor, orgId: string, orderId: string): Promise<{ type: TrafficSourceType; id: string | null }[]> {
  return tx.select({ type: orderLines.trafficSourceType, id: orderLines.trafficSourceId }).from(orderLines).where(and(eq(orderLines.orgId, orgId), eq(orderLines.orderId, orderId)));
}

/** The organisations holding a buyer id (ids are unique, so normally one); a system read for tools without a session. */
export async function orgsHoldingBuyer(tx: Executor, buyerId: string): Promise<string[]> {
  const rows = await tx.select({ orgId: buyers.orgId }).from(buyers).where(eq(buyers.id, buyerId)).orderBy(asc(buyers.orgId));
  return rows.map((r) => r.orgId);
}

export interface BuyerMatch {
  id: string;
  displayName: string | null;
  email: string | null;
  platform: string;
  orders: number;
}

/**
 * Buyers matching a search: by id, name or email (`like` is the caller's escaped ILIKE pattern),
 * platform buyer id, an order's external id, or one of `alsoIds` (matches the caller found in its
 * own tables). Newest first, at most 50.
 */
export async function buyersMatching(tx: Executor, orgId: string, q: string, like: string, alsoIds: string[]): Promise<BuyerMatch[]> {
  const r = await tx.execute(
    sql`select b.id, b.display_name, b.email, b.platform, (select count(*)::int from orders o where o.org_id = b.org_id and o.buyer_id = b.id) as orders
          from buyers b where b.org_id = ${orgId}
           and (b.id = ${q} or b.display_name ilike ${like} or b.email ilike ${like} or b.platform_buyer_id = ${q}
                or exists (select 1 from orders o where o.org_id = b.org_id and o.buyer_id = b.id and o.external_id = ${q})
                or b.id = any(${sql.param(alsoIds)}::text[]))
          order by b.created_at desc limit 50`,
  );
  return (r.rows as Record<string, unknown>[]).map((x) => ({ id: String(x.id), displayName: (x.display_name as string | null) ?? null, email: (x.email as string | null) ?? null, platform: String(x.platform), orders: Number(x.orders) }));
}

export interface OrderMatch {
  id: string;
  externalId: string;
  shopId: string;
  buyerId: string;
  buyerName: string | null;
  status: string;
  currency: string;
  total: number;
  placedAt: Date;
  /** Which of the numbers people have matched: the platform's order number, a tracking number, or the buyer. */
  match: 'order_number' | 'tracking_number' | 'buyer';
}

/**
 * Orders a person may mean by `q` (for the lookup service): the platform order number or a tracking
 * number exactly, or a buyer whose name or e-mail matches `like` (the caller's escaped ILIKE
 * pattern) or who is one of `buyerIds`. Exact numbers first, then newest; at most `limit`.
 */
export async function ordersMatching(tx: Executor, orgId: string, q: string, like: string, buyerIds: string[], limit: number): Promise<OrderMatch[]> {
  const r = await tx.execute(sql`
    select o.id, o.external_id, o.shop_id, o.buyer_id, b.display_name, o.status, o.currency, o.total_amount, o.placed_at,
           case when o.external_id = ${q} then 'order_number' when o.tracking_number = ${q} then 'tracking_number' else 'buyer' end as match
      from orders o join buyers b on b.org_id = o.org_id and b.id = o.buyer_id
     where o.org_id = ${orgId}
       and (o.external_id = ${q} or o.tracking_number = ${q} or b.display_name ilike ${like} or b.email ilike ${like}
            or o.buyer_id = any(${sql.param(buyerIds)}::text[]))
     order by (o.external_id = ${q} or o.tracking_number = ${q}) desc, o.placed_at desc, o.id
     limit ${limit}`);
  return (r.rows as Record<string, unknown>[]).map((x) => ({
    id: String(x.id),
    externalId: String(x.external_id),
    shopId: String(x.shop_id),
    buyerId: String(x.buyer_id),
    buyerName: (x.display_name as string | null) ?? null,
    status: String(x.status),
    currency: String(x.currency),
    total: Number(x.total_amount),
    placedAt: new Date(String(x.placed_at)),
    match: x.match as OrderMatch['match'],
  }));
}

/** Order numbers and buyer names for ids other modules hold (to title cases and rows in words, not ids). */
export async function orderLabels(tx: Executor, orgId: string, orderIds: string[]): Promise<Map<string, { externalId: string; shopId: string; buyerId: string; buyerName: string | null }>> {
  if (orderIds.length === 0) return new Map();
  const rows = await tx
    .select({ id: orders.id, externalId: orders.externalId, shopId: orders.shopId, buyerId: orders.buyerId, buyerName: buyers.displayName })
    .from(orders)
    .innerJoin(buyers, and(eq(buyers.orgId, orders.orgId), eq(buyers.id, orders.buyerId)))
    .where(and(eq(orders.orgId, orgId), inArray(orders.id, [...new Set(orderIds)])));
  return new Map(rows.map((r) => [r.id, { externalId: r.externalId, shopId: r.shopId, buyerId: r.buyerId, buyerName: r.buyerName }]));
}

/** What the coupon programmes and the contact policy need to know about buyers of one shop. */
export interface BuyerShopFacts {
  buyerId: string;
  lastOrderAt: Date | null;
  lastOrderId: string | null;
  lastDeliveredAt: Date | null;
  lastDeliveredOrderId: string | null;
  orders365: number;
  spend365: number;
  spend180: number;
  returns180: number;
  returnedValue180: number;
  hasReturnHistory: boolean;
  openReturn: boolean;
  language: string | null;
  country: string | null;
}

const OPEN_AFTER_SALES = ['requested', 'awaiting_buyer_shipment', 'buyer_shipped', 'approved'];

/** Per buyer (of these ids) in one shop: recency, frequency, spend, returns and open after-sales cases. */
export async function buyerShopFacts(tx: Executor, orgId: string, shopId: string, buyerIds: string[], now: Date): Promise<Map<string, BuyerShopFacts>> {
  const out = new Map<string, BuyerShopFacts>();
  if (buyerIds.length === 0) return out;
  const y = new Date(now.getTime() - 365 * 86_400_000).toISOString();
  const h = new Date(now.getTime() - 180 * 86_400_000).toISOString();
  const r = await tx.execute(sql`
    with b as (select unnest(${sql.param(buyerIds)}::text[]) as id)
    select b.id as buyer_id, bu.language, bu.country,
      lo.id as last_order_id, lo.placed_at as last_order_at,
      ld.id as last_delivered_order_id, ld.delivered_at as last_delivered_at,
      coalesce(s.n365, 0)::int as orders365, coalesce(s.v365, 0)::bigint as spend365, coalesce(s.v180, 0)::bigint as spend180,
      coalesce(rt.n180, 0)::int as returns180, coalesce(rt.v180, 0)::bigint as returned180, coalesce(rt.any, false) as has_returns, coalesce(rt.open, false) as open_return
    from b
    left join buyers bu on bu.org_id = ${orgId} and bu.id = b.id
    left join lateral (select id, placed_at from orders o where o.org_id = ${orgId} and o.buyer_id = b.id and o.shop_id = ${shopId} order by placed_at desc limit 1) lo on true
    left join lateral (select id, delivered_at from orders o where o.org_id = ${orgId} and o.buyer_id = b.id and o.shop_id = ${shopId} and delivered_at is not null order by delivered_at desc limit 1) ld on true
    left join lateral (
      select count(*) filter (where placed_at >= ${y}::timestamptz and status <> 'cancelled') as n365,
             sum(total_amount) filter (where placed_at >= ${y}::timestamptz and status <> 'cancelled') as v365,
             sum(total_amount) filter (where placed_at >= ${h}::timestamptz and status <> 'cancelled') as v180
      from orders o where o.org_id = ${orgId} and o.buyer_id = b.id and o.shop_id = ${shopId} and placed_at >= ${y}::timestamptz) s on true
    left join lateral (
      select count(*) filter (where requested_at >= ${h}::timestamptz and kind = 'return') as n180,
             sum(refund_amount) filter (where requested_at >= ${h}::timestamptz and kind = 'return') as v180,
             count(*) > 0 as any,
             bool_or(status = any(${sql.param(OPEN_AFTER_SALES)}::text[])) as open
      from platform_returns p where p.org_id = ${orgId} and p.buyer_id = b.id and p.shop_id = ${shopId}) rt on true`);
  for (const x of r.rows as Record<string, unknown>[]) out.set(String(x.buyer_id), buyerShopFactsOf(x));
  return out;
}

/**
 * One row of buyer facts (the columns `buyerShopFacts` selects, which a summary table built from
 * `buyerShopFactsQuery` keeps under the same names) as `BuyerShopFacts`.
 */
export function buyerShopFactsOf(x: Record<string, unknown>): BuyerShopFacts {
  const d = (v: unknown) => (v ? new Date(v as string) : null);
  return {
    buyerId: String(x.buyer_id),
    lastOrderAt: d(x.last_order_at),
    lastOrderId: (x.last_order_id as string) ?? null,
    lastDeliveredAt: d(x.last_delivered_at),
    lastDeliveredOrderId: (x.last_delivered_order_id as string) ?? null,
    orders365: Number(x.orders365),
    spend365: Number(x.spend365),
    spend180: Number(x.spend180),
    returns180: Number(x.returns180),
    returnedValue180: Number(x.returned180),
    hasReturnHistory: !!x.has_returns,
    openReturn: !!x.open_return,
    language: (x.language as string) ?? null,
    country: (x.country as string) ?? null,
  };
}

/**
 * issue 14 (coupons' per-buyer summary): the same facts as `buyerShopFacts`, as one set-based query
 * the coupons module embeds in its own upsert (a GROUP BY over the shop's orders and after-sales
 * requests, not a lookup per buyer). `buyerIds`: the buyers to work out (the changed and the stale
 * ones, one array parameter), or null for every buyer of the shop (a rebuild). Columns: buyer_id, language, country,
 * last_order_at, last_order_id, last_delivered_at, last_delivered_order_id, orders365, spend365,
 * spend180, returns180, returned180, has_returns, open_return, fresh_until (the first moment an
 * order or a return leaves its 365/180-day window, when the windowed figures change by time alone).
 */
export function buyerShopFactsQuery(orgId: string, shopId: string, now: Date, buyerIds: string[] | null): SQL {
  const y = new Date(now.getTime() - 365 * 86_400_000).toISOString();
  const h = new Date(now.getTime() - 180 * 86_400_000).toISOString();
  const orderAggs = sql`max(placed_at) as last_order_at, (array_agg(id order by placed_at desc, id desc))[1] as last_order_id,
        max(delivered_at) as last_delivered_at, (array_agg(id order by delivered_at desc, id desc) filter (where delivered_at is not null))[1] as last_delivered_order_id,
        count(*) filter (where placed_at >= ${y}::timestamptz and status <> 'cancelled')::int as orders365,
        coalesce(sum(total_amount) filter (where placed_at >= ${y}::timestamptz and status <> 'cancelled'), 0)::bigint as spend365,
        coalesce(sum(total_amount) filter (where placed_at >= ${h}::timestamptz and status <> 'cancelled'), 0)::bigint as spend180,
        least(min(placed_at) filter (where placed_at >= ${y}::timestamptz and status <> 'cancelled') + interval '365 days',
              min(placed_at) filter (where placed_at >= ${h}::timestamptz and status <> 'cancelled') + interval '180 days') as exits, count(*) as n`;
  const returnAggs = sql`count(*) filter (where requested_at >= ${h}::timestamptz and kind = 'return')::int as returns180,
        coalesce(sum(refund_amount) filter (where requested_at >= ${h}::timestamptz and kind = 'return'), 0)::bigint as returned180,
        coalesce(bool_or(status = any(${sql.param(OPEN_AFTER_SALES)}::text[])), false) as open_return,
        min(requested_at) filter (where requested_at >= ${h}::timestamptz and kind = 'return') + interval '180 days' as exits, count(*) as n`;
  const columns = sql`o.last_order_at, o.last_order_id, o.last_delivered_at, o.last_delivered_order_id,
      o.orders365, o.spend365, o.spend180, coalesce(r.returns180, 0) as returns180, coalesce(r.returned180, 0) as returned180,
      coalesce(r.n, 0) > 0 as has_returns, coalesce(r.open_return, false) as open_return, least(o.exits, r.exits) as fresh_until`;
  if (buyerIds === null) {
    // Every buyer of the shop: one GROUP BY over its orders and one over its after-sales requests.
    return sql`with o as (select buyer_id, ${orderAggs} from orders where org_id = ${orgId} and shop_id = ${shopId} group by buyer_id),
      r as (select buyer_id, ${returnAggs} from platform_returns where org_id = ${orgId} and shop_id = ${shopId} and buyer_id is not null group by buyer_id)
      select o.buyer_id, bu.language, bu.country, ${columns}
      from o left join r on r.buyer_id = o.buyer_id left join buyers bu on bu.org_id = ${orgId} and bu.id = o.buyer_id`;
  }
  // A few buyers (the changed and the stale): index lookups per buyer, whatever the planner guesses
  // of a skewed shop (a hash join over all orders was 100 times slower for a day's changes).
  return sql`select b.id as buyer_id, bu.language, bu.country, ${columns}
    from unnest(${sql.param(buyerIds)}::text[]) b(id)
    cross join lateral (select ${orderAggs} from orders where org_id = ${orgId} and buyer_id = b.id and shop_id = ${shopId}) o
    cross join lateral (select ${returnAggs} from platform_returns where org_id = ${orgId} and buyer_id = b.id and shop_id = ${shopId}) r
    left join lateral (select language, country from buyers where org_id = ${orgId} and id = b.id) bu on true
    where o.n > 0`;
}

/** issue 14: buyers of a shop whose orders or after-sales requests changed at or after `since` (index ranges on updated_at; a subquery). */
export function buyersChangedSinceQuery(orgId: string, shopId: string, since: Date): SQL {
  return sql`select buyer_id from orders where org_id = ${orgId} and shop_id = ${shopId} and updated_at >= ${since.toISOString()}::timestamptz
    union select buyer_id from platform_returns where org_id = ${orgId} and shop_id = ${shopId} and buyer_id is not null and updated_at >= ${since.toISOString()}::timestamptz`;
}

/**
 * Buyers of a shop with a candidate occasion in [from, to): delivered in the window (return visit),
 * whose latest order was placed in the window (win-back), or — with `frequentSince` — with at least
 * `minOrders` orders since then (loyalty). Index range scans on (shop, delivered_at / placed_at).
 */
export async function dueBuyerCandidates(
  tx: Executor,
  orgId: string,
  shopId: string,
  q: { deliveredIn?: [Date, Date]; lastOrderIn?: [Date, Date]; frequentSince?: Date; minOrders?: number },
): Promise<{ delivered: string[]; lapsed: string[]; frequent: string[] }> {
  const out = { delivered: [] as string[], lapsed: [] as string[], frequent: [] as string[] };
  if (q.deliveredIn) {
    const r = await tx.execute(sql`select distinct buyer_id from orders where org_id = ${orgId} and shop_id = ${shopId} and delivered_at >= ${q.deliveredIn[0].toISOString()}::timestamptz and delivered_at < ${q.deliveredIn[1].toISOString()}::timestamptz`);
    out.delivered = (r.rows as { buyer_id: string }[]).map((x) => x.buyer_id);
  }
  if (q.lastOrderIn) {
    const r = await tx.execute(sql`select distinct o.buyer_id from orders o
      where o.org_id = ${orgId} and o.shop_id = ${shopId} and o.placed_at >= ${q.lastOrderIn[0].toISOString()}::timestamptz and o.placed_at < ${q.lastOrderIn[1].toISOString()}::timestamptz
        and not exists (select 1 from orders l where l.org_id = o.org_id and l.buyer_id = o.buyer_id and l.shop_id = o.shop_id and l.placed_at > o.placed_at)`);
    out.lapsed = (r.rows as { buyer_id: string }[]).map((x) => x.buyer_id);
  }
  if (q.frequentSince) {
    const r = await tx.execute(sql`select buyer_id from orders where org_id = ${orgId} and shop_id = ${shopId} and placed_at >= ${q.frequentSince.toISOString()}::timestamptz
      group by buyer_id having count(*) >= ${q.minOrders ?? 3}`);
    out.frequent = (r.rows as { buyer_id: string }[]).map((x) => x.buyer_id);
  }
  return out;
}

/** A buyer's orders in a shop placed in [from, to), for redemption attribution and settlement. */
export async function buyerOrdersBetween(tx: Executor, orgId: string, shopId: string, buyerIds: string[], from: Date, to: Date): Promise<{ id: string; buyerId: string; externalId: string; placedAt: Date; subtotal: number; sellerDiscount: number; totalAmount: number; status: string }[]> {
  if (buyerIds.length === 0) return [];
  const rows = await tx
    .select({ id: orders.id, buyerId: orders.buyerId, externalId: orders.externalId, placedAt: orders.placedAt, subtotal: orders.subtotalAmount, sellerDiscount: orders.sellerDiscountAmount, totalAmount: orders.totalAmount, status: orders.status })
    .from(orders)
    .where(and(eq(orders.orgId, orgId), eq(orders.shopId, shopId), inArray(orders.buyerId, buyerIds), sql`${orders.placedAt} >= ${from.toISOString()}::timestamptz and ${orders.placedAt} < ${to.toISOString()}::timestamptz`));
  return rows.map((r) => ({ ...r, subtotal: Number(r.subtotal), sellerDiscount: Number(r.sellerDiscount), totalAmount: Number(r.totalAmount) }));
}

/** Status of these orders and whether they were returned (fully or in part), for coupon settlement. */
export async function orderOutcomes(tx: Executor, orgId: string, orderIds: string[]): Promise<Map<string, { status: string; returned: 'none' | 'partial' | 'full' }>> {
  const out = new Map<string, { status: string; returned: 'none' | 'partial' | 'full' }>();
  if (orderIds.length === 0) return out;
  const r = await tx.execute(sql`select o.id, o.status, o.subtotal_amount,
      coalesce((select sum(refund_amount) from platform_returns p where p.org_id = o.org_id and p.order_id = o.id and p.kind = 'return' and p.status in ('completed', 'approved')), 0)::bigint as refunded
    from orders o where o.org_id = ${orgId} and o.id = any(${sql.param(orderIds)}::text[])`);
  for (const x of r.rows as { id: string; status: string; subtotal_amount: string | number; refunded: string | number }[]) {
    const refunded = Number(x.refunded);
    const subtotal = Number(x.subtotal_amount);
    out.set(x.id, { status: x.status, returned: refunded <= 0 ? 'none' : refunded >= subtotal ? 'full' : 'partial' });
  }
  return out;
}

/** Buyer ids by the platform's buyer id (TikTok user id), and back. */
export async function buyerPlatformIds(tx: Executor, orgId: string, buyerIds: string[]): Promise<Map<string, { platformBuyerId: string; email: string | null; language: string | null }>> {
  if (buyerIds.length === 0) return new Map();
  const rows = await tx.select({ id: buyers.id, platformBuyerId: buyers.platformBuyerId, email: buyers.email, language: buyers.language }).from(buyers).where(and(eq(buyers.orgId, orgId), sql`${buyers.id} = any(${sql.param(buyerIds)}::text[])`));
  return new Map(rows.map((r) => [r.id, { platformBuyerId: r.platformBuyerId, email: r.email, language: r.language }]));
}

/** Each buyer's average order value in a shop before a moment (the baseline of order-value uplift); null without earlier orders. */
export async function averageOrderValueBefore(tx: Executor, orgId: string, shopId: string, pairs: { buyerId: string; before: Date }[]): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  if (pairs.length === 0) return out;
  const r = await tx.execute(sql`
    with p as (select unnest(${sql.param(pairs.map((x) => x.buyerId))}::text[]) as buyer_id, unnest(${sql.param(pairs.map((x) => x.before.toISOString()))}::timestamptz[]) as before)
    select p.buyer_id, p.before, (select avg(total_amount) from orders o where o.org_id = ${orgId} and o.shop_id = ${shopId} and o.buyer_id = p.buyer_id and o.placed_at < p.before and o.status <> 'cancelled') as avg
    from p`);
  for (const x of r.rows as { buyer_id: string; avg: string | null }[]) out.set(x.buyer_id, x.avg === null ? null : Number(x.avg));
  return out;
}

/**
 * The one write others make to order lines: the traffic source attribution decided by the analytics
 * module (from affiliate orders, imported ads reports and LIVE session windows), with its provenance.
 */
export async function setLineSources(tx: Executor, orgId: string, rows: { lineId: string; type: TrafficSourceType; id: string | null; name: string | null; provenance: string }[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <T>(f: (r: (typeof rows)[number]) => T) => sql.param(rows.map(f));
  const r = await tx.execute(sql`
    update order_lines ol set traffic_source_type = u.type, traffic_source_id = u.sid, traffic_source_name = u.name, traffic_source_provenance = u.prov, updated_at = now()
    from unnest(${col((r) => r.lineId)}::text[], ${col((r) => r.type)}::text[], ${col((r) => r.id)}::text[], ${col((r) => r.name)}::text[], ${col((r) => r.provenance)}::text[]) as u(line_id, type, sid, name, prov)
    where ol.org_id = ${orgId} and ol.id = u.line_id
      and (ol.traffic_source_type, ol.traffic_source_id, ol.traffic_source_name, ol.traffic_source_provenance) is distinct from (u.type, u.sid, u.name, u.prov)`);
  return r.rowCount ?? 0;
}

/** Orders of one shop placed at or after `since`, oldest first (the after-sales card batch of a day's shipments). */
export async function orderIdsPlacedSince(tx: Executor, orgId: string, shopId: string, since: Date, limit: number): Promise<string[]> {
  const rows = await tx
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.orgId, orgId), eq(orders.shopId, shopId), sql`${orders.placedAt} >= ${since}`))
    .orderBy(asc(orders.placedAt), asc(orders.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * issue 16 (proactive notices): orders of a shop with a line of this platform product whose trigger
 * happened in [since, until): paid/placed (purchase), delivered (delivery), or — the platform gives
 * no shipping time we keep — currently in transit and placed since `since` (shipping; the caller
 * takes the moment it first sees them as the anchor). Oldest first.
 */
export async function ordersForProductTrigger(
  tx: Executor,
  orgId: string,
  q: { shopId: string; productId: string; trigger: 'purchase' | 'shipping' | 'delivery'; since: Date; until: Date; limit: number },
): Promise<{ orderId: string; buyerId: string; anchorAt: Date | null }[]> {
  const since = q.since.toISOString();
  const until = q.until.toISOString();
  const anchor = q.trigger === 'purchase' ? sql`coalesce(o.paid_at, o.placed_at)` : q.trigger === 'delivery' ? sql`o.delivered_at` : sql`o.placed_at`;
  const state =
    q.trigger === 'purchase' ? sql`o.status not in ('unpaid', 'cancelled')` : q.trigger === 'delivery' ? sql`o.delivered_at is not null and o.status <> 'cancelled'` : sql`(o.status = 'shipped' or o.delivery_status = 'in_transit')`;
  const r = await tx.execute(sql`
    select o.id, o.buyer_id, ${anchor} as anchor from orders o
     where o.org_id = ${orgId} and o.shop_id = ${q.shopId} and ${state}
       and ${anchor} >= ${since}::timestamptz and ${anchor} < ${until}::timestamptz
       and exists (select 1 from order_lines l where l.org_id = o.org_id and l.order_id = o.id and l.product_id = ${q.productId})
     order by anchor, o.id limit ${q.limit}`);
  return (r.rows as { id: string; buyer_id: string; anchor: string | Date }[]).map((x) => ({ orderId: x.id, buyerId: x.buyer_id, anchorAt: q.trigger === 'shipping' ? null : new Date(x.anchor) }));
}

/** issue 16 (notices): the products a shop has sold, from its order lines (until the catalogue exists), most sold first. */
export async function productsSold(tx: Executor, orgId: string, shopId: string | null, limit: number): Promise<{ shopId: string; productId: string; productName: string; lines: number }[]> {
  const r = await tx.execute(sql`
    select l.shop_id, l.product_id, max(l.product_name) as product_name, count(*)::int as n from order_lines l
     where l.org_id = ${orgId} ${shopId ? sql`and l.shop_id = ${shopId}` : sql``}
     group by l.shop_id, l.product_id order by n desc, l.product_id limit ${limit}`);
  return (r.rows as { shop_id: string; product_id: string; product_name: string; n: number }[]).map((x) => ({ shopId: x.shop_id, productId: x.product_id, productName: x.product_name, lines: x.n }));
}

/**
 * What product suggestions are made from (win-back offers): for each buyer, the products they
 * bought in this shop (with category and how often) and the products they returned; and the
 * shop's most bought products per category over the last 180 days (what buyers with the same
 * interests bought). The choice itself is the coupons module's rule.
 */
export async function productHistory(tx: Executor, orgId: string, shopId: string, buyerIds: string[], now: Date): Promise<{ bought: Map<string, { productId: string; title: string; category: string | null; times: number }[]>; returned: Map<string, Set<string>>; topByCategory: Map<string, { productId: string; title: string; buyers: number }[]> }> {
  const bought = new Map<string, { productId: string; title: string; category: string | null; times: number }[]>();
  const returned = new Map<string, Set<string>>();
  const topByCategory = new Map<string, { productId: string; title: string; buyers: number }[]>();
  if (buyerIds.length === 0) return { bought, returned, topByCategory };
  const ids = sql.param(buyerIds);
  const own = await tx.execute(sql`select o.buyer_id, l.product_id, max(l.product_name) as title, max(l.category) as category, count(*)::int as times
    from orders o join order_lines l on l.org_id = o.org_id and l.order_id = o.id
    where o.org_id = ${orgId} and o.shop_id = ${shopId} and o.buyer_id = any(${ids}::text[]) and o.status <> 'cancelled'
    group by o.buyer_id, l.product_id`);
  for (const x of own.rows as { buyer_id: string; product_id: string; title: string; category: string | null; times: number }[]) {
    bought.set(x.buyer_id, [...(bought.get(x.buyer_id) ?? []), { productId: x.product_id, title: x.title, category: x.category, times: Number(x.times) }]);
  }
  const back = await tx.execute(sql`select distinct p.buyer_id, l.product_id
    from platform_returns p cross join lateral jsonb_array_elements(p.lines) e
    join order_lines l on l.org_id = p.org_id and (l.id = e->>'orderLineId' or (e->>'orderLineId' is null and l.order_id = p.order_id and l.sku_id = e->>'skuId'))
    where p.org_id = ${orgId} and p.shop_id = ${shopId} and p.kind = 'return' and p.buyer_id = any(${ids}::text[])`);
  for (const x of back.rows as { buyer_id: string; product_id: string }[]) returned.set(x.buyer_id, (returned.get(x.buyer_id) ?? new Set()).add(x.product_id));
  const cats = [...new Set([...bought.values()].flat().map((b) => b.category).filter((c): c is string => !!c))];
  if (cats.length) {
    const top = await tx.execute(sql`select category, product_id, title, buyers from (
        select l.category, l.product_id, max(l.product_name) as title, count(distinct o.buyer_id)::int as buyers,
          row_number() over (partition by l.category order by count(distinct o.buyer_id) desc, l.product_id) as rank
        from orders o join order_lines l on l.org_id = o.org_id and l.order_id = o.id
        where o.org_id = ${orgId} and o.shop_id = ${shopId} and o.placed_at >= ${new Date(now.getTime() - 180 * 86_400_000).toISOString()}::timestamptz and o.status <> 'cancelled' and l.category = any(${sql.param(cats)}::text[])
        group by l.category, l.product_id) t where rank <= 10 order by category, rank`);
    for (const x of top.rows as { category: string; product_id: string; title: string; buyers: number }[]) topByCategory.set(x.category, [...(topByCategory.get(x.category) ?? []), { productId: x.product_id, title: x.title, buyers: Number(x.buyers) }]);
  }
  return { bought, returned, topByCategory };
}

/** The platform product and SKU ids of these orders' lines (how product knowledge links a ticket to its product). */
export async function lineProductsOf(tx: Executor, orgId: string, orderIds: string[]): Promise<{ orderId: string; productId: string; skuId: string; productName: string }[]> {
  if (orderIds.length === 0) return [];
  return tx
    .select({ orderId: orderLines.orderId, productId: orderLines.productId, skuId: orderLines.skuId, productName: orderLines.productName })
    .from(orderLines)
    .where(and(eq(orderLines.orgId, orgId), inArray(orderLines.orderId, orderIds)))
    .orderBy(asc(orderLines.orderId), asc(orderLines.id));
}

/** What an incident's audience is matched on (incidents module); every given part must hold. */
export interface OrderLinePattern {
  shopId: string;
  productIds?: string[];
  skuIds?: string[];
  livestreamIds?: string[];
  videoIds?: string[];
  adCampaignIds?: string[];
  carriers?: string[];
  placedFrom?: string;
  placedTo?: string;
  deliveredFrom?: string;
  deliveredTo?: string;
  includeCancelled?: boolean;
  includeRefunded?: boolean;
  /** Only these buyers (a chunk of a frozen audience). */
  buyerIds?: string[];
  /** Only these order lines (the lines of an incident's lots, resolved by the incidents module). */
  lineIds?: string[];
}

export interface PatternBuyer {
  buyerId: string;
  orderIds: string[];
  /** The most recent matching order: its number, tracking, carrier and product fill the message. */
  orderExternalId: string;
  trackingNumber: string | null;
  carrier: string | null;
  productName: string;
  buyerName: string | null;
  language: string | null;
  country: string | null;
  email: string | null;
  lastOrderAt: Date;
  /** The most recent matching order and its matching lines: where a per-buyer refund or reship applies. */
  latestOrderId: string;
  latestLineIds: string[];
}

/**
 * Buyers whose order lines match an incident pattern (one row per buyer), set-based: the traffic
 * source parts use `order_lines_source`, products `order_lines_product`; cancelled orders and
 * orders refunded in full are left out unless asked for.
 */
export async function buyersMatchingPattern(tx: Executor, orgId: string, p: OrderLinePattern): Promise<PatternBuyer[]> {
  const arr = (v: string[] | undefined) => sql.param(v ?? []);
  const sources: ReturnType<typeof sql>[] = [];
  if (p.livestreamIds?.length) sources.push(sql`(ol.traffic_source_type = 'livestream' and ol.traffic_source_id = any(${arr(p.livestreamIds)}::text[]))`);
  if (p.videoIds?.length) sources.push(sql`(ol.traffic_source_type = 'creator_video' and ol.traffic_source_id = any(${arr(p.videoIds)}::text[]))`);
  if (p.adCampaignIds?.length) sources.push(sql`(ol.traffic_source_type = 'ad_campaign' and ol.traffic_source_id = any(${arr(p.adCampaignIds)}::text[]))`);
  const r = await tx.execute(sql`
    with m as (
      select o.buyer_id, o.id as order_id, ol.id as line_id,
             first_value(o.id) over (partition by o.buyer_id order by o.placed_at desc, o.id desc) as latest_id, o.external_id, o.placed_at, o.tracking_number, o.carrier, o.total_amount, ol.product_name
        from order_lines ol
        join orders o on o.org_id = ol.org_id and o.id = ol.order_id
       where ol.org_id = ${orgId} and o.shop_id = ${p.shopId}
         ${p.productIds?.length ? sql`and ol.product_id = any(${arr(p.productIds)}::text[])` : sql``}
         ${p.skuIds?.length ? sql`and ol.sku_id = any(${arr(p.skuIds)}::text[])` : sql``}
         ${sources.length ? sql`and (${sql.join(sources, sql` or `)})` : sql``}
         ${p.carriers?.length ? sql`and lower(o.carrier) = any(${sql.param(p.carriers.map((c) => c.toLowerCase()))}::text[])` : sql``}
         ${p.placedFrom ? sql`and o.placed_at >= ${p.placedFrom}::timestamptz` : sql``}
         ${p.placedTo ? sql`and o.placed_at < ${p.placedTo}::timestamptz` : sql``}
         ${p.deliveredFrom ? sql`and o.delivered_at >= ${p.deliveredFrom}::timestamptz` : sql``}
         ${p.deliveredTo ? sql`and o.delivered_at < ${p.deliveredTo}::timestamptz` : sql``}
         ${p.buyerIds ? sql`and o.buyer_id = any(${sql.param(p.buyerIds)}::text[])` : sql``}
         ${p.lineIds ? sql`and ol.id = any(${sql.param(p.lineIds)}::text[])` : sql``}
         ${p.includeCancelled ? sql`` : sql`and o.status <> 'cancelled'`}
         ${
           p.includeRefunded
             ? sql``
             : sql`and coalesce((select sum(pr.refund_amount) from platform_returns pr where pr.org_id = o.org_id and pr.order_id = o.id and pr.kind = 'return' and pr.status in ('completed', 'approved')), 0) < greatest(o.subtotal_amount, 1)`
         }
    )
    select m.buyer_id, array_agg(distinct m.order_id) as order_ids,
           (array_agg(m.external_id order by m.placed_at desc, m.order_id desc))[1] as order_external_id,
           (array_agg(m.tracking_number order by m.placed_at desc, m.order_id desc))[1] as tracking_number,
           (array_agg(m.carrier order by m.placed_at desc, m.order_id desc))[1] as carrier,
           (array_agg(m.product_name order by m.placed_at desc, m.order_id desc))[1] as product_name,
           min(m.latest_id) as latest_order_id,
           array_agg(m.line_id order by m.line_id) filter (where m.order_id = m.latest_id) as line_ids,
           max(m.placed_at) as last_order_at,
           b.display_name, b.language, b.country, b.email
      from m join buyers b on b.org_id = ${orgId} and b.id = m.buyer_id
     group by m.buyer_id, b.display_name, b.language, b.country, b.email
     order by m.buyer_id`);
  return (r.rows as Record<string, unknown>[]).map((x) => ({
    buyerId: String(x.buyer_id),
    orderIds: (x.order_ids as string[]).slice().sort(),
    orderExternalId: String(x.order_external_id),
    trackingNumber: (x.tracking_number as string | null) ?? null,
    carrier: (x.carrier as string | null) ?? null,
    productName: String(x.product_name),
    buyerName: (x.display_name as string | null) ?? null,
    language: (x.language as string | null) ?? null,
    country: (x.country as string | null) ?? null,
    email: (x.email as string | null) ?? null,
    lastOrderAt: new Date(x.last_order_at as string),
    latestOrderId: String(x.latest_order_id),
    latestLineIds: (x.line_ids as string[] | null) ?? [],
  }));
}

/** The lines of a shop's orders named by platform order id (what a lot import may point at). */
export async function linesOfPlatformOrders(tx: Executor, orgId: string, shopId: string, externalOrderIds: string[]): Promise<{ lineId: string; orderId: string; platformOrderId: string; externalLineId: string; skuId: string; sellerSku: string | null }[]> {
  if (externalOrderIds.length === 0) return [];
  const r = await tx.execute(sql`select ol.id, o.id as order_id, o.external_id as platform_order_id, ol.external_id, ol.sku_id, ol.seller_sku
      from orders o join order_lines ol on ol.org_id = o.org_id and ol.order_id = o.id
     where o.org_id = ${orgId} and o.shop_id = ${shopId} and o.external_id = any(${sql.param(externalOrderIds)}::text[])`);
  return (r.rows as Record<string, string | null>[]).map((x) => ({ lineId: x.id!, orderId: x.order_id!, platformOrderId: x.platform_order_id!, externalLineId: x.external_id!, skuId: x.sku_id!, sellerSku: x.seller_sku ?? null }));
}

/** Products sold by a shop (from its order lines, until a catalogue exists), most sold first. */
export async function productsSoldInShop(tx: Executor, orgId: string, shopId: string, limit = 200): Promise<{ productId: string; name: string; lines: number }[]> {
  const r = await tx.execute(sql`select ol.product_id, max(ol.product_name) as name, count(*)::int as n from order_lines ol join orders o on o.org_id = ol.org_id and o.id = ol.order_id
    where ol.org_id = ${orgId} and o.shop_id = ${shopId} group by ol.product_id order by n desc, ol.product_id limit ${limit}`);
  return (r.rows as { product_id: string; name: string; n: number }[]).map((x) => ({ productId: x.product_id, name: x.name, lines: x.n }));
}

/** Traffic sources seen on a shop's order lines (livestreams, videos, campaigns), most sold first. */
export async function sourcesSold(tx: Executor, orgId: string, shopId: string, limit = 200): Promise<{ type: TrafficSourceType; id: string; name: string | null; lines: number }[]> {
  const r = await tx.execute(sql`select ol.traffic_source_type as type, ol.traffic_source_id as id, max(ol.traffic_source_name) as name, count(*)::int as n from order_lines ol join orders o on o.org_id = ol.org_id and o.id = ol.order_id
    where ol.org_id = ${orgId} and o.shop_id = ${shopId} and ol.traffic_source_type <> 'organic' and ol.traffic_source_id is not null
    group by 1, 2 order by n desc, 2 limit ${limit}`);
  return (r.rows as { type: TrafficSourceType; id: string; name: string | null; n: number }[]).map((x) => ({ type: x.type, id: x.id, name: x.name, lines: x.n }));
}

export interface ComplaintCount {
  productId: string;
  productName: string;
  reason: string;
  recent: number;
  baseline: number;
  /** Buyers of the recent after-sales requests (their tickets are what triggered a proposal). */
  recentBuyerIds: string[];
}

/**
 * After-sales requests of a shop per product (first line) and reason code: in [now − 24 h, now) and
 * in the 28 days before that — the input of the incidents spike test.
 */
export async function complaintCounts(tx: Executor, orgId: string, shopId: string, now: Date): Promise<ComplaintCount[]> {
  const day = new Date(now.getTime() - 86_400_000).toISOString();
  const from = new Date(now.getTime() - 29 * 86_400_000).toISOString();
  const r = await tx.execute(sql`
    select ol.product_id, max(ol.product_name) as product_name, coalesce(pr.reason_code, 'unknown') as reason,
           count(*) filter (where pr.requested_at >= ${day}::timestamptz)::int as recent,
           count(*) filter (where pr.requested_at < ${day}::timestamptz)::int as baseline,
           array_remove(array_agg(distinct pr.buyer_id) filter (where pr.requested_at >= ${day}::timestamptz), null) as buyers
      from platform_returns pr
      join lateral (select l.product_id, l.product_name from order_lines l where l.org_id = pr.org_id and l.order_id = pr.order_id order by l.external_id limit 1) ol on true
     where pr.org_id = ${orgId} and pr.shop_id = ${shopId} and pr.kind = 'return'
       and pr.requested_at >= ${from}::timestamptz and pr.requested_at < ${now.toISOString()}::timestamptz
     group by ol.product_id, coalesce(pr.reason_code, 'unknown')`);
  return (r.rows as { product_id: string; product_name: string; reason: string; recent: number; baseline: number; buyers: string[] | null }[]).map((x) => ({ productId: x.product_id, productName: x.product_name, reason: x.reason, recent: x.recent, baseline: x.baseline, recentBuyerIds: x.buyers ?? [] }));
}

/**
 * issue 17 (the buyer's page): an order with its lines as ONE json value (null when absent), to be
 * selected inside the caller's statement (`orderId` may name the caller's column); read it back
 * with orderViewFromJson. Lines in the order view's own order (by external id).
 */
export function orderViewJson(orgId: SQL | string, orderId: SQL | string): SQL {
  return sql`(select json_build_object('o', to_json(o), 'l', coalesce((select json_agg(l order by l.external_id) from order_lines l where l.org_id = o.org_id and l.order_id = o.id), '[]'::json))
    from orders o where o.org_id = ${orgId} and o.id = ${orderId})`;
}

/** The order view from orderViewJson's value (the same mapping as the service's getOrder). */
export function orderViewFromJson(j: { o: Record<string, unknown>; l: Record<string, unknown>[] } | null | undefined): OrderView | null {
  return j ? orderView(rowFromJson(orders, j.o), j.l.map((l) => rowFromJson(orderLines, l))) : null;
}

/** issue 17: an order and its lines as the order view, on the caller's transaction (one statement); null when absent. */
export async function orderViewIn(tx: Executor, orgId: string, orderId: string): Promise<OrderView | null> {
  const r = await tx.execute(sql`select ${orderViewJson(orgId, orderId)} as v`);
  return orderViewFromJson((r.rows[0] as { v: Parameters<typeof orderViewFromJson>[0] } | undefined)?.v);
}

/** A row of `table` from its to_json form (column names), each value through the column's own driver mapping. */
function rowFromJson<T extends PgTable>(table: T, j: Record<string, unknown>): T['$inferSelect'] {
  const out: Record<string, unknown> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) {
    const v = j[col.name];
    out[key] = v == null ? null : col.mapFromDriverValue(v);
  }
  return out as T['$inferSelect'];
}
