import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';

/* Narrow reads for other modules (the Orders and Customers pages), on the caller's transaction. */

export interface RemedySummary {
  id: string;
  orderId: string;
  ticketId: string | null;
  returnId: string | null;
  kind: string;
  status: string;
  category: string;
  currency: string;
  refundAmount: number;
  reship: boolean;
  hasCoupon: boolean;
  createdAt: Date;
}

/** Remedies of an order or a buyer, newest first, at most 100. */
export async function remediesRelated(tx: Executor, orgId: string, by: { orderId?: string; buyerId?: string }): Promise<RemedySummary[]> {
  if (!by.orderId && !by.buyerId) return [];
  const r = await tx.execute(sql`
    select id, order_id, ticket_id, return_id, kind, status, category, currency, refund_amount, reship, coupon is not null as has_coupon, created_at
      from remedies where org_id = ${orgId} and ${by.orderId ? sql`order_id = ${by.orderId}` : sql`buyer_id = ${by.buyerId}`}
     order by created_at desc, id limit 100`);
  return (r.rows as Record<string, unknown>[]).map((x) => ({
    id: String(x.id),
    orderId: String(x.order_id),
    ticketId: (x.ticket_id as string | null) ?? null,
    returnId: (x.return_id as string | null) ?? null,
    kind: String(x.kind),
    status: String(x.status),
    category: String(x.category),
    currency: String(x.currency),
    refundAmount: Number(x.refund_amount),
    reship: Boolean(x.reship),
    hasCoupon: Boolean(x.has_coupon),
    createdAt: new Date(String(x.created_at)),
  }));
}

/** Remedies waiting for a supervisor's approval, on the caller's transaction (its organisation and brand scope). */
export async function approvalsWaitingCount(tx: Executor, orgId: string): Promise<number> {
  const r = await tx.execute(sql`select count(*)::int as n from remedies where org_id = ${orgId} and status = 'pending_approval'`);
  return (r.rows[0] as { n: number }).n;
}
