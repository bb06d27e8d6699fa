import { and, asc, eq, gt, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db.js';
import { platformReturns } from './orders.schema.js';

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
