import { and, asc, eq, gt, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db.js';
import { buyers, orderLines, orders, platformReturns, type TrafficSourceType } from './orders.schema.js';

/** TikTok return-and-refund requests still open on the platform (the states a seller can act on). */
const OPEN_REQUEST_STATUSES = ['requested', 'awaiting_buyer_shipment', 'buyer_shipped', 'approved'];

export interface OpenReturnRequest {
  id: string;
  reasonCode: string | null;
  reasonText: string | null;
  requestedAt: Date;
}

/** Open return requests linked to a synced order, oldest first, a page at a time (`after` = the last one seen). */
export async function openReturnRequests(tx: Executor, orgId: string, page: { limit: number; after?: { requestedAt: Date; id: string } }): Promise<OpenReturnRequest[]> {
  const p = platformReturns;
  return tx
    .select({ id: p.id, reasonCode: p.reasonCode, reasonText: p.reasonText, requestedAt: p.requestedAt })
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
