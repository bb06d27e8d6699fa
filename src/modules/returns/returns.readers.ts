import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db.js';

/** Statuses in which a return waits for the seller: a decision, an inspection, a hold or an appeal. */
export const RETURN_STATUSES_WAITING = ['requested', 'received', 'inspection_failed', 'appeal_open'] as const;

/** Returns waiting for the seller, on the caller's transaction (its organisation and brand scope). */
export async function returnsWaitingCount(tx: Executor, orgId: string): Promise<number> {
  const r = await tx.execute(sql`select count(*)::int as n from returns where org_id = ${orgId} and status = any(${sql.param([...RETURN_STATUSES_WAITING])}::text[])`);
  return (r.rows[0] as { n: number }).n;
}
