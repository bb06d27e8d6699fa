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
