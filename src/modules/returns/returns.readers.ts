import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';

/*
 * Narrow reads for other modules (the lookup service, the Orders and Customers pages), on the
 * caller's transaction: the returns tables stay this module's own.
 */

export interface ReturnMatch {
  id: string;
  rma: string;
  shopId: string;
  orderId: string;
  buyerId: string | null;
  ticketId: string | null;
  status: string;
  resolution: string;
  currency: string;
  refundTotal: number;
  requestedAt: Date;
  match: 'rma' | 'tracking_number' | 'related';
}

const matchOf = (x: Record<string, unknown>, match: ReturnMatch['match']): ReturnMatch => ({
  id: String(x.id),
  rma: String(x.rma),
  shopId: String(x.shop_id),
  orderId: String(x.order_id),
  buyerId: (x.buyer_id as string | null) ?? null,
  ticketId: (x.ticket_id as string | null) ?? null,
  status: String(x.status),
  resolution: String(x.resolution),
  currency: String(x.currency),
  refundTotal: Number(x.refund_total),
  requestedAt: new Date(String(x.requested_at)),
  match,
});

/** Returns whose RMA (any case) or return tracking number is exactly `q`. */
export async function returnsMatching(tx: Executor, orgId: string, q: string, limit: number): Promise<ReturnMatch[]> {
  const r = await tx.execute(sql`
    select id, rma, shop_id, order_id, buyer_id, ticket_id, status, resolution, currency, refund_total, requested_at, (rma = upper(${q})) as by_rma
      from returns where org_id = ${orgId} and (rma = upper(${q}) or tracking_number = ${q})
     order by requested_at desc, id limit ${limit}`);
  return (r.rows as Record<string, unknown>[]).map((x) => matchOf(x, x.by_rma ? 'rma' : 'tracking_number'));
}

/** Returns of an order or a buyer, newest first, at most 100. */
export async function returnsRelated(tx: Executor, orgId: string, by: { orderId?: string; buyerId?: string }): Promise<ReturnMatch[]> {
  if (!by.orderId && !by.buyerId) return [];
  const r = await tx.execute(sql`
    select id, rma, shop_id, order_id, buyer_id, ticket_id, status, resolution, currency, refund_total, requested_at
      from returns where org_id = ${orgId} and ${by.orderId ? sql`order_id = ${by.orderId}` : sql`buyer_id = ${by.buyerId}`}
     order by requested_at desc, id limit 100`);
  return (r.rows as Record<string, unknown>[]).map((x) => matchOf(x, 'related'));
}

/** RMA, order, ticket and buyer of returns by id. */
export async function returnLabels(tx: Executor, orgId: string, ids: string[]): Promise<ReturnMatch[]> {
  if (ids.length === 0) return [];
  const r = await tx.execute(sql`
    select id, rma, shop_id, order_id, buyer_id, ticket_id, status, resolution, currency, refund_total, requested_at
      from returns where org_id = ${orgId} and id = any(${sql.param([...new Set(ids)])}::text[])`);
  return (r.rows as Record<string, unknown>[]).map((x) => matchOf(x, 'related'));
}

/** Statuses in which a return waits for the seller: a decision, an inspection, a hold or an appeal. */
export const RETURN_STATUSES_WAITING = ['requested', 'received', 'inspection_failed', 'appeal_open'] as const;

/** Returns waiting for the seller, on the caller's transaction (its organisation and brand scope). */
export async function returnsWaitingCount(tx: Executor, orgId: string): Promise<number> {
  const r = await tx.execute(sql`select count(*)::int as n from returns where org_id = ${orgId} and status = any(${sql.param([...RETURN_STATUSES_WAITING])}::text[])`);
  return (r.rows[0] as { n: number }).n;
}

/** A return as the buyer's page shows it: its number, reason and timeline. */
export interface BuyerReturnTimeline {
  id: string;
  rma: string;
  channel: string;
  platformReturnId: string | null;
  reason: { code: string; label: string } | null;
  requestedAt: Date;
  receivedAt: Date | null;
  inspectedAt: Date | null;
  refundedAt: Date | null;
  closedAt: Date | null;
}

/**
 * issue 17 (the buyer's page): an order's returns, newest request first, as ONE json array, to be
 * selected inside the caller's statement (`orderId` may name the caller's column); read it back
 * with buyerReturnTimelinesFromJson.
 */
export function buyerReturnTimelinesJson(orgId: SQL | string, orderId: SQL | string, limit: number): SQL {
  return sql`coalesce((select json_agg(x) from (select id, rma, channel, platform_return_id, reason, requested_at, received_at, inspected_at, refunded_at, closed_at
      from returns where org_id = ${orgId} and order_id = ${orderId} order by requested_at desc, id desc limit ${limit}) x), '[]'::json)`;
}

export function buyerReturnTimelinesFromJson(rows: Record<string, unknown>[]): BuyerReturnTimeline[] {
  const at = (v: unknown) => (v == null ? null : new Date(v as string));
  return rows.map((x) => ({
    id: x.id as string,
    rma: x.rma as string,
    channel: x.channel as string,
    platformReturnId: (x.platform_return_id as string | null) ?? null,
    reason: (x.reason as { code: string; label: string } | null) ?? null,
    requestedAt: new Date(x.requested_at as string),
    receivedAt: at(x.received_at),
    inspectedAt: at(x.inspected_at),
    refundedAt: at(x.refunded_at),
    closedAt: at(x.closed_at),
  }));
}

/** issue 17: an order's returns as the buyer's page shows them, on the caller's transaction (one statement). */
export async function buyerReturnTimelinesIn(tx: Executor, orgId: string, orderId: string, limit: number): Promise<BuyerReturnTimeline[]> {
  const r = await tx.execute(sql`select ${buyerReturnTimelinesJson(orgId, orderId, limit)} as v`);
  return buyerReturnTimelinesFromJson((r.rows[0] as { v: Record<string, unknown>[] }).v);
}
