import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';
import { couponLedger, couponProgrammes } from './coupons.schema.js';

/**
 * For analytics (coupon ROI): per programme (compensation coupons of remedies under `remedies`),
 * issued, redeemed (net of cancellations and returns), face value issued and the discount the
 * redeeming orders actually got (the cost), optionally for issues planned in [from, to).
 */
export async function couponCountsByProgramme(tx: Executor, orgId: string, range: { from?: Date; to?: Date } = {}): Promise<{ programmeId: string | null; name: string; kind: string; shopId: string; currency: string; issued: number; redeemed: number; faceValueIssued: number; cost: number; revenue: number }[]> {
  const conds = [eq(couponLedger.orgId, orgId), eq(couponLedger.arm, 'treatment'), sql`${couponLedger.sentAt} is not null`];
  if (range.from) conds.push(gte(couponLedger.plannedAt, range.from));
  if (range.to) conds.push(lt(couponLedger.plannedAt, range.to));
  const rows = await tx
    .select({
      programmeId: couponLedger.programmeId,
      name: sql<string>`coalesce(${couponProgrammes.name}, 'remedies')`,
      kind: sql<string>`coalesce(${couponProgrammes.kind}, 'compensation')`,
      shopId: couponLedger.shopId,
      currency: couponLedger.currency,
      issued: sql<number>`count(*)::int`,
      redeemed: sql<number>`(count(*) filter (where ${couponLedger.status} = 'redeemed'))::int`,
      faceValueIssued: sql<number>`coalesce(sum(${couponLedger.faceValue}), 0)::bigint`,
      cost: sql<number>`coalesce(sum(${couponLedger.discountAmount}) filter (where ${couponLedger.status} = 'redeemed'), 0)::bigint`,
      revenue: sql<number>`coalesce(sum(${couponLedger.orderValue}) filter (where ${couponLedger.status} = 'redeemed'), 0)::bigint`,
    })
    .from(couponLedger)
    .leftJoin(couponProgrammes, and(eq(couponProgrammes.orgId, couponLedger.orgId), eq(couponProgrammes.id, couponLedger.programmeId)))
    .where(and(...conds))
    .groupBy(couponLedger.programmeId, couponProgrammes.name, couponProgrammes.kind, couponLedger.shopId, couponLedger.currency);
  return rows.map((r) => ({ ...r, issued: Number(r.issued), redeemed: Number(r.redeemed), faceValueIssued: Number(r.faceValueIssued), cost: Number(r.cost), revenue: Number(r.revenue) }));
}

/** Which of these ledger rows the buyer redeemed (incidents: "accepted the compensation"). */
export async function redeemedLedgerIds(tx: Executor, orgId: string, ledgerIds: string[]): Promise<Set<string>> {
  if (ledgerIds.length === 0) return new Set();
  const r = await tx.execute(sql`select id from coupon_ledger where org_id = ${orgId} and id = any(${sql.param(ledgerIds)}::text[]) and status = 'redeemed'`);
  return new Set((r.rows as { id: string }[]).map((x) => x.id));
}
